import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import {
  BROWSER_TEST_TIMEOUT,
  browserAvailable,
  expectAccessible,
  openBrowser,
  serve,
} from '../helpers/browser.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// What the page functions below read in the browser (the test code itself has no DOM types).
type BrowserGlobals = { document: { activeElement: { name?: string } | null } }

let t: TestApp
let survey: BuiltSurvey
let closed: BuiltSurvey
let server: Awaited<ReturnType<typeof serve>>

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { closesAt: new Date('2099-01-31T00:00:00Z') })
  closed = await buildSurvey(t.services.db, { status: 'closed', year: 2024 })
  server = await serve(t.app)
})
afterAll(async () => {
  await server?.close()
  await t.close()
})

const responses = async () =>
  (await sql<{ n: number }>`select count(*)::int as n from response`.execute(t.services.db)).rows[0]!.n

describe.skipIf(!browserAvailable)('a citizen in a real browser', () => {
  const words = {
    es: { locale: 'es-ES', start: 'Empezar', next: 'Continuar', send: 'Enviar respuestas' },
    fr: { locale: 'fr-FR', start: 'Commencer', next: 'Continuer', send: 'Envoyer mes réponses' },
    pt: { locale: 'pt-PT', start: 'Começar', next: 'Continuar', send: 'Enviar respostas' },
  } as const
  // axe runs inside the page, so accessibility is checked on the JavaScript-on runs (the HTML is the same).
  const runs = (['es', 'fr', 'pt'] as const).flatMap((language) => [
    { language, ...words[language], javaScriptEnabled: true, keyboard: language !== 'es' },
    { language, ...words[language], javaScriptEnabled: false, keyboard: false },
  ])

  for (const run of runs) {
    it(
      `completes the survey in ${run.language} (JavaScript ${run.javaScriptEnabled ? 'on' : 'off'}${run.keyboard ? ', keyboard only' : ''})${run.javaScriptEnabled ? ', every page passing axe' : ''}`,
      { timeout: BROWSER_TEST_TIMEOUT },
      async () => {
        const before = await responses()
        const check = run.javaScriptEnabled ? expectAccessible : async () => {}
        const browser = await openBrowser({ locale: run.locale, javaScriptEnabled: run.javaScriptEnabled })
        try {
          const { page } = browser
          await page.goto(`${server.url}/`)
          expect(await page.getAttribute('html', 'lang')).toBe(
            run.language === 'pt' ? run.locale : run.language,
          )
          await check(page, 'home')
          await page.goto(`${server.url}${survey.url}`)
          await check(page, 'landing')

          const isFocused = (locator: ReturnType<typeof page.locator>) =>
            locator.evaluate((el) => el === (globalThis as unknown as BrowserGlobals).document.activeElement)
          // Keyboard only: Tab until the control has focus (arrow keys move within a radio group, as browsers do).
          const tabTo = async (locator: ReturnType<typeof page.locator>) => {
            const isRadio = (await locator.getAttribute('type')) === 'radio'
            const name = await locator.getAttribute('name')
            for (let i = 0; i < 80; i++) {
              await page.keyboard.press('Tab')
              if (await isFocused(locator)) return
              if (
                isRadio &&
                (await page.evaluate(
                  (n) => (globalThis as unknown as BrowserGlobals).document.activeElement?.name === n,
                  name,
                ))
              ) {
                for (let j = 0; j < 12 && !(await isFocused(locator)); j++)
                  await page.keyboard.press('ArrowDown')
                if (await isFocused(locator)) return
              }
            }
            throw new Error('the control cannot be reached with the keyboard')
          }
          const press = async (name: string) => {
            if (!run.keyboard) return page.getByRole('button', { name }).click()
            await tabTo(page.getByRole('button', { name }))
            await page.keyboard.press('Enter')
          }
          const choose = async (label: string) => {
            const control = page.getByLabel(label, { exact: true })
            if (!run.keyboard) return control.check()
            await tabTo(control)
            await page.keyboard.press('Space')
            expect(await control.isChecked()).toBe(true)
          }

          await press(run.start)
          await page.waitForURL(/\/p\/1$/)
          await check(page, 'page 1')
          // Sending page 1 empty shows the error summary, which must be accessible too.
          await press(run.next)
          await page.locator('.error-summary').waitFor()
          await check(page, 'page 1 with errors')
          await choose({ es: 'Nivel 4', fr: 'Niveau 4', pt: 'Nível 4' }[run.language])
          await choose({ es: 'Sí', fr: 'Oui', pt: 'Sim' }[run.language])
          await press(run.next)
          await page.waitForURL(/\/p\/2$/)
          await check(page, 'page 2')
          await choose({ es: 'Redes', fr: 'Réseaux', pt: 'Redes' }[run.language])
          await press(run.next)
          await page.waitForURL(/\/p\/3$/)
          await check(page, 'page 3')
          await choose('8')
          const years = page.getByLabel(
            { es: '¿Cuántos años lleva aquí?', fr: 'Depuis combien d’années ?', pt: 'Há quantos anos?' }[
              run.language
            ],
          )
          if (run.keyboard) {
            await tabTo(years)
            await page.keyboard.type('3')
          } else {
            await years.fill('3')
          }
          await choose({ es: 'Norte', fr: 'Nord', pt: 'Norte' }[run.language])
          await press(run.next)
          await page.waitForURL(/\/p\/4$/)
          await check(page, 'page 4')
          const comment = page.getByLabel(
            { es: 'Comentario', fr: 'Commentaire', pt: 'Comentário' }[run.language],
          )
          if (run.keyboard) {
            await tabTo(comment)
            await page.keyboard.type('¡Bien! Ça va. Está ótimo.')
          } else {
            await comment.fill('¡Bien! Ça va. Está ótimo.')
          }
          await press(run.send)
          await page.waitForURL(/\/thanks$/)
          await check(page, 'thanks')
          expect(await responses()).toBe(before + 1)

          await page.goto(`${server.url}${closed.url}`)
          await check(page, 'closed wave')
          const missing = await page.goto(`${server.url}/nothing-here`)
          expect(missing?.status()).toBe(404)
          await check(page, '404')
        } finally {
          await browser.close()
        }
      },
    )
  }
})
