import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readXlsForm } from '../../src/designer/xlsform.ts'
import { likertGridQuestions } from '../fixtures/likert-grid.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { Respondent } from '../helpers/respondent.ts'
import { signedIn } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { workbook } from '../helpers/workbook.ts'
import { binary } from '../helpers/zip.ts'

// A Likert grid: statements sharing one scale, drawn as one table (a list on a phone), each statement
// its own question for results, indicators and microdata; in XLSForm, a header row and list-nolabel rows.

let t: TestApp
let survey: BuiltSurvey

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { year: 2026, questions: likertGridQuestions })
})
afterAll(() => t.close())

describe('a Likert grid', () => {
  it('is one table over plain HTML: a row per statement, each choice named by its statement and column', async () => {
    const citizen = new Respondent(t.app, survey.url, 'es')
    const first = await citizen.start()
    const page = await citizen.get(first)
    const tables = page.text.match(/<table class="likert-grid">[\s\S]*?<\/table>/g) ?? []
    expect(tables).toHaveLength(1)
    const grid = tables[0]!
    expect(grid.match(/<th scope="col"/g)).toHaveLength(6)
    expect(grid).toContain('>Muy de acuerdo</th>')
    for (const code of ['useful', 'informed', 'proud'])
      expect(grid.match(new RegExp(`name="a_${code}"`, 'g'))).toHaveLength(6)
    expect(grid).toContain('aria-labelledby="q-useful-label q-useful-2-text"')
    // The question of another type after it is drawn on its own.
    expect(grid).not.toContain('a_district')
    expect(page.text).toContain('name="a_district"')

    // A required statement left empty: its row carries the error, the summary links to its first choice.
    const refused = await citizen.postRefused(first, { a_useful: '4', a_district: 'north' })
    expect(refused.text).toContain('<tr class="likert-row likert-row-error">')
    expect(refused.text).toMatch(/href="#q-informed"/)
    expect(refused.text).toContain('id="q-informed-error"')
    expect(refused.text).toMatch(/id="q-useful-4" name="a_useful" value="4" checked/)
    const bad = await citizen.postRefused(first, { a_useful: '4', a_informed: '7', a_district: 'north' })
    expect(bad.text).toContain('Elija una de las respuestas')

    const sent = await citizen.post(first, { a_useful: '4', a_informed: 'dont_know', a_district: 'south' })
    expect(sent.headers.location).toBe(`${survey.url}/thanks`)
    const { rows } = await sql<{ code: string; option_code: string }>`
      select q.code, a.option_code from answer a join question q on q.id = a.question_id
      where a.wave_id = ${survey.waveId} order by q.position`.execute(t.services.db)
    expect(rows).toEqual([
      { code: 'useful', option_code: '4' },
      { code: 'informed', option_code: 'dont_know' },
      { code: 'district', option_code: 'south' },
    ])
  })

  it('a statement of a closed wave carries an indicator (the share agreeing), computed from its answers', async () => {
    const closed = await buildSurvey(t.services.db, {
      status: 'closed',
      year: 2025,
      questions: likertGridQuestions,
    })
    await sql`insert into response (wave_id, language, channel, idempotency_key)
      select ${closed.waveId}, 'es', 'web', 'likert-' || n from generate_series(1, 40) n`.execute(
      t.services.db,
    )
    await sql`insert into answer (response_id, question_id, wave_id, option_code)
      select r.id, q.id, ${closed.waveId}, case when r.id % 2 = 0 then '5' else '2' end
      from response r join question q on q.wave_id = r.wave_id and q.code = 'useful'
      where r.wave_id = ${closed.waveId}`.execute(t.services.db)
    const designer = await signedIn(t.app, t.services, closed.organizationId, 'designer')
    const page = '/staff/results/perception/indicators'
    await designer.get(page)
    const saved = await designer.post(page, {
      code: 'finds_useful',
      question: 'useful',
      kind: 'share',
      success: '4, 5',
      excluded: 'dont_know',
      label_es: 'Lo ve útil',
      label_fr: 'La trouve utile',
      label_pt: 'Acha útil',
    })
    expect(saved.status).toBe(303)
    const trends = await designer.get('/staff/results/perception/trends.csv')
    // Half the answers are 5 (agree), half 2: the share agreeing is one half.
    const row = trends.text.split('\n').find((line) => line.startsWith('finds_useful,2025,overall'))
    expect(row?.split(',')[4]).toBe('0.5')
  })

  it('goes out to XLSForm as a header row and list-nolabel rows, and comes back as the same grid', async () => {
    const designer = await signedIn(t.app, t.services, survey.organizationId, 'designer')
    const file = await designer.agent
      .get('/staff/series/perception/waves/2026/xlsform')
      .buffer(true)
      .parse(binary)
    expect(file.status).toBe(200)
    const reading = await readXlsForm(file.body as Buffer, 'es')
    expect(reading.ok).toBe(true)
    if (!reading.ok) return
    expect(reading.warnings).toEqual([])
    expect(reading.questions.map((q) => [q.code, q.type, q.options?.length])).toEqual([
      ['useful', 'likert', 6],
      ['informed', 'likert', 6],
      ['proud', 'likert', 6],
      ['district', 'single_choice', 2],
    ])
  })

  it('reads grids as KoboToolbox writes them: a header with a stem of its own is kept as a note', async () => {
    const reading = await readXlsForm(
      await workbook({
        survey: [
          ['type', 'name', 'label', 'appearance', 'required'],
          ['begin_group', 'grid', 'Opiniones', 'field-list'],
          ['select_one agree', 'header', '¿Está de acuerdo con lo siguiente?', 'label'],
          ['select_one agree', 's1', 'El agua llega mejor', 'list-nolabel', 'yes'],
          ['select_one agree', 's2', 'La comunidad decide', 'list-nolabel'],
          ['end_group'],
        ],
        choices: [
          ['list_name', 'name', 'label'],
          ['agree', 'si', 'Sí'],
          ['agree', 'no', 'No'],
        ],
      }),
      'es',
    )
    expect(reading).toMatchObject({
      ok: true,
      warnings: [],
      questions: [
        { code: 'header', type: 'note', page: 1, text: { es: '¿Está de acuerdo con lo siguiente?' } },
        { code: 's1', type: 'likert', page: 1, required: true, options: [{ code: 'si' }, { code: 'no' }] },
        { code: 's2', type: 'likert', page: 1, required: false },
      ],
    })
  })
})
