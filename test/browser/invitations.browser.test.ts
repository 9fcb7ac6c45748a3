import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

let t: TestApp
let survey: BuiltSurvey
let server: Awaited<ReturnType<typeof serve>>

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { year: 2026 })
  server = await serve(t.app)
})
afterAll(async () => {
  await server?.close()
  await t.close()
})

describe.skipIf(!browserAvailable)('invitations in a real browser', () => {
  it(
    'a designer prints letters; a citizen answers with the letter’s code; every page passes axe',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      const account = await createStaff(t.services, survey.organizationId, 'designer')
      const staff = await openBrowser({ locale: 'es-ES' })
      let code: string
      try {
        const { page } = staff
        await signInInBrowser(page, server.url, account)
        await page.goto(`${server.url}/staff/series/perception/waves/2026`)
        await page.getByRole('link', { name: 'Invitaciones y acceso' }).click()
        await expectAccessible(page, 'invitations')
        await page.getByLabel('Ambos: el enlace abierto y los códigos de invitación').check()
        await page.getByRole('button', { name: 'Guardar el acceso' }).click()
        await page.getByText('Se guardó quién puede responder.').waitFor()
        await page.getByRole('button', { name: 'Crear los códigos' }).click()
        await page.locator('.error-summary').waitFor()
        await expectAccessible(page, 'invitations with an error')
        await page.getByLabel('Número de códigos').fill('2')
        await page.getByLabel('Estrato (opcional)').fill('north')
        await page.getByLabel('Idioma de las cartas').selectOption('pt')
        await page.getByRole('button', { name: 'Crear los códigos' }).click()
        await page.locator('article.letter').first().waitFor()
        // The page in the staff member's language, each letter in Portuguese (the organization's: Brazil's).
        expect(await page.getAttribute('html', 'lang')).toBe('es')
        expect(await page.locator('article.letter').first().getAttribute('lang')).toBe('pt-BR')
        await expectAccessible(page, 'letters')
        code = (await page.locator('.letter-code-text').first().textContent())!.trim()
      } finally {
        await staff.close()
      }

      const citizen = await openBrowser({ locale: 'fr-FR', javaScriptEnabled: false })
      try {
        const { page } = citizen
        await page.goto(`${server.url}${survey.url}`)
        await page.getByLabel('Code d’invitation').fill('ABCD-EFGH-JKMN')
        await page.getByRole('button', { name: 'Commencer avec mon code' }).click()
        await page.locator('.error-summary').waitFor()
        await page.goto(`${server.url}${survey.url}/i/${code}`)
        expect(await page.inputValue('#code')).toBe(code)
        await page.getByRole('button', { name: 'Commencer avec mon code' }).click()
        await page.waitForURL(/\/p\/1$/)
        for (let i = 0; i < 6 && !page.url().endsWith('/thanks'); i++) {
          for (const group of await page.locator('fieldset').all()) {
            const first = group.locator('input[type=radio], input[type=checkbox]').first()
            if (await first.count()) await first.check()
          }
          await page.getByRole('button', { name: /Continuer|Envoyer mes réponses/ }).click()
          await page.waitForLoadState()
        }
        expect(page.url()).toMatch(/\/thanks$/)
      } finally {
        await citizen.close()
      }

      const checker = await openBrowser({ locale: 'fr-FR' })
      try {
        const { page } = checker
        await page.goto(`${server.url}${survey.url}`)
        await expectAccessible(page, 'landing with the code form')
        await page.getByLabel('Code d’invitation').fill('nope')
        await page.getByRole('button', { name: 'Commencer avec mon code' }).click()
        await page.locator('.error-summary').waitFor()
        await expectAccessible(page, 'landing with a code error')
        await page.getByLabel('Code d’invitation').fill(code.toLowerCase())
        await page.getByRole('button', { name: 'Commencer avec mon code' }).click()
        await page.getByText('Ce code a déjà été utilisé').waitFor()
        await expectAccessible(page, 'used code')
      } finally {
        await checker.close()
      }
      const { rows } = await sql<{ access: string; stratum: string }>`
        select access, stratum from response where wave_id = ${survey.waveId}`.execute(t.services.db)
      expect(rows).toEqual([{ access: 'invitation', stratum: 'north' }])
    },
  )
})
