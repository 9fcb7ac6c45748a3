import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { startMailServer, type MailServer, type ReceivedMail } from '../helpers/mail-server.ts'
import { until } from '../helpers/app-process.ts'
import { signedIn, StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Staff invited by email set their own password with a single-use link (#19.3); a forgotten password
// is reset the same way. A real SMTP server in this process receives the messages.
let clock = new Date('2026-04-01T08:00:00Z')
const later = (ms: number) => (clock = new Date(clock.getTime() + ms))
const HOUR = 3600_000

let t: TestApp
let smtp: MailServer
let survey: BuiltSurvey

beforeAll(async () => {
  smtp = await startMailServer()
  t = await createTestApp({
    now: () => clock,
    mail: { smtpUrl: smtp.url, from: 'Pulso <pulso@ciudad.example>', ratePerMinute: 60_000 },
  })
  survey = await buildSurvey(t.services.db)
})
afterAll(async () => {
  await t?.close()
  await smtp?.close()
})

const linkIn = (mail: ReceivedMail) =>
  new URL(/http:\/\/\S+\/staff\/set-password\/\S+/.exec(mail.text)![0]).pathname
const to = (address: string) => smtp.received.filter((m) => m.to === address)

describe('staff invited by email', () => {
  it('gets a link valid 72 hours, sets their own password once, and signs in', async () => {
    const admin = await signedIn(t.app, t.services, survey.organizationId, 'admin')
    await admin.get('/staff/users?lang=fr')
    const invited = await admin.post('/staff/users', {
      email: 'lea@ville.example',
      name: 'Léa',
      role: 'evaluator',
    })
    expect(invited.status).toBe(303)
    expect(invited.headers.location).toBe('/staff/users?notice=invited')
    expect((await admin.get(invited.headers.location!)).text).toContain('Compte créé')
    const [mail] = await smtp.waitFor(1)
    expect(mail!.to).toBe('lea@ville.example')
    // In the language of the admin who invited.
    expect(mail!.subject).toMatch(/^Votre compte Pulso chez City \d+$/)
    expect(mail!.text).toContain('valable 72 heures')
    // Only the token's hash is kept; the message's body is forgotten once sent.
    const token = linkIn(mail!).split('/').pop()!
    const kept = async () =>
      (
        await sql<{ n: number }>`
          select (select count(*) from staff_link where token_hash = ${token})::int
            + (select count(*) from staff_mail where body is not null)::int as n`.execute(t.services.db)
      ).rows[0]!.n
    // The sender records the message as sent just after the mail server has it.
    await until(async () => (await kept()) === 0)
    expect(await kept()).toBe(0)

    const lea = new StaffBrowser(t.app)
    const form = await lea.get(linkIn(mail!))
    expect(form.status).toBe(200)
    expect(form.text).toContain('lea@ville.example')
    expect(
      (await lea.post(linkIn(mail!), { password: 'a calm violet river', confirm: 'a calm violet river' }))
        .status,
    ).toBe(303)
    expect((await lea.signIn('lea@ville.example', 'a calm violet river')).status).toBe(303)
    expect((await new StaffBrowser(t.app).get(linkIn(mail!))).status).toBe(410)
  })

  it('an invitation not used within 72 hours no longer opens; the admin sends a new link', async () => {
    const admin = await signedIn(t.app, t.services, survey.organizationId, 'admin')
    await admin.get('/staff/users')
    await admin.post('/staff/users', { email: 'tomas@ciudad.example', role: 'designer' })
    const [first] = await smtp.waitFor(2).then(() => to('tomas@ciudad.example'))
    later(72 * HOUR + 60_000)
    const late = await request(t.app).get(linkIn(first!))
    expect(late.status).toBe(410)
    expect(late.text).toContain('Este enlace ya no sirve')

    const admin2 = await signedIn(t.app, t.services, survey.organizationId, 'admin')
    const users = await admin2.get('/staff/users')
    const id = new RegExp(`tomas@ciudad\\.example[\\s\\S]*?action="/staff/users/(\\d+)/link"`).exec(
      users.text,
    )![1]
    const sent = await admin2.post(`/staff/users/${id}/link`)
    expect(sent.headers.location).toBe('/staff/users?notice=linkSent')
    await smtp.waitFor(3)
    const second = to('tomas@ciudad.example')[1]!
    expect(second.subject).toBe('Pulso: elegir una contraseña nueva')
    const tomas = new StaffBrowser(t.app)
    await tomas.get(linkIn(second))
    expect(
      (
        await tomas.post(linkIn(second), {
          password: 'seven green lanterns',
          confirm: 'seven green lanterns',
        })
      ).status,
    ).toBe(303)
    expect((await tomas.signIn('tomas@ciudad.example', 'seven green lanterns')).status).toBe(303)
  })
})

describe('a forgotten password', () => {
  it('is reset by a link sent to the address, which ends every session; the page never says who has an account', async () => {
    const designer = await signedIn(t.app, t.services, survey.organizationId, 'designer')
    const visitor = new StaffBrowser(t.app, '198.51.100.7')
    const signIn = await visitor.get('/staff/sign-in')
    expect(signIn.text).toContain('href="/staff/forgot"')
    const before = smtp.received.length
    await visitor.get('/staff/forgot')
    const known = await visitor.post('/staff/forgot', { email: designer.account.email.toUpperCase() })
    await visitor.get('/staff/forgot')
    const unknown = await visitor.post('/staff/forgot', { email: 'nobody@ciudad.example' })
    // The same answer either way.
    expect(known.headers.location).toBe('/staff/forgot?sent=1')
    expect(unknown.headers.location).toBe('/staff/forgot?sent=1')
    await smtp.waitFor(before + 1)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(smtp.received).toHaveLength(before + 1)
    const mail = smtp.received.at(-1)!
    expect(mail.to).toBe(designer.account.email)
    expect(mail.text).toContain('vale 2 horas')

    const bad = await visitor.get('/staff/forgot')
    expect(bad.status).toBe(200)
    const refused = await visitor.post('/staff/forgot', { email: 'not an address' })
    expect(refused.status).toBe(400)
    expect(refused.text).toContain('Escriba un correo electrónico válido')

    await visitor.get(linkIn(mail))
    expect(
      (
        await visitor.post(linkIn(mail), {
          password: 'orange kites at noon',
          confirm: 'orange kites at noon',
        })
      ).status,
    ).toBe(303)
    // The session opened with the old password has ended; the old password no longer opens.
    expect((await designer.get('/staff')).status).toBe(303)
    expect(
      (await new StaffBrowser(t.app).signIn(designer.account.email, designer.account.password)).status,
    ).toBe(401)
    expect(
      (await new StaffBrowser(t.app).signIn(designer.account.email, 'orange kites at noon')).status,
    ).toBe(303)
    const { rows } = await sql<{ action: string }>`
      select action from audit_log where subject = ${designer.account.email} or user_id = (
        select id from staff_user where email = ${designer.account.email}) order by id`.execute(t.services.db)
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['staff.password_reset_request', 'staff.password_set']),
    )
  })

  it('asking again and again from one address is limited', async () => {
    const visitor = new StaffBrowser(t.app, '203.0.113.9')
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) {
      await visitor.get('/staff/forgot')
      statuses.push((await visitor.post('/staff/forgot', { email: `x${i}@ciudad.example` })).status)
    }
    expect(statuses.slice(0, 10).every((s) => s === 303)).toBe(true)
    expect(statuses.slice(10)).toEqual([429, 429])
  })
})
