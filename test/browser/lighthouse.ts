import * as chromeLauncher from 'chrome-launcher'
import lighthouse from 'lighthouse'
import puppeteer from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locale } from '../../src/i18n/locales.ts'
import { buildFeedbackProject } from '../fixtures/feedback-builder.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { browserAvailable, CHROMIUM, serve } from '../helpers/browser.ts'
import { createTestApp, csrfToken, type TestApp } from '../helpers/test-app.ts'
import { testDatabaseUrl } from '../helpers/test-database.ts'

// Lighthouse (mobile: a mid-range phone on a slow 4G network, simulated) on every public page type in
// one locale (one test file per locale, so that files in parallel share the work): accessibility, best
// practices and SEO score 100, and so does every performance metric the page decides. The browser
// tests run in the embedded pass (.ci/run): the pages are the same on either database.
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const
const runHere = browserAvailable && !testDatabaseUrl
// The performance metrics a page decides: painting, layout shifts. Total blocking time is left out of
// the assertion (it is recorded): on this kind of machine Chromium's own start-of-page tasks block the
// main thread for 80-140 ms on an empty page, and the simulated 4x mobile CPU makes that a third of it.
const PAGE_METRICS = [
  'first-contentful-paint',
  'largest-contentful-paint',
  'speed-index',
  'cumulative-layout-shift',
]
// A page that is not found says so with its status, which Lighthouse counts against SEO and, as the
// browser logs the 404, against best practices: the right answer, so those two audits are expected.
const NOT_FOUND_LOSSES = ['http-status-code', 'errors-in-console']

/** Lighthouse's own failures to trace a page (not the page's): the audit is run again, once. */
const HARNESS_ERRORS = new Set(['NO_NAVSTART', 'NO_FCP', 'NO_TRACING_STARTED', 'PROTOCOL_TIMEOUT'])

let t: TestApp
let server: Awaited<ReturnType<typeof serve>>
let chrome: chromeLauncher.LaunchedChrome
let survey: BuiltSurvey
let trends: Awaited<ReturnType<typeof loadTrendFixture>>
let projectCode: string

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
    expect(res.status).toBe(303)
    keep(res)
  }
  await post('/start')
  if (refused) await post('/p/1')
  return [...cookies]
}

async function audit(url: string, cookies?: [string, string][]) {
  const first = await auditOnce(url, cookies)
  return first.error && HARNESS_ERRORS.has(first.error) ? auditOnce(url, cookies) : first
}

async function auditOnce(url: string, cookies?: [string, string][]) {
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
        onlyCategories: [...CATEGORIES],
        disableStorageReset: !!cookies,
        // The not-found page is audited too: it is a page citizens meet.
        ignoreStatusCode: true,
        disableFullPageScreenshot: true,
      },
      {
        extends: 'lighthouse:default',
        settings: {
          // Pages without scripts settle at once: shorter quiet windows keep each audit to seconds.
          pauseAfterFcpMs: 250,
          pauseAfterLoadMs: 250,
          networkQuietThresholdMs: 250,
          cpuQuietThresholdMs: 250,
          // Screenshots and the back/forward cache check (weight 0, a second navigation) are not scored.
          skipAudits: ['screenshot-thumbnails', 'final-screenshot', 'bf-cache'],
        },
      },
      tab,
    )
    const lhr = result!.lhr
    const score = (id: string) => Math.round((lhr.audits[id]?.score ?? 0) * 100)
    return {
      scores: Object.fromEntries(
        CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]),
      ),
      // What cost each category points, by audit, so that a failure says what to fix.
      lost: Object.fromEntries(
        CATEGORIES.map((c) => [
          c,
          (lhr.categories[c]?.auditRefs ?? [])
            .filter((ref) => ref.weight > 0 && (lhr.audits[ref.id]?.score ?? 1) < 1)
            .map((ref) => ref.id),
        ]),
      ),
      metrics: Object.fromEntries(PAGE_METRICS.map((id) => [id, score(id)])),
      blockingMs: Math.round(lhr.audits['total-blocking-time']?.numericValue ?? 0),
      finalUrl: lhr.finalDisplayedUrl,
      error: lhr.runtimeError?.code,
    }
  } finally {
    await tab.close()
    await browser.disconnect()
  }
}

/** The Lighthouse test of every public page type in one locale. */
export function lighthouseTests(locale: Locale) {
  describe.skipIf(!runHere)(`Lighthouse on every public page (mobile), ${locale}`, () => {
    beforeAll(async () => {
      if (!runHere) return
      t = await createTestApp()
      survey = await buildSurvey(t.services.db, { closesAt: new Date('2099-06-30T12:00:00Z') })
      trends = await loadTrendFixture(t.services.db, { statuses: { 2025: 'open' } })
      projectCode = (await buildFeedbackProject(t.services.db, { languages: ['es', 'fr', 'pt'] })).code
      server = await serve(t.app)
      chrome = await chromeLauncher.launch({
        chromePath: CHROMIUM,
        chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run'],
      })
    }, 120_000)
    afterAll(async () => {
      if (!runHere) return
      chrome?.kill()
      await server?.close()
      await t?.close()
    })

    it(
      `${locale}: accessibility, best practices, SEO and the performance metrics a page decides score 100`,
      { timeout: 600_000 },
      async () => {
        const lang = `lang=${locale}`
        const pages: [string, string, [string, string][]?][] = [
          ['home', `/?${lang}`],
          ['survey start', `${survey.url}?${lang}`],
          ['question page', `${survey.url}/p/1?${lang}`, await respondent(locale, false)],
          ['question page with errors', `${survey.url}/p/1?${lang}`, await respondent(locale, true)],
          ['results', `${trends.url}/results?${lang}`],
          ['results by district', `${trends.url}/results?by=district&${lang}`],
          ['feedback form', `/f/${projectCode}?${lang}`],
          ['project page', `/projects/${projectCode}?${lang}`],
          ['not found', `/no/such/page?${lang}`],
        ]

        const below: string[] = []
        const blocking: string[] = []
        for (const [name, path, cookies] of pages) {
          const url = `${server.url}${path}`
          // Readers get a kept results page; its first rendering after a wave closes is the benchmark's.
          if (path.includes('/results')) await fetch(url)
          const { scores, lost, metrics, blockingMs, finalUrl, error } = await audit(url, cookies)
          // The page meant, not a redirect elsewhere (a respondent without their cookie).
          expect(finalUrl, name).toBe(url)
          expect(error, name).toBeUndefined()
          blocking.push(`${name} ${blockingMs} ms`)
          const expectedLosses = name === 'not found' ? NOT_FOUND_LOSSES : []
          const wrong = [
            ...(['accessibility', 'best-practices', 'seo'] as const)
              .map((c) => [c, lost[c]!.filter((id) => !expectedLosses.includes(id))] as const)
              .filter(([, ids]) => ids.length > 0)
              .map(([c, ids]) => `${c} ${scores[c]} (${ids.join(', ')})`),
            ...Object.entries(metrics)
              .filter(([, value]) => value < 100)
              .map(([id, value]) => `${id} ${value}`),
          ]
          if (wrong.length) below.push(`${name}: ${wrong.join(', ')}`)
        }
        console.log(`Lighthouse ${locale}, total blocking time: ${blocking.join(', ')}`)
        expect(below).toEqual([])
      },
    )
  })
}
