import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import {
  BROWSER_TEST_TIMEOUT,
  browserAvailable,
  expectAccessible,
  openBrowser,
  serve,
} from '../helpers/browser.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { setTarget } from '../../src/results/results.repository.ts'
import { setNetworkOptIn } from '../../src/network/network.repository.ts'
import { emailRecipient } from '../fixtures/mail-builder.ts'
import { LOCALES } from '../../src/i18n/locales.ts'

// A citizen on a 360 px phone: the results readable without sideways scrolling, the survey's Back
// after an error, the start page that offers to continue, and a 0-10 scale on one row.
let t: TestApp
let trends: Awaited<ReturnType<typeof loadTrendFixture>>
let survey: BuiltSurvey
let server: Awaited<ReturnType<typeof serve>>

beforeAll(async () => {
  t = await createTestApp()
  trends = await loadTrendFixture(t.services.db, { statuses: { 2025: 'open' } })
  // A target on one indicator: its dashed line and label are read at 360 px like the rest (#20.1).
  await setTarget(t.services.db, trends.seriesId, 'aware_yes', {
    value: 0.8,
    year: 2027,
    direction: 'atLeast',
    reason: { es: 'Lo pide el pleno.', fr: 'Le conseil le demande.', pt: 'A câmara pede.' },
  })
  survey = await buildSurvey(t.services.db, { year: 2026 })
  server = await serve(t.app)
})
afterAll(async () => {
  await server?.close()
  await t.close()
})

type BrowserGlobals = {
  document: {
    documentElement: { scrollWidth: number; clientWidth: number }
    querySelectorAll: (s: string) => ArrayLike<{
      getScreenCTM(): { a: number } | null
      getBoundingClientRect(): { top: number; left: number; right: number }
    }>
  }
  getComputedStyle: (e: unknown) => { fontSize: string }
}

const pageWidth = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.scrollWidth)

/** The smallest size, in CSS pixels, at which any chart label renders. */
const smallestChartText = (page: Page) =>
  page.evaluate(() => {
    const g = globalThis as unknown as BrowserGlobals
    const sizes = Array.from(g.document.querySelectorAll('svg.chart text')).map(
      (text) => parseFloat(g.getComputedStyle(text).fontSize) * (text.getScreenCTM()?.a ?? 0),
    )
    return { count: sizes.length, smallest: Math.min(...sizes) }
  })

