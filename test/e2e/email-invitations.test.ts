import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurvey, twoPageQuestions, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { digest } from '../helpers/digest.ts'
import { startMailServer, type MailServer, type ReceivedMail } from '../helpers/mail-server.ts'
import { until } from '../helpers/app-process.ts'
import { Respondent } from '../helpers/respondent.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, csrfToken, type TestApp } from '../helpers/test-app.ts'

// Invitations by email (#19.1), sent through a real SMTP server in this process, with a clock the test
// moves: reminders after N days, retries after a temporary refusal, addresses forgotten 30 days after
// the wave closes.
let clock = new Date('2026-03-02T09:00:00Z')
const later = (ms: number) => (clock = new Date(clock.getTime() + ms))
const DAY = 24 * 3600_000

let t: TestApp
let smtp: MailServer
let survey: BuiltSurvey
let designer: StaffBrowser
let page: string

beforeAll(async () => {
  smtp = await startMailServer()
  t = await createTestApp({
    now: () => clock,
    mail: { smtpUrl: smtp.url, from: 'Ciudad de Ejemplo <encuesta@ciudad.example>', ratePerMinute: 60_000 },
  })
  survey = await buildSurvey(t.services.db, { year: 2026, questions: twoPageQuestions })
  designer = await signedIn(t.app, t.services, survey.organizationId, 'designer')
  page = '/staff/series/perception/waves/2026/invitations/email'
  expect(
    (await designer.post(`${page.replace('/email', '')}/access`, { access_mode: 'invitation' })).status,
  ).toBe(303)
  // The wave's strata, as its list defines them (#19.2).
  expect(
    (await designer.post(`${page.replace('/email', '')}/letter`, { strata: 'Centro\nNorte' })).status,
  ).toBe(303)
})
afterAll(async () => {
  await t?.close()
  await smtp?.close()
})

