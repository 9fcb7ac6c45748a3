import { describe, expect, it } from 'vitest'
import { samePageQuestions } from '../fixtures/same-page-conditions.ts'
import {
  BROWSER_TEST_TIMEOUT,
  browserAvailable,
  expectAccessible,
  openBrowser,
  servedSurvey,
} from '../helpers/browser.ts'

// A page whose questions depend on answers given on it: with JavaScript they show and hide at once
// (public/conditions.js), and the page goes whole; without it the server sends the page in parts.

const { surveyUrl } = servedSurvey(samePageQuestions)

describe.skipIf(!browserAvailable)('conditions on the same page, in a real browser', () => {
  it(
    'with JavaScript: questions appear and go as answers change, a refused page keeps working, axe passes at 360 px',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      const browser = await openBrowser({ locale: 'es-ES' })
      try {
        const { page } = browser
        await page.setViewportSize({ width: 360, height: 740 })
        await page.goto(surveyUrl())
        await page.getByRole('button', { name: 'Empezar' }).click()
        const trips = page.getByLabel('¿Cuántas veces?')
        const whyNot = page.getByLabel('¿Por qué no?')
        const satisfied = page.getByRole('group', { name: '¿Quedó satisfecho?' })
        const visited = page.getByRole('group', { name: '¿Visitó un proyecto?' })
        await expect.poll(() => trips.isVisible()).toBe(false)
        // Not answered yet: not(selected(visited, 'yes')) holds.
        await expect.poll(() => whyNot.isVisible()).toBe(true)

        await visited.getByLabel('Sí').check()
        await expect.poll(() => trips.isVisible()).toBe(true)
        await expect.poll(() => whyNot.isVisible()).toBe(false)
        await expect.poll(() => satisfied.isVisible()).toBe(false)
        await trips.fill('3')
        await expect.poll(() => satisfied.isVisible()).toBe(true)
        await trips.fill('1')
        await expect.poll(() => satisfied.isVisible()).toBe(false)
        await trips.fill('4')
        await expectAccessible(page, 'a page showing its dependent questions')

        // satisfied is required: the whole page comes back with its error, and still follows the answers.
        await page.getByRole('button', { name: 'Continuar' }).click()
        await expect.poll(() => page.locator('.error-summary').count()).toBe(1)
        await expect.poll(() => satisfied.isVisible()).toBe(true)
        await expect.poll(() => whyNot.isVisible()).toBe(false)
        await expectAccessible(page, 'a refused page sent whole')
        await visited.getByLabel('No').check()
        await expect.poll(() => whyNot.isVisible()).toBe(true)
        await expect.poll(() => satisfied.isVisible()).toBe(false)
        await expect.poll(() => trips.isVisible()).toBe(false)
        await whyNot.fill('Lejos')
        await page.getByRole('button', { name: 'Continuar' }).click()
        await page.waitForURL(/\/p\/2$/)
      } finally {
        await browser.close()
      }
    },
  )

  it(
    'without JavaScript: the page comes in parts, each showing only what applies',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      const browser = await openBrowser({ locale: 'es-ES', javaScriptEnabled: false })
      try {
        const { page } = browser
        await page.goto(surveyUrl())
        await page.getByRole('button', { name: 'Empezar' }).click()
        await page.getByRole('group', { name: '¿Visitó un proyecto?' }).getByLabel('Sí').check()
        expect(await page.getByLabel('¿Cuántas veces?').count()).toBe(0)
        await page.getByRole('button', { name: 'Continuar' }).click()
        await page.waitForURL(/\/p\/1\.2$/)
        expect(await page.getByLabel('¿Por qué no?').count()).toBe(0)
        await page.getByLabel('¿Cuántas veces?').fill('3')
        await page.getByRole('button', { name: 'Continuar' }).click()
        await page.waitForURL(/\/p\/1\.3$/)
        // (axe needs JavaScript: the parts are the same markup the first test checks with it.)
        expect(await page.getByLabel('¿Cuántas veces?').count()).toBe(0)
        await page.getByRole('group', { name: '¿Quedó satisfecho?' }).getByLabel('No').check()
        await page.getByRole('button', { name: 'Continuar' }).click()
        await page.waitForURL(/\/p\/2$/)
      } finally {
        await browser.close()
      }
    },
  )
})
