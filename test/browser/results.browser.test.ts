import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import {
  BROWSER_TEST_TIMEOUT,
  browserAvailable,
  expectAccessible,
  openBrowser,
  serve,
  signInInBrowser,
} from '../helpers/browser.ts'
import { createStaff } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
let server: Awaited<ReturnType<typeof serve>>

beforeAll(async () => {
  t = await createTestApp()
  fixture = await loadTrendFixture(t.services.db, { statuses: { 2025: 'open' } })
  server = await serve(t.app)
})
afterAll(async () => {
  await server?.close()
  await t.close()
})

describe.skipIf(!browserAvailable)('results in a real browser', () => {
  it(
    'the public results page passes axe on a wide screen, and an evaluator opens the trends',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      // At 360 px in es, fr and pt: phone.browser.test.ts; here on a wide screen (the same templates).
      for (const locale of ['fr-FR']) {
        const browser = await openBrowser({ locale })
        try {
          await browser.page.goto(`${server.url}${fixture.url}/results`)
          expect(await browser.page.locator('svg.chart').count()).toBeGreaterThan(3)
          await expectAccessible(browser.page, `public results ${locale}`)
        } finally {
          await browser.close()
        }
      }
      const evaluator = await createStaff(t.services, fixture.organizationId, 'evaluator')
      const browser = await openBrowser({ locale: 'es-ES' })
      try {
        const { page } = browser
        await signInInBrowser(page, server.url, evaluator)
        await page.getByRole('link', { name: 'Resultados' }).click()
        await page.waitForURL(/\/staff\/results\/perception$/)
        await page.getByLabel('Desglosar por').selectOption('language')
        await page.getByRole('button', { name: 'Mostrar' }).click()
        await page.waitForURL(/by=language/)
        expect(await page.textContent('main')).toContain('2025 (en curso)')
        await expectAccessible(page, 'evaluator dashboard')
        await page.getByRole('link', { name: 'Descargas (CSV, Excel, JSON)' }).click()
        await page.waitForURL(/\/downloads\?by=language$/)
        expect(await page.textContent('main')).toContain('Tendencias en Excel (XLSX)')
        await expectAccessible(page, 'downloads')
        await page.goto(`${server.url}/staff/results/perception/compare`)
        await expectAccessible(page, 'compare')
        await page.getByRole('button', { name: 'Añadir la ciudad' }).click()
        await page.locator('.error-summary').waitFor()
        await expectAccessible(page, 'compare with an error')
      } finally {
        await browser.close()
      }
    },
  )
})