describe.skipIf(!browserAvailable)('on a 360 px phone', () => {
  it(
    'the results: chart text of 12 px or more, nothing scrolls the page sideways, a contents list',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      for (const locale of ['es-ES', 'fr-FR', 'pt-PT']) {
        const browser = await openBrowser({ locale, viewport: { width: 360, height: 740 } })
        try {
          const { page } = browser
          for (const by of ['', '?by=district']) {
            await page.goto(`${server.url}${trends.url}/results${by}`)
            expect(await pageWidth(page), `${locale} ${by}`).toBeLessThanOrEqual(360)
            const text = await smallestChartText(page)
            expect(text.count).toBeGreaterThan(10)
            expect(text.smallest, `${locale} ${by}`).toBeGreaterThanOrEqual(12)
          }
          // The contents list jumps to each indicator.
          const links = page.locator('nav.contents a')
          expect(await links.count()).toBeGreaterThan(2)
          const second = links.nth(1)
          const target = (await second.getAttribute('href'))!
          await second.click()
          await page.waitForURL(new RegExp(`${target}$`))
          const top = await page.locator(target).evaluate((el) => el.getBoundingClientRect().top)
          expect(Math.abs(top)).toBeLessThan(50)
          await expectAccessible(page, `results at 360 px, ${locale}`)
        } finally {
          await browser.close()
        }
      }
    },
  )

  it(
    'the survey: Back after an error never asks to resend the form; the start page offers to continue',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      for (const javaScriptEnabled of [true, false]) {
        const browser = await openBrowser({
          locale: 'es-ES',
          javaScriptEnabled,
          viewport: { width: 360, height: 740 },
        })
        try {
          const { page } = browser
          page.setDefaultTimeout(15_000)
          await page.goto(`${server.url}${survey.url}`)
          await page.getByRole('button', { name: 'Empezar' }).click()
          await page.waitForURL(/\/p\/1$/)
          // Refused: the same address shows the errors (reached by a redirect, not a POST).
          await page.getByRole('button', { name: 'Continuar' }).click()
          await page.locator('.error-summary').waitFor()
          expect(page.url()).toMatch(/\/p\/1$/)
          // axe runs as a script in the page: with JavaScript on (the HTML is the same without).
          if (javaScriptEnabled) await expectAccessible(page, 'page 1 with errors')
          await page.getByLabel('Nivel 4', { exact: true }).check()
          await page.getByLabel('No', { exact: true }).check()
          await page.getByRole('button', { name: 'Continuar' }).click()
          await page.waitForURL(/\/p\/3$/)
          // Back: page 1 comes again from a GET (a POST in history would fail to load here).
          const back = await page.goBack()
          expect(back?.request().method()).toBe('GET')
          expect(back?.status()).toBe(200)
          expect(page.url()).toMatch(/\/p\/1$/)
          expect(await page.getByLabel('Nivel 4', { exact: true }).isChecked()).toBe(true)
          // The 0-10 scale on page 3 sits on one row, even at 320 px.
          await page.goto(`${server.url}${survey.url}/p/3`)
          await page.setViewportSize({ width: 320, height: 640 })
          const tops = await page
            .locator('.choices-scale input')
            .evaluateAll((inputs) => inputs.map((i) => Math.round(i.getBoundingClientRect().top)))
          expect(tops).toHaveLength(11)
          expect(new Set(tops).size).toBe(1)
          expect(await pageWidth(page)).toBeLessThanOrEqual(320)
          await page.setViewportSize({ width: 360, height: 740 })
          // Leaving and coming back: the start page offers to continue where the citizen left off.
          await page.goto(`${server.url}${survey.url}`)
          await page.getByRole('link', { name: 'Continuar donde lo dejé' }).click()
          await page.waitForURL(/\/p\/3$/)
          if (javaScriptEnabled) await expectAccessible(page, 'page 3, resumed')
          await page.goto(`${server.url}${survey.url}`)
          await page.getByRole('link', { name: 'Empezar de nuevo' }).click()
          await page.waitForURL(/\/start-again$/)
          if (javaScriptEnabled) await expectAccessible(page, 'start again?')
          await page.getByRole('button', { name: /Sí, borrar/ }).click()
          await page.waitForURL(/\/p\/1$/)
          expect(await page.getByLabel('Nivel 4', { exact: true }).isChecked()).toBe(false)
        } finally {
          await browser.close()
        }
      }
    },
  )

  it(
    'the page that stops email messages: every locale, without JavaScript, axe-clean at 360 px',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      for (const locale of LOCALES) {
        const stop = await emailRecipient(t.services, survey.waveId, `reader-${locale}@example.org`)
        const browser = await openBrowser({
          locale,
          javaScriptEnabled: false,
          viewport: { width: 360, height: 740 },
        })
        const checks = await openBrowser({ locale, viewport: { width: 360, height: 740 } })
        try {
          await browser.page.goto(`${server.url}${stop}?lang=${locale}`)
          expect(await browser.page.getAttribute('html', 'lang')).toBe(locale)
          expect(await pageWidth(browser.page)).toBeLessThanOrEqual(360)
          await checks.page.goto(`${server.url}${stop}?lang=${locale}`)
          await expectAccessible(checks.page, `opt-out page, ${locale}`)
          await browser.page.locator('main form button').click()
          await browser.page.waitForURL(new RegExp(`${stop}$`))
          expect(await browser.page.locator('main form').count()).toBe(0)
          await checks.page.reload()
          await expectAccessible(checks.page, `opt-out done, ${locale}`)
        } finally {
          await browser.close()
          await checks.close()
        }
      }
      const gone = await openBrowser({ locale: 'fr', viewport: { width: 360, height: 740 } })
      try {
        await gone.page.goto(`${server.url}/mail/stop/1.AAAAAAAAAAAAAAAAAAAAAA`)
        await expectAccessible(gone.page, 'opt-out link no longer valid')
      } finally {
        await gone.close()
      }
    },
  )

  it(
    'the network page and an indicator across cities, in every locale, axe-clean at 360 px',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      await setNetworkOptIn(t.services.db, trends.organizationId, true)
      for (const locale of LOCALES) {
        const browser = await openBrowser({ locale, viewport: { width: 360, height: 740 } })
        try {
          for (const path of ['/network', '/network/aware_yes']) {
            await browser.page.goto(`${server.url}${path}?lang=${locale}`)
            expect(await browser.page.getAttribute('html', 'lang')).toBe(locale)
            expect(await pageWidth(browser.page), `${locale} ${path}`).toBeLessThanOrEqual(360)
            await expectAccessible(browser.page, `${path}, ${locale}`)
          }
        } finally {
          await browser.close()
        }
      }
    },
  )
})
