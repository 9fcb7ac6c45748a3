import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDemo } from '../../src/demo/demo-data.ts'
import {
  BROWSER_TEST_TIMEOUT,
  browserAvailable,
  expectAccessible,
  openBrowser,
  serve,
} from '../helpers/browser.ts'
import { createStaff } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// The demo's published 2025 brief (#20.2) as a council member gets it: on a 360 px phone in every
// language (axe, no sideways scroll), and printed: two A4 pages, no navigation, charts in black and
// white with a hatched band.
let t: TestApp
let server: Awaited<ReturnType<typeof serve>>
const address = '/s/ciudad-ejemplo/percepcion/brief/2025'

beforeAll(async () => {
  t = await createTestApp()
  await loadDemo(t.services.db)
  server = await serve(t.app)
}, 120_000)
afterAll(async () => {
  await server?.close()
  await t?.close()
})

type Globals = {
  document: {
    documentElement: { scrollWidth: number }
    querySelector: (s: string) => unknown
  }
  getComputedStyle: (e: unknown) => { display: string; fill: string; stroke: string }
}

/** How many pages a PDF has: its page tree's count (Chromium writes it plainly). */
const pdfPages = (pdf: Buffer) => {
  const counts = [...pdf.toString('latin1').matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)/g)].map((m) =>
    Number(m[1]),
  )
  const alt = [...pdf.toString('latin1').matchAll(/\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/g)].map((m) =>
    Number(m[1]),
  )
  return Math.max(...counts, ...alt)
}

describe.skipIf(!browserAvailable)('the yearly brief', () => {
  it(
    'reads on a 360 px phone in every language and prints on two A4 pages in black and white',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      for (const locale of ['es-ES', 'fr-FR', 'pt-BR', 'pt-PT']) {
        const browser = await openBrowser({ locale, viewport: { width: 360, height: 740 } })
        try {
          const { page } = browser
          const response = await page.goto(`${server.url}${address}`)
          expect(response?.status()).toBe(200)
          const width = await page.evaluate(
            () => (globalThis as unknown as Globals).document.documentElement.scrollWidth,
          )
          expect(width, locale).toBeLessThanOrEqual(360)
          await expectAccessible(page, `brief at 360 px, ${locale}`)

          await page.emulateMedia({ media: 'print' })
          const printed = await page.evaluate(() => {
            const g = globalThis as unknown as Globals
            const style = (selector: string) => g.getComputedStyle(g.document.querySelector(selector))
            return {
              header: style('.site-header').display,
              footer: style('.site-footer').display,
              band: style('.brief .chart-band').fill,
              line: style('.brief .chart-line').stroke,
            }
          })
          expect(printed.header).toBe('none')
          expect(printed.footer).toBe('none')
          expect(printed.band).toContain('url(')
          expect(printed.band).toContain('brief-hatch')
          expect(printed.line).toBe('rgb(0, 0, 0)')
          const pdf = await page.pdf({ format: 'A4', printBackground: false, preferCSSPageSize: true })
          expect(pdfPages(pdf), `${locale}: pages printed`).toBeGreaterThanOrEqual(1)
          expect(pdfPages(pdf), `${locale}: pages printed`).toBeLessThanOrEqual(2)
        } finally {
          await browser.close()
        }
      }
    },
  )

  it(
    'staff pages: the list, the editor (and its refusal) and the preview pass axe in es and pt',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      const admin = await createStaff(t.services, 1, 'admin')
      // The templates are the same in every locale: Spanish, and Portuguese for its longer words.
      for (const locale of ['es', 'pt-BR']) {
        const browser = await openBrowser({ locale })
        try {
          const { page } = browser
          const go = (path: string) => page.goto(`${server.url}${path}?lang=${locale}`)
          await go('/staff/sign-in')
          await page.locator('#f-email').fill(admin.email)
          await page.locator('#f-password').fill(admin.password)
          await page.locator('main form button[type=submit]').click()
          await page.waitForURL(/\/staff$/)
          const briefs = '/staff/results/percepcion/briefs'
          await go(briefs)
          await expectAccessible(page, `briefs, ${locale}`)
          await go(`${briefs}/2025`)
          await expectAccessible(page, `the 2025 brief's editor, ${locale}`)
          // Four stories ticked: refused with the summary, nothing saved.
          const boxes = page.locator('input[name=stories]')
          for (let i = 0; i < 4; i++) await boxes.nth(i).check()
          await page.locator('form[action$="/2025"] button[type=submit]').click()
          await page.locator('.error-summary').waitFor()
          await expectAccessible(page, `the editor, refused, ${locale}`)
          await go(`${briefs}/2025/preview`)
          await expectAccessible(page, `the preview, ${locale}`)
        } finally {
          await browser.close()
        }
      }
    },
  )
})
