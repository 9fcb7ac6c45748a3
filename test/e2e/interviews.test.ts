import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurvey, twoPageQuestions, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { Respondent } from '../helpers/respondent.ts'
import { signedIn } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { downloadZip } from '../helpers/zip.ts'

const questions = twoPageQuestions

let t: TestApp
let survey: BuiltSurvey
beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { questions })
})
afterAll(() => t.close())

describe('assisted interviews for the citizen survey', () => {
  it('a facilitator records a citizen’s answers; the response says assisted and who, and so does the microdata', async () => {
    const facilitator = await signedIn(t.app, t.services, survey.organizationId, 'facilitator')
    const home = await facilitator.get('/staff')
    expect(home.text).toContain('action="/staff/series/perception/interview"')
    const started = await facilitator.post('/staff/series/perception/interview')
    expect(started.status).toBe(303)
    expect(started.headers.location).toBe(`${survey.url}/p/1`)
    // The interview goes through the citizen's own pages, on the facilitator's device.
    await facilitator.get(`${survey.url}/p/1`)
    expect((await facilitator.post(`${survey.url}/p/1`, { a_aware: 'yes' })).headers.location).toBe(
      `${survey.url}/p/2`,
    )
    expect((await facilitator.post(`${survey.url}/p/2`, { a_district: 'north' })).headers.location).toBe(
      `${survey.url}/thanks`,
    )
    // A citizen answering alone, for comparison.
    const citizen = new Respondent(t.app, survey.url)
    const first = await citizen.start()
    await citizen.answer(first, { aware: 'no' })
    await citizen.answer(`${survey.url}/p/2`, { district: 'south' })

    const rows = await t.services.db
      .selectFrom('response')
      .select(['channel', 'facilitator_id'])
      .where('wave_id', '=', survey.waveId)
      .orderBy('id')
      .execute()
    const facilitatorId = (
      await t.services.db
        .selectFrom('staff_user')
        .select('id')
        .where('email', '=', facilitator.account.email)
        .executeTakeFirstOrThrow()
    ).id
    expect(rows).toEqual([
      { channel: 'assisted', facilitator_id: facilitatorId },
      { channel: 'web', facilitator_id: null },
    ])

    // Microdata is for evaluators: the wave closes, and its package names the facilitator of each interview.
    await t.services.db
      .updateTable('wave')
      .set({ status: 'closed' })
      .where('id', '=', survey.waveId)
      .execute()
    const evaluator = await signedIn(t.app, t.services, survey.organizationId, 'evaluator')
    const { status, files } = await downloadZip(evaluator.agent, '/staff/results/perception/microdata.zip')
    expect(status).toBe(200)
    const table = parse<Record<string, string>>(files.get('responses-2026.csv')!.replace(/^\uFEFF/, ''), {
      columns: true,
    })
    expect(table.map((r) => [r.channel, r.facilitator])).toEqual([
      ['assisted', String(facilitatorId)],
      ['web', ''],
    ])
  })

  it('is for facilitators, designers and admins of the organization, on an open wave only', async () => {
    const evaluator = await signedIn(t.app, t.services, survey.organizationId, 'evaluator')
    await evaluator.get('/staff')
    expect((await evaluator.post('/staff/series/perception/interview')).status).toBe(403)
    const other = await buildSurvey(t.services.db, { questions })
    const elsewhere = await signedIn(t.app, t.services, other.organizationId, 'facilitator')
    expect((await elsewhere.post('/staff/series/no-such-series/interview')).status).toBe(404)
    const closed = await signedIn(t.app, t.services, survey.organizationId, 'facilitator')
    const refused = await closed.post('/staff/series/perception/interview')
    expect(refused.status).toBe(303)
    expect(refused.headers.location).toBe(survey.url)
  })
})
