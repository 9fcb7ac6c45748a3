import { describe, expect, it } from 'vitest'
import { likertGridQuestions } from '../fixtures/likert-grid.ts'
import {
  BROWSER_TEST_TIMEOUT,
  browserAvailable,
  expectAccessible,
  openBrowser,
  servedSurvey,
} from '../helpers/browser.ts'

// What the page functions below read in the browser (the test code itself has no DOM types).
type BrowserGlobals = { document: { documentElement: { scrollWidth: number } } }
type BrowserStyle = { getComputedStyle: (element: unknown) => { paddingBottom: string } }

const { surveyUrl } = servedSurvey(likertGridQuestions)

describe.skipIf(!browserAvailable)('a Likert grid in a real browser', () => {
  it(
    'is a table on a wide screen and a list on a 360 px phone, passes axe in both, and is answered by keyboard',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      const browser = await openBrowser({ locale: 'fr-FR' })
      try {
        const { page } = browser
        await page.setViewportSize({ width: 1280, height: 800 })
        await page.goto(surveyUrl())
        await page.getByRole('button', { name: 'Commencer' }).click()
        const heading = page.getByRole('columnheader', { name: 'Tout à fait d’accord' })
        await expect.poll(() => heading.isVisible()).toBe(true)
        // Each choice is named by its statement and its column.
        const choice = page.getByRole('radio', { name: 'La coopération est utile Plutôt d’accord' })
        expect(await choice.count()).toBe(1)
        await expectAccessible(page, 'a Likert grid at 1280 px')

        await page.setViewportSize({ width: 360, height: 740 })
        await expect.poll(() => heading.isVisible()).toBe(false)
        // On a phone each choice shows its own label, and nothing scrolls sideways.
        await expect
          .poll(() => page.locator('label.likert-choice', { hasText: 'Plutôt d’accord' }).first().isVisible())
          .toBe(true)
        const width = await page.evaluate(
          () => (globalThis as unknown as BrowserGlobals).document.documentElement.scrollWidth,
        )
        expect(width).toBeLessThanOrEqual(360)
        // The page keeps its padding: the last button does not touch the footer.
        const padding = await page
          .locator('main')
          .evaluate((main) => (globalThis as unknown as BrowserStyle).getComputedStyle(main).paddingBottom)
        expect(parseFloat(padding)).toBeGreaterThan(16)
        await page.getByRole('button', { name: /Continuer|Envoyer/ }).click()
        await expect.poll(() => page.locator('.error-summary').count()).toBe(1)
        await expectAccessible(page, 'a Likert grid with errors at 360 px')

        await choice.focus()
        await page.keyboard.press('Space')
        await page.getByRole('radio', { name: 'Je suis bien informé Ne sait pas' }).check()
        await page.getByRole('radio', { name: 'Nord' }).check()
        await page.getByRole('button', { name: /Continuer|Envoyer/ }).click()
        await page.waitForURL(/\/thanks$/)
      } finally {
        await browser.close()
      }
    },
  )
})
