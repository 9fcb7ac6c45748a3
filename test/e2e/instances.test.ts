import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { createServices } from '../../src/services.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { formBody, Respondent } from '../helpers/respondent.ts'
import { createStaff } from '../helpers/staff.ts'
import { createTestApp, csrfToken, type TestApp } from '../helpers/test-app.ts'
import { createLogger } from '../../src/logger.ts'

const SECRET = 'test-secret-test-secret-test-secret!'
let t: TestApp
let survey: BuiltSurvey
let second: ReturnType<typeof createApp>
let third: ReturnType<typeof createApp>

beforeAll(async () => {
  t = await createTestApp({ submitRateLimit: { limit: 6, windowMs: 60_000 } })
  survey = await buildSurvey(t.services.db)
  // Two more instances with their own connections and memory, on the same database and secret.
  const options = {
    production: false,
    trustProxy: 'false',
    submitRateLimit: { limit: 6, windowMs: 60_000 },
    strictTranslations: true,
    logger: createLogger({ level: 'silent' }),
  }
  second = createApp(createServices(t.database.reopen(), { secret: SECRET }), options)
  third = createApp(createServices(t.database.reopen(), { secret: SECRET }), options)
})
afterAll(() => t.close())

describe('several instances on one database', () => {
  it('share staff sessions: signed in on one, signed in on the others', async () => {
    const account = await createStaff(t.services, survey.organizationId, 'designer')
    const page = await request(t.app).get('/staff/sign-in')
    const cookies = (page.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ')
    const signIn = await request(t.app)
      .post('/staff/sign-in')
      .set('Cookie', cookies)
      .type('form')
      .send(formBody({ _csrf: csrfToken(page.text), email: account.email, password: account.password }))
    expect(signIn.status).toBe(303)
    const session = (signIn.headers['set-cookie'] as unknown as string[])
      .find((c) => c.startsWith('pulso_staff='))!
      .split(';')[0]!
    for (const app of [second, third]) {
      const res = await request(app).get('/staff').set('Cookie', session)
      expect(res.status).toBe(200)
      expect(res.text).toContain(account.email)
    }
  })

  it('count one response once, whichever instances the pages and a double submit go through', async () => {
    const citizen = new Respondent(t.app, survey.url)
    await citizen.start()
    const cookie = await citizen.agent.get(`${survey.url}/p/1`)
    const token = csrfToken(cookie.text)
    const jar = (
      citizen.agent as unknown as { jar: { getCookies: (o: unknown) => { name: string; value: string }[] } }
    ).jar
    const cookies = jar
      .getCookies({ domain: '127.0.0.1', path: survey.url, secure: false, script: false })
      .map((c) => `${c.name}=${c.value}`)
      .join('; ')
    const post = (app: ReturnType<typeof createApp>, page: number, fields: Record<string, string>) =>
      request(app)
        .post(`${survey.url}/p/${page}`)
        .set('Cookie', cookies)
        .type('form')
        .send(formBody({ _csrf: token, ...fields }))
    expect((await post(second, 1, { a_interest: '4', a_aware: 'no' })).headers.location).toBe(
      `${survey.url}/p/3`,
    )
    expect((await post(third, 3, { a_district: 'south' })).headers.location).toBe(`${survey.url}/p/4`)
    const before = (await sql<{ n: number }>`select count(*)::int as n from response`.execute(t.services.db))
      .rows[0]!.n
    const [a, b, c] = await Promise.all([post(t.app, 4, {}), post(second, 4, {}), post(third, 4, {})])
    expect([a.status, b.status, c.status]).toEqual([303, 303, 303])
    const after = (await sql<{ n: number }>`select count(*)::int as n from response`.execute(t.services.db))
      .rows[0]!.n
    expect(after).toBe(before + 1)
  })

  it('hold one rate limit across instances (a shared store, not each process’s memory)', async () => {
    await sql`delete from rate_limit`.execute(t.services.db)
    const citizen = new Respondent(t.app, survey.url)
    await citizen.get(survey.url)
    const jar = (
      citizen.agent as unknown as { jar: { getCookies: (o: unknown) => { name: string; value: string }[] } }
    ).jar
    const cookies = jar
      .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
      .map((c) => `${c.name}=${c.value}`)
      .join('; ')
    const start = (app: ReturnType<typeof createApp>) =>
      request(app)
        .post(`${survey.url}/start`)
        .set('Cookie', cookies)
        .type('form')
        .send(formBody({ _csrf: citizen.token }))
    const statuses = []
    for (const app of [t.app, second, third, t.app, second, third, t.app, second])
      statuses.push((await start(app)).status)
    expect(statuses).toEqual([303, 303, 303, 303, 303, 303, 429, 429])
    const { rows } = await sql<{ key: string }>`select key from rate_limit`.execute(t.services.db)
    expect(rows.every((r) => !r.key.includes('127.0.0.1') && !r.key.includes('::'))).toBe(true)
  })

  it('hold a large limit across instances within 2%, counting hits in memory between writes', async () => {
    // A limit of 200 lets each instance keep up to 3 hits in memory (2%, see PostgresRateLimitStore).
    const options = {
      production: false,
      trustProxy: 'false',
      submitRateLimit: { limit: 200, windowMs: 60_000 },
      strictTranslations: true,
      logger: createLogger({ level: 'silent' }),
    }
    const apps = [0, 1].map(() => createApp(createServices(t.database.reopen(), { secret: SECRET }), options))
    await sql`delete from rate_limit`.execute(t.services.db)
    const page = await request(apps[0]!).get(survey.url)
    const cookies = (page.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ')
    let accepted = 0
    for (let i = 0; i < 240; i++) {
      const res = await request(apps[i % 2]!)
        .post(`${survey.url}/start`)
        .set('Cookie', cookies)
        .type('form')
        .send(formBody({ _csrf: csrfToken(page.text) }))
      if (res.status === 303) accepted += 1
      else expect(res.status).toBe(429)
    }
    // Never fewer than the limit; at most each instance's 3 unwritten hits more.
    expect(accepted).toBeGreaterThanOrEqual(200)
    expect(accepted).toBeLessThanOrEqual(206)
  })
})
