import { sql } from 'kysely'
import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { createStaff, signedIn, StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Two-factor sign-in (#19.4): a member enrols by scanning a QR code and typing a code; from then on
// the password alone opens nothing. Codes are computed here from the secret, as a phone would.
let clock = new Date('2026-05-04T10:00:00Z')
const later = (ms: number) => (clock = new Date(clock.getTime() + ms))

let t: TestApp
let survey: BuiltSurvey

beforeAll(async () => {
  t = await createTestApp({ now: () => clock })
  survey = await buildSurvey(t.services.db)
})
afterAll(() => t.close())

/** The code an authenticator app shows now for this secret. */
const codeFor = (secret: string) => generate({ secret, epoch: Math.floor(clock.getTime() / 1000) })

/** Turns two-factor sign-in on for a signed-in member: the secret and the recovery codes. */
async function enrol(member: StaffBrowser) {
  expect((await member.get('/staff/two-factor')).status).toBe(200)
  expect((await member.post('/staff/two-factor/start')).headers.location).toBe('/staff/two-factor')
  const setup = await member.get('/staff/two-factor')
  expect(setup.text).toContain('<svg')
  const secret = /<code>([A-Z2-7 ]+)<\/code>/.exec(setup.text)![1]!.replace(/ /g, '')
  const done = await member.post('/staff/two-factor/confirm', { code: await codeFor(secret) })
  expect(done.status).toBe(200)
  const recovery = [...done.text.matchAll(/<li><code>([0-9A-Z]{5}-[0-9A-Z]{5})<\/code><\/li>/g)].map(
    (m) => m[1]!,
  )
  expect(recovery).toHaveLength(10)
  return { secret, recovery }
}

async function passwordStep(email: string, password: string) {
  const browser = new StaffBrowser(t.app)
  await browser.get('/staff/sign-in')
  const res = await browser.post('/staff/sign-in', { email, password })
  return { browser, res }
}

describe('two-factor sign-in', () => {
  it('enrols with a code from the secret; then the password alone opens nothing, a code once', async () => {
    const member = await signedIn(t.app, t.services, survey.organizationId, 'designer')
    await member.get('/staff/two-factor')
    await member.post('/staff/two-factor/start')
    await member.get('/staff/two-factor')
    const wrong = await member.post('/staff/two-factor/confirm', { code: '000000' })
    expect(wrong.status).toBe(400)
    expect(wrong.text).toContain('El código no es correcto o ya se usó')
    const { secret, recovery } = await enrol(member)
    // The code typed to enrol is used up: the next one comes 30 seconds later.
    later(30_000)
    // Only hashes of the recovery codes are kept.
    const { rows } = await sql<{ code_hash: string }>`select code_hash from staff_recovery_code`.execute(
      t.services.db,
    )
    expect(rows).toHaveLength(10)
    expect(rows.some((r) => recovery.some((c) => r.code_hash.includes(c.replace('-', ''))))).toBe(false)

    const { browser, res } = await passwordStep(member.account.email, member.account.password)
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe('/staff/sign-in/code')
    // The password alone: the staff area stays closed.
    expect((await browser.get('/staff')).headers.location).toMatch(/^\/staff\/sign-in/)
    const codePage = await browser.get('/staff/sign-in/code')
    expect(codePage.status).toBe(200)
    expect(codePage.text).toContain('autocomplete="one-time-code"')
    expect((await browser.post('/staff/sign-in/code', { code: '123456' })).status).toBe(401)
    const code = await codeFor(secret)
    const opened = await browser.post('/staff/sign-in/code', { code })
    expect(opened.headers.location).toBe('/staff')
    expect((await browser.get('/staff')).status).toBe(200)

    // The same code a second time (seen over a shoulder) does not open another session.
    const again = await passwordStep(member.account.email, member.account.password)
    await again.browser.get('/staff/sign-in/code')
    expect((await again.browser.post('/staff/sign-in/code', { code })).status).toBe(401)
    later(30_000)
    expect((await again.browser.post('/staff/sign-in/code', { code: await codeFor(secret) })).status).toBe(
      303,
    )

    // A recovery code, typed loosely, works once.
    const lostPhone = await passwordStep(member.account.email, member.account.password)
    await lostPhone.browser.get('/staff/sign-in/code')
    const typed = recovery[0]!.toLowerCase().replace('-', ' ')
    expect((await lostPhone.browser.post('/staff/sign-in/code', { code: typed })).status).toBe(303)
    expect((await lostPhone.browser.get('/staff/two-factor')).text).toContain(
      'Le quedan 9 códigos de recuperación',
    )
    const reused = await passwordStep(member.account.email, member.account.password)
    await reused.browser.get('/staff/sign-in/code')
    expect((await reused.browser.post('/staff/sign-in/code', { code: recovery[0]! })).status).toBe(401)

    // Wrong codes count against the account, as wrong passwords do.
    later(16 * 60_000)
    const guesser = await passwordStep(member.account.email, member.account.password)
    await guesser.browser.get('/staff/sign-in/code')
    const statuses: number[] = []
    for (let i = 0; i < 6; i++)
      statuses.push((await guesser.browser.post('/staff/sign-in/code', { code: String(100000 + i) })).status)
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429])

    const { rows: audit } = await sql<{ action: string; details: unknown }>`
      select action, details from audit_log where action in ('staff.two_factor_on', 'staff.sign_in')
        and user_id = (select id from staff_user where email = ${member.account.email}) order by id`.execute(
      t.services.db,
    )
    expect(audit.map((a) => a.action)).toContain('staff.two_factor_on')
    expect(audit.at(-1)!.details).toEqual({ secondFactor: 'recoveryCode' })
  })

  it('an organization requires it of admins and evaluators: they enrol before anything else', async () => {
    const admin = await signedIn(t.app, t.services, survey.organizationId, 'admin')
    const evaluatorAccount = await createStaff(t.services, survey.organizationId, 'evaluator')
    const designer = await signedIn(t.app, t.services, survey.organizationId, 'designer')
    await admin.get('/staff/organization')
    const set = await admin.post('/staff/organization/two-factor', { require_two_factor: 'yes' })
    expect(set.headers.location).toBe('/staff/organization?saved=1')

    // The admin who set it is sent to enrol first too; a designer is not concerned.
    expect((await admin.get('/staff/results/perception')).headers.location).toBe('/staff/two-factor')
    expect((await designer.get('/staff')).status).toBe(200)
    const evaluator = new StaffBrowser(t.app)
    expect((await evaluator.signIn(evaluatorAccount.email, evaluatorAccount.password)).status).toBe(303)
    expect((await evaluator.get('/staff/results/perception')).headers.location).toBe('/staff/two-factor')
    expect((await evaluator.post('/staff/tokens', { name: 'R', days: '30' })).status).toBe(403)
    const page = await evaluator.get('/staff/two-factor')
    expect(page.text).toContain('Su organización exige la verificación en dos pasos')
    await enrol(evaluator)
    expect((await evaluator.get('/staff/results/perception')).status).toBe(200)
    // Required: it cannot be turned off.
    const off = await evaluator.post('/staff/two-factor/disable', { password: evaluatorAccount.password })
    expect(off.status).toBe(409)

    await enrol(admin)
    await admin.get('/staff/organization')
    await admin.post('/staff/organization/two-factor', {})
    const { rows } = await sql<{ action: string; details: unknown }>`
      select action, details from audit_log where action = 'organization.two_factor' order by id`.execute(
      t.services.db,
    )
    expect(rows.map((r) => r.details)).toEqual([{ required: true }, { required: false }])
  })

  it('turns off with the password when not required, and the password alone signs in again', async () => {
    const member = await signedIn(t.app, t.services, survey.organizationId, 'facilitator')
    await enrol(member)
    await member.get('/staff/two-factor')
    expect((await member.post('/staff/two-factor/disable', { password: 'wrong password here' })).status).toBe(
      400,
    )
    const off = await member.post('/staff/two-factor/disable', { password: member.account.password })
    expect(off.headers.location).toBe('/staff/two-factor?saved=1')
    const { res } = await passwordStep(member.account.email, member.account.password)
    expect(res.headers.location).toBe('/staff')
  })
})