const tables = ['mail_recipient', 'mail_message', 'invitation', 'invitation_batch', 'audit_log'] as const
const count = async (table: string, where = sql`true`) =>
  (
    await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${where}`.execute(
      t.services.db,
    )
  ).rows[0]!.n

/** Sends an address list as the page's form does (a file, the fallback language, the form's key). */
async function upload(csv: string, fields: { language?: string; requestKey?: string } = {}) {
  const form = await designer.get(page)
  expect(form.status).toBe(200)
  const requestKey = fields.requestKey ?? /name="request_key" value="([^"]+)"/.exec(form.text)![1]!
  const sent = await designer.agent
    .post(`${page}/list?_csrf=${encodeURIComponent(csrfToken(form.text))}`)
    .field('request_key', requestKey)
    .field('language', fields.language ?? 'es')
    .attach('list', Buffer.from(csv), { filename: 'list.csv', contentType: 'text/csv' })
  return Object.assign(sent, { requestKey })
}

const mailTo = (address: string) => smtp.received.filter((m) => m.to === address)
/** The single-use link a message carries. */
const linkIn = (mail: ReceivedMail) => /http:\/\/\S+\/i\/[0-9A-Z-]{14}\?lang=[a-zA-Z-]+/.exec(mail.text)![0]
const optOutIn = (mail: ReceivedMail) => /http:\/\/\S+\/mail\/stop\/\S+/.exec(mail.text)![0]
const pathOf = (url: string) => new URL(url).pathname + new URL(url).search

describe('staff send invitations by email', () => {
  it('refuses a list with bad rows, saying which, and keeps nothing of it', async () => {
    const before = await digest(t.services.db, [...tables])
    const res = await upload(
      [
        'email,stratum,language',
        'ana@example.org,Centro,es',
        'not-an-address,Centro,',
        'luis@example.org,<b>,es',
        'ANA@example.org,Norte,',
        'marie@example.org,Norte,de',
        'sofia@example.org,Sur,es',
        ...Array.from({ length: 6 }, (_, i) => `x${i}@,Norte,`),
      ].join('\n'),
    )
    expect(res.status).toBe(400)
    expect(res.text).toContain('error-summary')
    expect(res.text).toContain('No se añadió nada: corrija estas filas y vuelva a enviar el archivo')
    // Grouped, with the first rows named.
    expect(res.text).toContain('7 filas sin una dirección de correo válida (filas 3, 8, 9, 10, 11 y 2 más)')
    expect(res.text).toContain('1 dirección repetida en el archivo (filas 5)')
    expect(res.text).toContain('1 fila con un estrato no válido')
    expect(res.text).toContain('1 fila con un idioma desconocido (es, fr, pt, pt-BR o pt-PT) (filas 6)')
    expect(res.text).toContain('1 fila con un estrato que no está en la lista de esta edición (filas 7)')
    expect(await digest(t.services.db, [...tables])).toEqual(before)

    const noFile = await designer.agent
      .post(`${page}/list?_csrf=${encodeURIComponent(designer.token)}`)
      .field('request_key', 'k'.repeat(22))
      .field('language', 'es')
    expect(noFile.status).toBe(400)
    expect(noFile.text).toContain('Elija un archivo CSV con las direcciones')
  })

  it('lists people once per form and per address, each with a code of their stratum', async () => {
    const list = [
      'email;stratum;language',
      'ana@example.org;Centro;es',
      'marie@example.org;Centro;fr',
      'joao@example.org;Norte;pt',
      'rita@example.org;Norte;pt-PT',
      'bounce@example.org;norte;',
      'busy@example.org;;',
    ].join('\r\n')
    const first = await upload(list)
    expect(first.status).toBe(303)
    expect(first.headers.location).toBe(`${page}?notice=listed&added=6&already=0`)
    // The same form again (a refresh) adds nothing; a new list adds only the addresses not listed yet.
    expect((await upload(list, { requestKey: first.requestKey })).status).toBe(409)
    const second = await upload('ANA@example.org,Centro\nnuno@example.org,Norte,pt-BR\n', { language: 'fr' })
    expect(second.headers.location).toBe(`${page}?notice=listed&added=1&already=1`)
    const shown = await designer.get(second.headers.location!)
    expect(shown.text).toContain('Se añadió 1 persona a la lista (1 ya estaban).')
    expect(await count('mail_recipient')).toBe(7)
    expect(await count('invitation')).toBe(7)
    expect(await count('invitation_batch', sql`by_email`)).toBe(4)
    const { rows } = await sql<{ address: string; locale: string; stratum: string | null }>`
      select r.address, r.locale, i.stratum from mail_recipient r join invitation i on i.id = r.invitation_id
      order by r.id`.execute(t.services.db)
    expect(rows).toEqual([
      { address: 'ana@example.org', locale: 'es', stratum: 'Centro' },
      { address: 'marie@example.org', locale: 'fr', stratum: 'Centro' },
      // Portuguese without a region is the organization's (Brazil's by default).
      { address: 'joao@example.org', locale: 'pt-BR', stratum: 'Norte' },
      { address: 'rita@example.org', locale: 'pt-PT', stratum: 'Norte' },
      { address: 'bounce@example.org', locale: 'es', stratum: 'Norte' },
      { address: 'busy@example.org', locale: 'es', stratum: null },
      { address: 'nuno@example.org', locale: 'pt-BR', stratum: 'Norte' },
    ])
    expect(shown.text).toMatch(/Sin invitación enviada todavía<\/dt><dd>7</)
    expect(smtp.received).toHaveLength(0)
  })

  it('sends each person their link in their language; a refusal for good is a bounce, for now a retry', async () => {
    const form = await designer.get(page)
    expect(form.text).toContain('Enviar 7 invitaciones')
    const sent = await designer.post(`${page}/send`)
    expect(sent.status).toBe(303)
    expect(sent.headers.location).toBe(`${page}?notice=queued&count=7`)
    // Sent twice (a second click): nobody gets a second invitation.
    expect((await designer.post(`${page}/send`)).headers.location).toBe(`${page}?notice=queued&count=0`)

    await smtp.waitFor(5)
    const marie = mailTo('marie@example.org')[0]!
    expect(marie.from).toBe('encuesta@ciudad.example')
    expect(marie.subject).toMatch(/^City \d+ vous invite à répondre\u202f: Perception 2026$/)
    expect(marie.text).toContain('Bonjour,')
    expect(linkIn(marie)).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:\\d+${survey.url}/i/[0-9A-Z-]{14}\\?lang=fr$`),
    )
    expect(marie.html).toContain(`<a href="${linkIn(marie)}">`)
    expect(marie.headers.get('list-unsubscribe')).toBe(`<${optOutIn(marie)}>`)
    expect(marie.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click')
    expect(mailTo('joao@example.org')[0]!.text).toContain('Seu link pessoal')
    expect(mailTo('rita@example.org')[0]!.text).toContain('A sua ligação pessoal')
    expect(mailTo('ana@example.org')[0]!.subject).toContain('le invita a responder: Percepción 2026')
    // Each person's own code: five different links.
    expect(new Set(smtp.received.map(linkIn)).size).toBe(smtp.received.length)

    // The busy server is asked again a minute later; the unknown address never again.
    expect(mailTo('busy@example.org')).toHaveLength(0)
    later(61_000)
    await smtp.waitFor(6)
    expect(mailTo('busy@example.org')).toHaveLength(1)
    expect(smtp.tries('busy@example.org')).toBe(2)
    expect(smtp.tries('bounce@example.org')).toBe(1)

    // The sender records a message as sent just after the mail server has it.
    await until(async () => (await count('mail_message', sql`status in ('queued', 'sending')`)) === 0)
    const status = await designer.get(page)
    expect(status.text).toMatch(
      /<th scope="row">Invitaciones<\/th><td>0<\/td><td>6<\/td><td>0<\/td><td>1<\/td><td>0<\/td>/,
    )
    // What the server said is shown, without the address.
    expect(status.text).toContain('user unknown')
    expect(status.text).not.toContain('bounce@example.org: user')
    // The response rates count the emails sent per stratum.
    const rates = await designer.get(page.replace('/email', ''))
    expect(rates.text).toContain('Enviadas por correo')
    expect(rates.text).toMatch(/<th scope="row">Centro<\/th><td>2<\/td><td>2<\/td>/)
    expect(rates.text).toMatch(/<th scope="row">Norte<\/th><td>4<\/td><td>3<\/td>/)
  })

  it('opens the survey with the code from the link, once', async () => {
    const citizen = new Respondent(t.app, survey.url)
    const landing = await citizen.get(pathOf(linkIn(mailTo('ana@example.org')[0]!)))
    expect(landing.status).toBe(200)
    const code = /name="code"[^>]*value="([^"]+)"/.exec(landing.text)![1]!
    const started = await citizen.post(`${survey.url}/code`, { code })
    expect(started.headers.location).toBe(`${survey.url}/p/1`)
    await citizen.answer(`${survey.url}/p/1`, { aware: 'yes' })
    expect((await citizen.answer(`${survey.url}/p/2`, { district: 'north' })).headers.location).toBe(
      `${survey.url}/thanks`,
    )
  })

  it('lets a reader stop the messages, from the page or in one click from their mail program', async () => {
    const url = pathOf(optOutIn(mailTo('marie@example.org')[0]!))
    const reader = new Respondent(t.app, survey.url, 'fr')
    const shown = await reader.get(url)
    expect(shown.status).toBe(200)
    expect(shown.text).toContain('Ne plus recevoir de messages')
    expect(shown.text).toContain('<html lang="fr"')
    const done = await reader.post(url)
    expect(done.status).toBe(303)
    expect(done.headers.location).toBe(url)
    expect((await reader.get(url)).text).toContain('Vous ne recevrez plus de messages')

    // RFC 8058: no form token, just the body a mail program sends.
    const oneClick = await request(t.app)
      .post(pathOf(optOutIn(mailTo('rita@example.org')[0]!)))
      .type('form')
      .send('List-Unsubscribe=One-Click')
    expect(oneClick.status).toBe(200)
    expect(await count('mail_recipient', sql`opted_out`)).toBe(2)

    // A forged or damaged token opts nobody out.
    const forged = url.replace(/\.[A-Za-z0-9_-]+$/, '.AAAAAAAAAAAAAAAAAAAAAA')
    expect((await request(t.app).get(forged)).status).toBe(404)
    expect((await request(t.app).post(forged).type('form').send('List-Unsubscribe=One-Click')).status).toBe(
      404,
    )
    expect(await count('mail_recipient', sql`opted_out`)).toBe(2)
  })

  it('reminds, after the days set and at most as often as set, only those who have not answered', async () => {
    const bad = await designer.post(`${page}/reminders`, { after_days: '0', limit: '9' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('Escriba un número entero de días entre 1 y 60')
    expect(bad.text).toContain('Escriba un número entero entre 0 y 5')
    const saved = await designer.post(`${page}/reminders`, { after_days: '3', limit: '1' })
    expect(saved.headers.location).toBe(`${page}?saved=1`)

    const before = smtp.received.length
    later(2 * DAY)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(smtp.received).toHaveLength(before)
    later(1 * DAY)
    // Not ana (answered), marie and rita (opted out), bounce (bounced): joao, busy and nuno.
    await smtp.waitFor(before + 3)
    const reminded = smtp.received.slice(before)
    expect(reminded.map((m) => m.to).sort()).toEqual([
      'busy@example.org',
      'joao@example.org',
      'nuno@example.org',
    ])
    const joao = reminded.find((m) => m.to === 'joao@example.org')!
    expect(joao.subject).toBe('Lembrete: Perceção 2026')
    // The same link as the invitation.
    expect(linkIn(joao)).toBe(linkIn(mailTo('joao@example.org')[0]!))

    // The limit was one reminder: a week later, nothing more.
    later(7 * DAY)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(smtp.received).toHaveLength(before + 3)
    expect(await count('mail_message', sql`kind = 'reminder'`)).toBe(3)
  })

  it('forgets the addresses 30 days after the wave closes, keeping the counts', async () => {
    // Days went by: the designer signs in again.
    designer = await signedIn(t.app, t.services, survey.organizationId, 'designer')
    await designer.get('/staff/series/perception/waves/2026')
    const close = await designer.post('/staff/series/perception/waves/2026/close')
    expect(close.status).toBe(303)
    const forgotten = pathOf(optOutIn(mailTo('joao@example.org')[0]!))
    later(29 * DAY)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await count('mail_recipient')).toBe(7)
    later(2 * DAY)
    await until(async () => (await count('mail_recipient')) === 0)
    expect(await count('mail_recipient')).toBe(0)
    expect(await count('mail_message', sql`status = 'sent'`)).toBe(9)
    // The link at the foot of an old message now says the list is gone.
    const old = await request(t.app).get(forgotten)
    expect(old.status).toBe(404)
    expect(old.text).toContain('Enlace no válido')
    const { rows } = await sql<{ action: string }>`
      select action from audit_log where action like 'invitations.%' order by id`.execute(t.services.db)
    expect(rows.map((r) => r.action)).toEqual([
      'invitations.letter',
      'invitations.emailList',
      'invitations.emailList',
      'invitations.emailSend',
      'invitations.emailSend',
      'invitations.reminders',
    ])
  })

  it('is for designers and admins only', async () => {
    designer = await signedIn(t.app, t.services, survey.organizationId, 'designer')
    expect((await designer.get(page)).status).toBe(200)
    const evaluator = await signedIn(t.app, t.services, survey.organizationId, 'evaluator')
    expect((await evaluator.get(page)).status).toBe(403)
    expect((await evaluator.post(`${page}/send`)).status).toBe(403)
    expect((await request(t.app).get(page)).status).toBe(303)
  })
})
