import { sql } from 'kysely'
import { generate } from 'otplib'
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

describe.skipIf(!browserAvailable)('staff in a real browser', () => {
  it(
    'a designer copies 2026 into 2027, rewords a question in three languages, confirms the break and opens it; every page passes axe',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      const account = await createStaff(t.services, survey.organizationId, 'designer')
      const browser = await openBrowser({ locale: 'es-ES' })
      try {
        const { page } = browser
        await page.goto(`${server.url}/staff`)
        expect(page.url()).toContain('/staff/sign-in')
        await page.getByLabel('Correo electrónico').fill(account.email)
        await page.getByLabel('Contraseña').fill('wrong password here')
        await page.getByRole('button', { name: 'Entrar' }).click()
        await page.locator('.error-summary').waitFor()
        await expectAccessible(page, 'sign-in with an error')
        await page.getByLabel('Contraseña').fill(account.password)
        await page.getByRole('button', { name: 'Entrar' }).click()
        await page.waitForURL(/\/staff$/)
        await expectAccessible(page, 'staff home')

        await page.getByRole('link', { name: 'Percepción' }).click()
        await expectAccessible(page, 'series')
        await page.getByLabel('Año').fill('2027')
        await page.getByRole('button', { name: 'Crear la edición' }).click()
        await page.waitForURL(/\/waves\/2027$/)
        await expectAccessible(page, 'wave 2027')

        await page.getByRole('link', { name: 'aware', exact: true }).click()
        await expectAccessible(page, 'question editor')
        await page.locator('#f-text_es').fill('¿Conoce la acción internacional de la ciudad?')
        await page.locator('#f-text_fr').fill('Connaissez-vous l’action internationale de la ville ?')
        await page.locator('#f-text_pt').fill('Conhece a ação internacional da cidade?')
        await page.getByRole('button', { name: 'Guardar la pregunta' }).click()
        await page.getByRole('button', { name: 'Confirmar la ruptura de serie' }).waitFor()
        await expectAccessible(page, 'question editor with a break to confirm')
        await page.getByRole('button', { name: 'Confirmar la ruptura de serie' }).click()
        await page.getByText('Ruptura de serie confirmada').waitFor()

        await page.goto(`${server.url}/staff/series/perception/waves/2027/preview?preview=pt`)
        await expectAccessible(page, 'preview')
        expect(await page.textContent('main')).toContain('Conhece a ação internacional da cidade?')

        await page.goto(`${server.url}/staff/series/perception/waves/2026`)
        // Closing says what follows (results published, no more answers) before it is done.
        await page.getByRole('link', { name: 'Cerrar la edición…' }).click()
        await page.getByText('Los resultados de esta edición se publican').waitFor()
        await expectAccessible(page, 'close the wave?')
        await page.getByRole('button', { name: 'Sí, cerrar la edición' }).click()
        await page.getByText('La edición está cerrada.').waitFor()
        await page.goto(`${server.url}/staff/series/perception/waves/2027`)
        await page.getByRole('link', { name: 'Abrir la edición a las respuestas…' }).click()
        await page.getByText('El cuestionario queda congelado').waitFor()
        await expectAccessible(page, 'open the wave?')
        await page.getByRole('button', { name: 'Sí, abrir la edición' }).click()
        await page.getByText('La edición está abierta').waitFor()
        await expectAccessible(page, 'open wave')
        const { rows } = await sql<{ year: number; status: string; break_in_series: boolean }>`
        select w.year, w.status, q.break_in_series from wave w join question q on q.wave_id = w.id
        where w.series_id = ${survey.seriesId} and q.code = 'aware' order by w.year`.execute(t.services.db)
        expect(rows).toEqual([
          { year: 2026, status: 'closed', break_in_series: false },
          { year: 2027, status: 'open', break_in_series: true },
        ])
        await page.goto(`${server.url}/staff/password`)
        await expectAccessible(page, 'password')
      } finally {
        await browser.close()
      }
    },
  )

  it('the admin’s pages pass axe in French', { timeout: BROWSER_TEST_TIMEOUT }, async () => {
    const admin = await createStaff(t.services, survey.organizationId, 'admin', true)
    const browser = await openBrowser({ locale: 'fr-FR' })
    try {
      const { page } = browser
      await signInInBrowser(page, server.url, admin, 'fr')
      for (const path of ['/staff/users', '/staff/audit', '/staff/organizations', '/staff/series/new']) {
        await page.goto(`${server.url}${path}`)
        await expectAccessible(page, path)
      }
      await page.goto(`${server.url}/staff/users`)
      await page.getByRole('button', { name: 'Créer l’utilisateur' }).click()
      await page.locator('.error-summary').waitFor()
      await expectAccessible(page, 'users with errors')
      // Inviting someone without a mail server: the link to hand over, then their own password.
      await page.getByLabel('Adresse électronique').fill('nouveau@ville.example')
      await page.getByRole('button', { name: 'Créer l’utilisateur' }).click()
      const link = await page.locator('#link').inputValue()
      await expectAccessible(page, 'a link to hand over')
      await page.goto(`${server.url}/staff/series/perception/waves/2026/invitations/email`)
      await expectAccessible(page, 'invitations by email')
      const newcomer = await openBrowser({ locale: 'fr-FR' })
      try {
        await newcomer.page.goto(link)
        await expectAccessible(newcomer.page, 'set one’s password')
        await newcomer.page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click()
        await newcomer.page.locator('.error-summary').waitFor()
        await expectAccessible(newcomer.page, 'set one’s password, with errors')
        await newcomer.page.goto(`${server.url}/staff/set-password/${'x'.repeat(43)}`)
        await expectAccessible(newcomer.page, 'a link no longer valid')
        await newcomer.page.goto(`${server.url}/staff/forgot`)
        await expectAccessible(newcomer.page, 'forgotten password')
      } finally {
        await newcomer.close()
      }
      // Two-factor sign-in: enrolment with its QR code, a wrong code, the recovery codes, the code step.
      await page.goto(`${server.url}/staff/two-factor`)
      await expectAccessible(page, 'two-factor, off')
      await page.getByRole('button', { name: 'Activer la validation en deux étapes' }).click()
      await page.locator('.qr svg').waitFor()
      await expectAccessible(page, 'two-factor, QR code to scan')
      await page.getByRole('button', { name: 'Confirmer et activer' }).click()
      await page.locator('.error-summary').waitFor()
      await expectAccessible(page, 'two-factor, wrong code')
      const secret = (await page.locator('figcaption code').textContent())!.replace(/\s/g, '')
      await page.getByLabel('Code à 6 chiffres').fill(await generate({ secret }))
      await page.getByRole('button', { name: 'Confirmer et activer' }).click()
      await page.locator('.recovery-codes').waitFor()
      await expectAccessible(page, 'two-factor, recovery codes')
      const second = await openBrowser({ locale: 'fr-FR' })
      try {
        await signInInBrowser(second.page, server.url, admin, 'fr', { expectCode: true })
        await expectAccessible(second.page, 'sign-in, the code step')
      } finally {
        await second.close()
      }
      await page.goto(`${server.url}/staff/tokens`)
      await page.getByLabel('Nom').fill('R sur mon portable')
      await page.getByRole('button', { name: 'Créer le jeton' }).click()
      await page.getByText('Votre nouveau jeton').waitFor()
      await expectAccessible(page, 'a new API token')
      await page.getByLabel('Validité (jours)').fill('0')
      await page.getByRole('button', { name: 'Créer le jeton' }).click()
      await page.locator('.error-summary').waitFor()
      await expectAccessible(page, 'tokens with an error')
    } finally {
      await browser.close()
    }
  })
})
