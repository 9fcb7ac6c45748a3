import type { Server } from 'node:http'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFeedbackProject, type BuiltProject } from '../fixtures/feedback-builder.ts'
import {
  BROWSER_TEST_TIMEOUT,
  browserAvailable,
  expectAccessible,
  openBrowser,
  signInInBrowser,
} from '../helpers/browser.ts'
import { createStaff } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let project: BuiltProject
let server: Server
let port = 0
let base = ''

// The server is stopped and started again on the same port: the facilitator's phone loses the network.
const listen = () =>
  new Promise<void>((resolve) => {
    server = t.app.listen(port, '127.0.0.1', () => {
      port = (server.address() as import('node:net').AddressInfo).port
      base = `http://127.0.0.1:${port}`
      resolve()
    })
  })
const stop = () =>
  new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })

beforeAll(async () => {
  t = await createTestApp()
  project = await buildFeedbackProject(t.services.db, { languages: ['pt'] })
  await listen()
})
afterAll(async () => {
  await stop()
  await t.close()
})

const feedbackCount = async (channel: string) =>
  (
    await sql<{ n: number }>`select count(*)::int as n from feedback where channel = ${channel}`.execute(
      t.services.db,
    )
  ).rows[0]!.n

describe.skipIf(!browserAvailable)('beneficiary feedback in a real browser', () => {
  it(
    'a beneficiary on a small phone answers in Portuguese; the pages load no script, pass axe and weigh under 15 KB',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      // axe runs inside the page, so JavaScript is on here; the page itself loads none (checked below).
      const phone = await openBrowser({ locale: 'pt-BR' })
      try {
        const { page } = phone
        page.setDefaultTimeout(15_000)
        await page.setViewportSize({ width: 320, height: 640 })
        let bytes = 0
        const types = new Set<string>()
        page.on('response', async (response) => {
          types.add(response.request().resourceType())
          bytes += (await response.body().catch(() => Buffer.alloc(0))).length
        })
        await page.goto(`${base}/f/${project.code}`, { waitUntil: 'load' })
        await page.waitForTimeout(200)
        expect(bytes).toBeLessThan(15 * 1024)
        expect([...types].sort()).toEqual(['document', 'stylesheet'])
        expect(await page.getAttribute('html', 'lang')).toBe('pt-BR')
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320)
        await expectAccessible(page, 'feedback form')
        // The contact field appears only once contact is allowed.
        expect(await page.getByLabel('Seu telefone ou e-mail').isVisible()).toBe(false)
        await page.getByRole('button', { name: 'Enviar minha opinião' }).click()
        await page.locator('.error-summary').waitFor()
        await expectAccessible(page, 'feedback form with errors')
        await page.getByLabel('Bastante').check()
        await page.getByLabel('Sim', { exact: true }).check()
        await page.getByLabel('As colheitas').check()
        await page.getByLabel('Nas suas palavras').fill('Agora temos água o ano todo.')
        await page.getByLabel('Sim, podem publicar').check()
        await page.getByLabel('Sim, podem entrar em contato comigo').check()
        expect(await page.getByLabel('Seu telefone ou e-mail').isVisible()).toBe(true)
        await page.getByLabel('Não', { exact: true }).last().check()
        await page.getByRole('button', { name: 'Enviar minha opinião' }).click()
        await page.getByRole('heading', { name: 'Obrigado pela sua opinião' }).waitFor()
        await expectAccessible(page, 'thanks')
        await page.getByRole('link', { name: 'Ler o que outras pessoas contaram' }).click()
        await page.getByRole('heading', { name: 'O que as pessoas contam' }).waitFor()
        await expectAccessible(page, 'project page')
      } finally {
        await phone.close()
      }
      expect(await feedbackCount('web')).toBe(1)

      // The same with JavaScript off in the browser: the form needs none.
      const plain = await openBrowser({ locale: 'pt-BR', javaScriptEnabled: false })
      try {
        const { page } = plain
        page.setDefaultTimeout(15_000)
        await page.goto(`${base}/f/${project.code}`)
        await page.getByLabel('Muito').check()
        await page.getByLabel('Não', { exact: true }).first().check()
        await page.getByLabel('Não, não publiquem').check()
        await page.getByLabel('Não', { exact: true }).last().check()
        await page.getByRole('button', { name: 'Enviar minha opinião' }).click()
        await page.getByRole('heading', { name: 'Obrigado pela sua opinião' }).waitFor()
      } finally {
        await plain.close()
      }
      expect(await feedbackCount('web')).toBe(2)
    },
  )

  it(
    'a facilitator records three entries with no network; they wait on the phone, survive closing it, and are sent once',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      const account = await createStaff(t.services, project.organizationId, 'facilitator')
      // A project run in Spanish and French: both must open without a signal.
      const bilingual = await buildFeedbackProject(t.services.db, {
        languages: ['es', 'fr'],
        organizationId: project.organizationId,
        seriesId: project.seriesId,
      })
      const phone = await openBrowser({ locale: 'es-PE' })
      try {
        let page = phone.page
        page.setDefaultTimeout(15_000)
        await signInInBrowser(page, base, account)
        const assisted = `${base}/staff/projects/${bilingual.code}/assisted?lang=es`
        // Exactly one visit online: the page says when it is ready to work without a signal.
        await page.goto(assisted)
        await page.waitForSelector('html[data-offline-ready]')
        await page.getByText('Con conexión: las opiniones se envían al guardarlas.').waitFor()
        await page.getByText('Esta página ya funciona sin conexión en este teléfono.').waitFor()
        await expectAccessible(page, 'assisted entry')

        await stop()
        await phone.context.setOffline(true)
        await page.getByText('Sin conexión: las opiniones se guardan en este teléfono').waitFor()
        await page.reload()
        await page.getByRole('heading', { name: /Registrar opiniones/ }).waitFor()
        // The language switch works offline too, and back.
        await page.getByRole('link', { name: 'Français' }).click()
        await page.getByRole('heading', { name: /Saisie d’avis/ }).waitFor()
        await page.getByRole('link', { name: 'Español' }).click()
        await page.getByRole('heading', { name: /Registrar opiniones/ }).waitFor()
        // Closed and opened again, still offline.
        await page.close()
        page = await phone.context.newPage()
        page.setDefaultTimeout(15_000)
        await page.goto(assisted)
        await page.getByRole('heading', { name: /Registrar opiniones/ }).waitFor()
        for (const story of ['El agua llegó.', 'Regamos más.', 'Cosechamos el doble.']) {
          await page.getByLabel('Mucho').check()
          await page.getByLabel('Sí', { exact: true }).check()
          await page.getByLabel('Con sus palabras').fill(story)
          await page.getByLabel('Sí, pueden publicarlo').check()
          await page.getByLabel('No', { exact: true }).last().check()
          await page.getByRole('button', { name: 'Guardar esta opinión' }).click()
          await expect.poll(() => page.getByLabel('Con sus palabras').inputValue()).toBe('')
        }
        await page.getByText('3 opiniones esperan a ser enviadas.').waitFor()
        // A missing answer is caught on the phone, not queued, and named.
        await page.getByRole('button', { name: 'Guardar esta opinión' }).click()
        await page.getByText('Faltan respuestas obligatorias o el consentimiento.').waitFor()
        await page.getByText(/Falta: .*¿Cuánto cambió su vida este proyecto\?/).waitFor()

        // The browser is closed and opened again, still without a network.
        await page.close()
        page = await phone.context.newPage()
        await page.goto(assisted)
        await page.getByText('3 opiniones esperan a ser enviadas.').waitFor()
        expect(await feedbackCount('assisted')).toBe(0)

        await listen()
        await phone.context.setOffline(false)
        // What the browser does when the connection returns.
        await page.evaluate("window.dispatchEvent(new Event('online'))")
        await page.getByText('Todas las opiniones se enviaron.').waitFor()
        expect(await feedbackCount('assisted')).toBe(3)
        expect(await page.evaluate("localStorage.getItem('pulso-assisted-queue')")).toBe('[]')
        await page.evaluate("window.dispatchEvent(new Event('online'))")
        await page.waitForTimeout(300)
        expect(await feedbackCount('assisted')).toBe(3)
        const stored = await t.services.db
          .selectFrom('feedback')
          .select(['language', 'facilitator_id'])
          .where('channel', '=', 'assisted')
          .execute()
        expect(stored.every((r) => r.language === 'es' && r.facilitator_id !== null)).toBe(true)
      } finally {
        await phone.close()
      }
    },
  )

  it(
    'staff pages for projects, moderation and results pass axe',
    { timeout: BROWSER_TEST_TIMEOUT },
    async () => {
      const account = await createStaff(t.services, project.organizationId, 'designer')
      const browser = await openBrowser({ locale: 'fr-FR' })
      try {
        const { page } = browser
        page.setDefaultTimeout(15_000)
        await signInInBrowser(page, base, account, 'fr')
        for (const path of [
          '/staff/projects',
          '/staff/projects/new',
          `/staff/projects/${project.code}`,
          `/staff/projects/${project.code}/feedback`,
          `/staff/projects/${project.code}/results`,
        ]) {
          await page.goto(`${base}${path}`)
          await expectAccessible(page, path)
        }
        await page.goto(`${base}/staff/projects/new`)
        await page.getByRole('button', { name: 'Créer le projet' }).click()
        await page.locator('.error-summary').waitFor()
        await expectAccessible(page, 'project form with errors')
        await page.goto(`${base}/staff/projects/${project.code}/feedback`)
        await page
          .getByRole('link', { name: /Avis nº/ })
          .first()
          .click()
        await expectAccessible(page, 'feedback entry')
      } finally {
        await browser.close()
      }
    },
  )
})
