import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { createStaff, StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let survey: BuiltSurvey
beforeAll(async () => {
  // A small per-address limit, so that an office's sign-ins can exceed it in a few requests.
  t = await createTestApp({ signInLimit: 4 })
  survey = await buildSurvey(t.services.db)
})
afterAll(() => t.close())

describe('sign-in throttling holds under concurrency and spares offices', () => {
  it('checks at most five wrong passwords of an account, however many arrive at once', async () => {
    const account = await createStaff(t.services, survey.organizationId, 'designer')
    // Twenty browsers at once, each from its own address (so only the account's limit applies).
    const browsers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const browser = new StaffBrowser(t.app, `198.51.100.${i + 1}`)
        await browser.get('/staff/sign-in')
        return browser
      }),
    )
    const answers = await Promise.all(
      browsers.map((b, i) => b.post('/staff/sign-in', { email: account.email, password: `wrong ${i}` })),
    )
    const statuses = answers.map((a) => a.status)
    expect(statuses.filter((s) => s === 401)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(15)
    // The right password, right after the burst, neither signs in nor resets the count.
    const owner = new StaffBrowser(t.app, '198.51.100.99')
    const right = await owner.signIn(account.email, account.password)
    expect(right.status).toBe(429)
    expect(right.text).toContain('Demasiados intentos')
    expect((await owner.signIn(account.email, 'wrong again')).status).toBe(429)
  })

  it('counts only failed sign-ins against an address, and says so on the staff sign-in page', async () => {
    // Five colleagues behind one office address sign in (more than the limit of 4): all get in.
    for (let i = 0; i < 5; i++) {
      const colleague = await createStaff(t.services, survey.organizationId, 'evaluator')
      const browser = new StaffBrowser(t.app, '203.0.113.7')
      expect((await browser.signIn(colleague.email, colleague.password)).status).toBe(303)
    }
    // Wrong passwords from that address are counted: the fifth is refused before any check.
    const someone = await createStaff(t.services, survey.organizationId, 'evaluator')
    const guesser = new StaffBrowser(t.app, '203.0.113.7')
    for (let i = 0; i < 4; i++)
      expect((await guesser.signIn(`nobody${i}@example.org`, 'guess guess')).status).toBe(401)
    const refused = await guesser.signIn(someone.email, someone.password)
    expect(refused.status).toBe(429)
    // The staff sign-in page, with its form and a staff message; not the citizens' submissions page.
    expect(refused.text).toContain('name="email"')
    expect(refused.text).toContain('Demasiados intentos fallidos desde esta dirección')
    expect(refused.text).not.toContain('Demasiados envíos')
  })
})
