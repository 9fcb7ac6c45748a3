import * as chromeLauncher from 'chrome-launcher'
import lighthouse from 'lighthouse'
import puppeteer from 'puppeteer-core'
import type { Locale } from '../../src/i18n/locales.ts'
import { publishFixtureBrief } from '../fixtures/brief-builder.ts'
import { buildFeedbackProject } from '../fixtures/feedback-builder.ts'
import { buildSurvey } from '../fixtures/survey-builder.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { CHROMIUM, serve } from './browser.ts'
import { createTestApp, csrfToken } from './test-app.ts'

// What Lighthouse audits (the tests and `npm run bench -- lighthouse`, in its four categories): the app
// with every public page type's fixtures, served, and Chromium to audit in.

export type Category = 'accessibility' | 'best-practices' | 'seo' | 'performance'

/** The middle of several audits' figures (the upper middle of an even count). */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Lighthouse's own failures to trace a page (not the page's): the audit is run again, up to twice. */
const HARNESS_ERRORS = new Set([
  'NO_NAVSTART',
  'NO_FCP',
  'NO_TRACING_STARTED',
  'PROTOCOL_TIMEOUT',
  'CATEGORY_NOT_SCORED',
])

export async function startLighthouseSite() {
  const t = await createTestApp()
  const survey = await buildSurvey(t.services.db, { closesAt: new Date('2099-06-30T12:00:00Z') })
  const trends = await loadTrendFixture(t.services.db, { statuses: { 2025: 'open' } })
  await publishFixtureBrief(t.services, trends.organizationId, 2024)
  const projectCode = (await buildFeedbackProject(t.services.db, { languages: ['es', 'fr', 'pt'] })).code
  const server = await serve(t.app)
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  })

  /** A respondent's cookies after pressing Start, and optionally after sending page 1 empty (refused). */
  async function respondent(locale: Locale, refused: boolean): Promise<[string, string][]> {
    const cookies = new Map<string, string>()
    const keep = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [name, value] = c.split(';')[0]!.split('=') as [string, string]
        cookies.set(name, value)
      }
    }
    const header = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    const landing = await fetch(`${server.url}${survey.url}?lang=${locale}`)
    keep(landing)
    const token = csrfToken(await landing.text())
    const post = async (path: string) => {
      const res = await fetch(`${server.url}${survey.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token }).toString(),
      })
      if (res.status !== 303) throw new Error(`${path} answered ${res.status}, not 303`)
      keep(res)
    }
    await post('/start')
    if (refused) await post('/p/1')
    return [...cookies]
  }

  /** One page's Lighthouse report, in these categories: scores, what lost points, where it ended. */
  async function audit(url: string, categories: readonly Category[], cookies?: [string, string][]) {
    let result = await auditOnce(url, categories, cookies)
    for (let again = 0; again < 2 && result.error && HARNESS_ERRORS.has(result.error); again++)
      result = await auditOnce(url, categories, cookies)
    return result
  }

  async function auditOnce(url: string, categories: readonly Category[], cookies?: [string, string][]) {
    // A tab of its own with the respondent's cookies, kept through the audit (no storage reset).
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` })
    const tab = await browser.newPage()
    try {
      if (cookies) await tab.setCookie(...cookies.map(([name, value]) => ({ name, value, url: server.url })))
      const result = await lighthouse(
        url,
        {
          port: chrome.port,
          output: 'json',
          logLevel: 'error',
          onlyCategories: [...categories],
          disableStorageReset: !!cookies,
          // The not-found page is audited too: it is a page citizens meet.
          ignoreStatusCode: true,
          disableFullPageScreenshot: true,
        },
        {
          extends: 'lighthouse:default',
          settings: {
            // Pages without scripts settle at once: shorter quiet windows keep each audit to seconds.
            pauseAfterFcpMs: 0,
            pauseAfterLoadMs: 0,
            networkQuietThresholdMs: 100,
            cpuQuietThresholdMs: 100,
            // Screenshots and the back/forward cache check (weight 0, a second navigation) are not scored.
            skipAudits: ['screenshot-thumbnails', 'final-screenshot', 'bf-cache'],
          },
        },
        tab,
      )
      const lhr = result!.lhr
      return {
        scores: Object.fromEntries(
          categories.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]),
        ),
        // What cost each category points, by audit, so that a failure says what to fix.
        lost: Object.fromEntries(
          categories.map((c) => [
            c,
            (lhr.categories[c]?.auditRefs ?? [])
              .filter((ref) => ref.weight > 0 && (lhr.audits[ref.id]?.score ?? 1) < 1)
              .map((ref) => ref.id),
          ]),
        ),
        // The metrics behind the performance score (milliseconds; CLS unitless), when it was asked for.
        metrics: Object.fromEntries(
          [
            'first-contentful-paint',
            'largest-contentful-paint',
            'total-blocking-time',
            'cumulative-layout-shift',
            'speed-index',
          ].map((id) => [id, lhr.audits[id]?.numericValue ?? null]),
        ),
        finalUrl: lhr.finalDisplayedUrl,
        // A category left unscored: one of its metrics could not be read from the trace (Lighthouse's).
        error:
          lhr.runtimeError?.code ??
          (categories.some((c) => lhr.categories[c]?.score === null) ? 'CATEGORY_NOT_SCORED' : undefined),
      }
    } finally {
      await tab.close()
      await browser.disconnect()
    }
  }

  return {
    url: server.url,
    /** Every public page type in a locale: its name, address and (for a respondent's pages) cookies. */
    async pages(locale: Locale): Promise<[string, string, [string, string][]?][]> {
      const lang = `lang=${locale}`
      return [
        ['home', `/?${lang}`],
        ['survey start', `${survey.url}?${lang}`],
        ['question page', `${survey.url}/p/1?${lang}`, await respondent(locale, false)],
        ['question page with errors', `${survey.url}/p/1?${lang}`, await respondent(locale, true)],
        ['results', `${trends.url}/results?${lang}`],
        ['results by district', `${trends.url}/results?by=district&${lang}`],
        ['feedback form', `/f/${projectCode}?${lang}`],
        ['project page', `/projects/${projectCode}?${lang}`],
        ['not found', `/no/such/page?${lang}`],
        ['yearly brief', `${trends.url}/brief/2024?${lang}`],
      ]
    },
    audit,
    async close() {
      chrome.kill()
      await server.close()
      await t.close()
    },
  }
}
