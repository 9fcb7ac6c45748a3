import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUESTION_TYPES } from '../../src/questionnaire/question-types/index.ts'
import { code, everyTypeQuestions } from '../fixtures/every-type.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
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

// What the page functions below read in the browser (the test code itself has no DOM types).
type BrowserGlobals = { document: { documentElement: { scrollWidth: number } } }

let t: TestApp
let survey: BuiltSurvey
let server: Awaited<ReturnType<typeof serve>>

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { year: 2026, questions: everyTypeQuestions })
  server = await serve(t.app)
})
afterAll(async () => {
  await server?.close()
  await t.close()
})

/** Answers the question as a person would: the first choice, or something fitting in each field. */
async function fill(page: Awaited<ReturnType<typeof openBrowser>>['page'], questionCode: string) {
  const inputs = page.locator(`[name^="a_${questionCode}"]`)
  for (let i = 0; i < (await inputs.count()); i++) {
    const input = inputs.nth(i)
    const [kind, name, mode, tag] = await Promise.all([
      input.getAttribute('type'),
      input.getAttribute('name'),
      input.getAttribute('inputmode'),
      input.evaluate((element) => (element as unknown as { tagName: string }).tagName),
    ])
    // A ranking's lists: position i takes the i-th option, so each option is chosen once.
    if (tag === 'SELECT') await input.selectOption({ index: i + 1 })
    else if (kind === 'radio' || kind === 'checkbox') {
      if (i === 0) await input.check()
    } else if (name?.endsWith('-year')) await input.fill('2024')
    else if (mode === 'numeric' || mode === 'decimal') await input.fill('5')
    else await input.fill('Agua')
  }
}

describe.skipIf(!browserAvailable)('every question type in a real browser', () => {
  it(
    'each type’s control, on a 360 px phone, passes axe and fits the screen, before and after an error',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      const browser = await openBrowser({ locale: 'es-ES' })
      try {
        const { page } = browser
        await page.setViewportSize({ width: 360, height: 740 })
        await page.goto(`${server.url}${survey.url}`)
        await page.getByRole('button', { name: 'Empezar' }).click()
        for (const type of QUESTION_TYPES) {
          await expect
            .poll(() => page.locator('h1, legend, label, p').allInnerTexts())
            .toContainEqual(expect.stringContaining(`Pregunta ${type} (es)`))
          const width = () =>
            page.evaluate(
              () => (globalThis as unknown as BrowserGlobals).document.documentElement.scrollWidth,
            )
          expect(await width(), type).toBeLessThanOrEqual(360)
          const hasInput = (await page.locator(`[name^="a_${code(type)}"]`).count()) > 0
          // axe once per type, on the fuller page: with the error when the type takes an answer.
          if (!hasInput) await expectAccessible(page, type)
          else {
            // Sent empty: the page comes back with the error, still accessible and within the screen.
            await page.getByRole('button', { name: /Continuar|Enviar/ }).click()
            await expect.poll(() => page.locator('.error-summary').count(), { message: type }).toBe(1)
            await expectAccessible(page, `${type} with an error`)
            expect(await width(), type).toBeLessThanOrEqual(360)
            if (process.env.SCREENSHOTS)
              await page.screenshot({ path: `${process.env.SCREENSHOTS}/${type}.png`, fullPage: true })
          }
          await fill(page, code(type))
          await page.getByRole('button', { name: /Continuar|Enviar/ }).click()
          await expect.poll(() => page.locator('.error-summary').count(), { message: type }).toBe(0)
        }
      } finally {
        await browser.close()
      }
    },
  )

  it(
    'the paper questionnaire passes axe and prints each questionnaire page on a sheet of its own, on A4 and Letter',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      const designer = await createStaff(t.services, survey.organizationId, 'designer')
      const browser = await openBrowser({ locale: 'es-ES' })
      try {
        const { page } = browser
        await signInInBrowser(page, server.url, designer)
        // Typing a paper questionnaire in starts from its number.
        await page.goto(`${server.url}/staff/series/perception/paper-entry`)
        await page.getByRole('button', { name: 'Empezar a pasar las respuestas' }).click()
        await expect.poll(() => page.locator('.error-summary').count()).toBe(1)
        await expectAccessible(page, 'typing a paper questionnaire in, with an error')
        for (const [size, format] of [
          ['a4', 'A4'],
          ['letter', 'Letter'],
        ] as const) {
          await page.goto(`${server.url}/staff/series/perception/waves/2026/paper?language=fr&size=${size}`)
          if (size === 'a4') await expectAccessible(page, 'the paper questionnaire')
          await page.emulateMedia({ media: 'print' })
          if (process.env.SCREENSHOTS)
            await page.screenshot({ path: `${process.env.SCREENSHOTS}/paper-${size}.png`, fullPage: true })
          // The page's own @page rule sets the sheet; preferCSSPageSize lets it.
          const pdf = await page.pdf({ preferCSSPageSize: true, format })
          const sheets = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []
          expect(sheets.length, size).toBeGreaterThanOrEqual(QUESTION_TYPES.length)
          expect(sheets.length, size).toBeLessThanOrEqual(QUESTION_TYPES.length + 2)
          await page.emulateMedia({ media: 'screen' })
        }
      } finally {
        await browser.close()
      }
    },
  )
})
