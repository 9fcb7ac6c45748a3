import fc from 'fast-check'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFeedbackProject, type BuiltProject } from '../fixtures/feedback-builder.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { Respondent } from '../helpers/respondent.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Set-up through the service, outside any staff member's request: audit-logged as nobody's.
const byTheTest = { organizationId: null, userId: null }

let t: TestApp
let survey: BuiltSurvey
let project: BuiltProject
beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db)
  project = await buildFeedbackProject(t.services.db)
  // Both the open link and invitation codes, so the code form is fuzzed too.
  await t.services.invitations.setAccessMode(survey.waveId, 'both', byTheTest)
  await t.services.invitations.create(
    { waveId: survey.waveId, count: 3, stratum: null, createdBy: null },
    byTheTest,
  )
})
afterAll(() => t.close())

const count = async (table: 'response' | 'answer' | 'feedback' | 'feedback_answer', where = sql`true`) =>
  (
    await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${where}`.execute(
      t.services.db,
    )
  ).rows[0]!.n

const fieldNames = fc.oneof(
  fc.constantFrom(
    'a_interest',
    'a_aware',
    'a_heard_of',
    'a_benefit',
    'a_years',
    'a_district',
    'a_nickname',
    'a_comment',
    '_csrf',
  ),
  fc.string({ maxLength: 120 }),
)
const fieldValues = fc.oneof(
  fc.constantFrom(
    '1',
    '5',
    'yes',
    'no',
    'north',
    '12,5',
    '-0',
    '1e308',
    'NaN',
    '<script>',
    "' or 1=1 --",
    '\u0000',
    '\ud800',
  ),
  fc.string({ maxLength: 300, unit: 'binary' }),
  fc.string({ minLength: 4000, maxLength: 6000 }),
)
const bodies = fc.array(fc.tuple(fieldNames, fieldValues), { maxLength: 30 })
const contentTypes = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded; charset=utf-16',
)

describe('fuzzing the public forms', () => {
  it(
    'hundreds of random bodies, encodings and types never cause a 5xx, and a rejected request stores nothing',
    { timeout: 180_000 },
    async () => {
      const citizen = new Respondent(t.app, survey.url)
      await citizen.start()
      await citizen.answer(`${survey.url}/p/1`, { interest: '3', aware: 'yes' })
      const targets = ['/start', '/code', '/p/1', '/p/2', '/p/3', '/p/4', '/p/0', '/p/abc']
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...targets),
          bodies,
          contentTypes,
          fc.boolean(),
          async (target, fields, type, withToken) => {
            const before = await count('response')
            const params = new URLSearchParams()
            if (withToken) params.append('_csrf', citizen.token)
            for (const [name, value] of fields) params.append(name, value)
            const raw =
              type === 'application/json' ? JSON.stringify(Object.fromEntries(fields)) : params.toString()
            const res = await citizen.agent.post(`${survey.url}${target}`).set('Content-Type', type).send(raw)
            expect(res.status, `${target} ${type}`).toBeLessThan(500)
            if (res.status >= 400) expect(await count('response')).toBe(before)
            // A response is stored only by the last page's successful submit.
            if (target !== '/p/4' || res.status !== 303) expect(await count('response')).toBe(before)
          },
        ),
        { numRuns: 750, seed: 20261127 },
      )
    },
  )

  it(
    'random bodies sent to a partner project’s feedback form never cause a 5xx and store at most one entry',
    { timeout: 120_000 },
    async () => {
      const phone = new Respondent(t.app, `/f/${project.code}`)
      await phone.get(`/f/${project.code}`)
      const feedbackFields = fc.oneof(
        fc.constantFrom(
          'a_life_change',
          'a_recommend',
          'a_benefits',
          'a_story',
          'publish',
          'contact_ok',
          'contact',
          'website',
          'submission',
          'language',
        ),
        fieldNames,
      )
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(feedbackFields, fieldValues), { maxLength: 30 }),
          contentTypes,
          fc.boolean(),
          async (fields, type, withToken) => {
            const before = await count('feedback')
            const params = new URLSearchParams()
            if (withToken) params.append('_csrf', phone.token)
            for (const [name, value] of fields) params.append(name, value)
            const raw =
              type === 'application/json' ? JSON.stringify(Object.fromEntries(fields)) : params.toString()
            const res = await phone.agent.post(`/f/${project.code}`).set('Content-Type', type).send(raw)
            expect(res.status, type).toBeLessThan(500)
            const after = await count('feedback')
            if (res.status >= 400) expect(after).toBe(before)
            expect(after - before).toBeLessThanOrEqual(1)
            expect(await count('feedback_answer', sql`feedback_id not in (select id from feedback)`)).toBe(0)
          },
        ),
        { numRuns: 300, seed: 20261128 },
      )
    },
  )

  it('random headers and paths on public pages never cause a 5xx', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.string({ maxLength: 200 }),
        fc.constantFrom(
          '/',
          survey.url,
          `${survey.url}/p/1`,
          `${survey.url}/thanks`,
          `${survey.url}/results`,
          `${survey.url}/i/ABCD-EFGH-JKMN`,
          '/api/v1/series',
          '/api/v1/openapi.json',
          `/f/${project.code}`,
          `/projects/${project.code}`,
          '/healthz',
        ),
        async (acceptLanguage, query, path) => {
          const res = await new Respondent(t.app, survey.url).agent
            .get(`${path}?lang=${encodeURIComponent(query)}&by=${encodeURIComponent(query)}`)
            .set('Accept-Language', acceptLanguage.replace(/[^\t\x20-\x7e]/g, ''))
            .set(
              'Cookie',
              `pulso_lang=${encodeURIComponent(query)}; pulso_response=${encodeURIComponent(acceptLanguage)}`,
            )
          expect(res.status).toBeLessThan(500)
        },
      ),
      { numRuns: 200, seed: 7 },
    )
  })
})
