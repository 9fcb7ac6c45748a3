import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { publishFixtureBrief } from '../fixtures/brief-builder.ts'
import { LOCALES, type Locale } from '../../src/i18n/locales.ts'
import { buildFeedbackProject } from '../fixtures/feedback-builder.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { Respondent } from '../helpers/respondent.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { emailRecipient } from '../fixtures/mail-builder.ts'
import { setNetworkOptIn } from '../../src/network/network.repository.ts'

// Every public page, in every locale, written as the language is printed: French with a narrow
// no-break space before : ; ? ! and inside « », and one style of percent per page.
let t: TestApp
let survey: BuiltSurvey
let trends: Awaited<ReturnType<typeof loadTrendFixture>>
let projectCode: string

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { closesAt: new Date('2099-06-30T12:00:00Z') })
  trends = await loadTrendFixture(t.services.db, { statuses: { 2025: 'open' } })
  projectCode = (await buildFeedbackProject(t.services.db, { languages: ['es', 'fr', 'pt'] })).code
  await setNetworkOptIn(t.services.db, trends.organizationId, true)
  // The 2024 brief, published (2025 is still open in this fixture).
  await publishFixtureBrief(t.services, trends.organizationId, 2024)
})
afterAll(() => t.close())

/** The text a reader sees: no tags, no scripts, entities read. */
const textOf = (html: string) =>
  html
    .replace(/<(script|style|svg)[\s\S]*?<\/\1>/g, ' ')
    // Inline elements join their text; others separate it.
    .replace(/<\/?(span|a|strong|em|mark|abbr|label)\b[^>]*>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/&[lg]t;/g, ' ')
    .replace(/&quot;/g, '"')

async function publicPages(locale: Locale) {
  const citizen = new Respondent(t.app, survey.url, locale)
  const pages: [string, string][] = []
  const add = async (name: string, url: string) => {
    const page = await citizen.get(url)
    // A page missing would pass with nothing to check.
    expect(page.status, name).toBe(name === 'not found' ? 404 : 200)
    pages.push([name, page.text])
  }
  await add('home', '/')
  await add('survey start', survey.url)
  await citizen.start()
  await add('question page', `${survey.url}/p/1`)
  pages.push(['question page with errors', (await citizen.postRefused(`${survey.url}/p/1`, {})).text])
  await add('results', `${trends.url}/results`)
  await add('results by district', `${trends.url}/results?by=district`)
  await add('feedback form', `/f/${projectCode}`)
  await add('project page', `/projects/${projectCode}`)
  await add('not found', '/no/such/page')
  await add('network', '/network')
  await add('network indicator', '/network/aware_yes')
  await add('yearly brief', `${trends.url}/brief/2024`)
  const stop = await emailRecipient(t.services, survey.waveId, `typography-${locale}@example.org`)
  await add('stop email messages', stop)
  pages.push([
    'email messages stopped',
    (await citizen.post(stop)).status === 303 ? (await citizen.get(stop)).text : '',
  ])
  return pages
}

describe('typography', () => {
  for (const locale of LOCALES)
    it(`${locale}: every public page`, async () => {
      for (const [name, html] of await publicPages(locale)) {
        const text = textOf(html)
        if (locale === 'fr') {
          // A plain space before high punctuation, or inside guillemets, is a line break waiting to happen.
          const loose = /\S {1,}[:;?!»]|« /.exec(text)
          expect(
            loose?.[0] ?? null,
            `${locale} ${name}: …${text.slice(Math.max(0, (loose?.index ?? 0) - 40), (loose?.index ?? 0) + 20)}…`,
          ).toBeNull()
        }
        // One percent style per page: the separator Intl puts between number and sign, everywhere.
        const styles = new Set([...text.matchAll(/\d([ \u00a0\u202f]?)%/g)].map((m) => m[1]))
        expect(
          styles.size,
          `${locale} ${name}: ${[...styles].map((s) => JSON.stringify(s)).join(', ')}`,
        ).toBeLessThanOrEqual(1)
      }
    })
})
