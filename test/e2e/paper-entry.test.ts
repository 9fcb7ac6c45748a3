import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurvey, twoPageQuestions, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { downloadZip } from '../helpers/zip.ts'

// Paper questionnaires typed in by staff: through the citizen's pages, each questionnaire number once
// per wave, stored with the channel `paper`, which the microdata shows.

let t: TestApp
let survey: BuiltSurvey
let facilitator: StaffBrowser
beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { questions: twoPageQuestions })
  facilitator = await signedIn(t.app, t.services, survey.organizationId, 'facilitator')
})
afterAll(() => t.close())

const responses = () =>
  t.services.db
    .selectFrom('response')
    .select(['channel', 'paper_serial'])
    .where('wave_id', '=', survey.waveId)
    .orderBy('id')
    .execute()

/** Types one paper questionnaire in: its number, then its two pages. */
async function typeIn(staff: StaffBrowser, serial: string, district: string) {
  await staff.get('/staff/series/perception/paper-entry')
  const started = await staff.post('/staff/series/perception/paper-entry', { serial })
  if (started.status !== 303) return started
  await staff.get(started.headers.location!)
  await staff.post(`${survey.url}/p/1`, { a_aware: 'yes' })
  await staff.get(`${survey.url}/p/2`)
  return staff.post(`${survey.url}/p/2`, { a_district: district })
}

describe('paper questionnaires typed in by staff', () => {
  it('are stored with the channel paper and their number; a number already typed in is refused, nothing stored', async () => {
    const home = await facilitator.get('/staff')
    expect(home.text).toContain('href="/staff/series/perception/paper-entry"')
    const form = await facilitator.get('/staff/series/perception/paper-entry')
    expect(form.status).toBe(200)
    expect(form.text).toContain('Número del cuestionario')

    const done = await typeIn(facilitator, 'A-17', 'north')
    expect(done.headers.location).toBe(`${survey.url}/thanks`)
    expect(await responses()).toEqual([{ channel: 'paper', paper_serial: 'A-17' }])

    // The same number again, by anyone: refused at the start, in the staff member's words.
    const colleague = await signedIn(t.app, t.services, survey.organizationId, 'designer')
    const again = await typeIn(colleague, 'A-17', 'south')
    expect(again.status).toBe(409)
    expect(again.text).toContain('Ese cuestionario ya se registró en esta edición')
    expect(again.text).toContain('value="A-17"')
    expect(await responses()).toHaveLength(1)

    // A bad number: a clear error, the form kept, nothing started.
    const bad = await facilitator.post('/staff/series/perception/paper-entry', { serial: '  ' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('Escriba el número del cuestionario')
  })

  it('two entries of one number racing: the second is refused when sent, and its answers are kept in its draft', async () => {
    const first = await signedIn(t.app, t.services, survey.organizationId, 'facilitator')
    const second = await signedIn(t.app, t.services, survey.organizationId, 'facilitator')
    for (const staff of [first, second]) {
      await staff.get('/staff/series/perception/paper-entry')
      expect((await staff.post('/staff/series/perception/paper-entry', { serial: 'B-2' })).status).toBe(303)
      await staff.get(`${survey.url}/p/1`)
      await staff.post(`${survey.url}/p/1`, { a_aware: 'no' })
      await staff.get(`${survey.url}/p/2`)
    }
    expect((await first.post(`${survey.url}/p/2`, { a_district: 'north' })).status).toBe(303)
    const late = await second.post(`${survey.url}/p/2`, { a_district: 'south' })
    expect(late.status).toBe(409)
    expect(late.text).toContain('Este cuestionario en papel ya está registrado')
    expect((await responses()).filter((r) => r.paper_serial === 'B-2')).toHaveLength(1)
  })

  it('the microdata tells paper from web; only collectors of the organization may type papers in', async () => {
    const evaluator = await signedIn(t.app, t.services, survey.organizationId, 'evaluator')
    expect((await evaluator.get('/staff/series/perception/paper-entry')).status).toBe(403)
    await t.services.db
      .updateTable('wave')
      .set({ status: 'closed' })
      .where('id', '=', survey.waveId)
      .execute()
    const { status, files } = await downloadZip(evaluator.agent, '/staff/results/perception/microdata.zip')
    expect(status).toBe(200)
    const table = parse<Record<string, string>>(files.get('responses-2026.csv')!.replace(/^\uFEFF/, ''), {
      columns: true,
    })
    expect(new Set(table.map((r) => r.channel))).toEqual(new Set(['paper']))
    const datapackage = JSON.parse(files.get('datapackage.json')!) as {
      resources: { schema: { fields: { name: string; constraints?: { enum?: string[] } }[] } }[]
    }
    const channel = datapackage.resources[0]!.schema.fields.find((f) => f.name === 'channel')
    expect(channel?.constraints?.enum).toContain('paper')
  })
})
