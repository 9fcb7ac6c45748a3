import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readXlsForm } from '../../src/designer/xlsform.ts'
import {
  QUESTION_TYPES,
  questionType,
  type QuestionType,
} from '../../src/questionnaire/question-types/index.ts'
import { code, everyTypeQuestions as questions } from '../fixtures/every-type.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { Respondent } from '../helpers/respondent.ts'
import { signedIn } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { binary, unzip } from '../helpers/zip.ts'

// Question types are plugins: this file walks the registry, so a type added there is answered, refused,
// stored, exported and published here without a line of it naming the type, except its sample below.

type Fields = Record<string, string | string[]>
interface Sample {
  /** Valid input, as the browser sends it (field names after the question's own `a_code`). */
  valid: Fields
  /** What is stored for it: option codes, a number or a text. */
  stored: { option_code: string | null; value_number: number | null; value_text: string | null }[]
  /** The cell of the published microdata (absent when the type is not published). */
  cell?: string
  /** Input the type refuses, with the start of the Spanish message; `typed`: shown again as typed. */
  invalid?: { fields: Fields; message: string; typed?: true }
}

const row = (option_code: string | null, value_number: number | null, value_text: string | null) => ({
  option_code,
  value_number,
  value_text,
})
const SAMPLES: Record<QuestionType, Sample> = {
  single_choice: {
    valid: { '': 'b' },
    stored: [row('b', null, null)],
    cell: 'b',
    invalid: { fields: { '': 'z' }, message: 'Elija una de las respuestas' },
  },
  multiple_choice: {
    valid: { '': ['c', 'a'] },
    stored: [row('a', null, null), row('c', null, null)],
    cell: 'a c',
    invalid: { fields: { '': ['a', 'z'] }, message: 'Elija una de las respuestas' },
  },
  scale_5: { valid: { '': '4' }, stored: [row('4', 4, null)], cell: '4' },
  rank: {
    valid: { '-1': 'c', '-2': 'a', '-3': 'b' },
    stored: [row('a', 2, null), row('b', 3, null), row('c', 1, null)],
    cell: 'a=2 b=3 c=1',
    invalid: { fields: { '-1': 'a', '-2': 'a', '-3': 'b' }, message: 'Ordene todas las opciones' },
  },
  likert: {
    valid: { '': '2' },
    stored: [row('2', null, null)],
    cell: '2',
    invalid: { fields: { '': '9' }, message: 'Elija una de las respuestas' },
  },
  scale_0_10: {
    valid: { '': '7' },
    stored: [row(null, 7, null)],
    cell: '7',
    invalid: { fields: { '': '11' }, message: 'Elija una de las respuestas' },
  },
  yes_no: { valid: { '': 'no' }, stored: [row('no', null, null)], cell: 'no' },
  number: {
    valid: { '': '3,5' },
    stored: [row(null, 3.5, null)],
    cell: '3.5',
    invalid: { fields: { '': 'tres' }, message: 'Escriba un número', typed: true },
  },
  integer: {
    valid: { '': '42' },
    stored: [row(null, 42, null)],
    cell: '42',
    invalid: { fields: { '': '4,5' }, message: 'Escriba un número entero', typed: true },
  },
  date: {
    valid: { '-day': '5', '-month': '3', '-year': '2024' },
    stored: [row(null, null, '2024-03-05')],
    cell: '2024-03',
    invalid: {
      fields: { '-day': '31', '-month': '2', '-year': '2025' },
      message: 'Escriba una fecha que exista',
      typed: true,
    },
  },
  short_text: { valid: { '': 'Agua' }, stored: [row(null, null, 'Agua')] },
  long_text: { valid: { '': 'Mucha\nagua' }, stored: [row(null, null, 'Mucha\nagua')] },
  note: { valid: {}, stored: [] },
}

const fieldsOf = (type: QuestionType, fields: Fields) =>
  Object.fromEntries(Object.entries(fields).map(([suffix, value]) => [`a_${code(type)}${suffix}`, value]))

let t: TestApp
let survey: BuiltSurvey

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { year: 2026, questions })
})
afterAll(() => t.close())

const locales = Object.fromEntries(
  (['es', 'fr', 'pt-BR', 'pt-PT'] as const).map((l) => [
    l,
    JSON.parse(readFileSync(path.join('locales', l, 'translation.json'), 'utf8')) as {
      designer: { types: Record<string, string> }
    },
  ]),
)

describe('question types are plugins', () => {
  it('every registered type is whole: its module, its name in every language, its control’s template, a sample here', () => {
    for (const type of QUESTION_TYPES) {
      const module = questionType(type)
      expect(module.type).toBe(type)
      for (const l of ['es', 'fr', 'pt-BR', 'pt-PT'])
        expect(locales[l]!.designer.types[type], `${l} ${type}`).toBeTruthy()
      const question = { ...questions.find((q) => q.type === type)!, id: 1, position: 1 }
      const control = module.control(
        {
          ...question,
          required: true,
          help: {},
          showIf: null,
          messages: {},
          isProfile: false,
          min: null,
          max: null,
          options: question.options ?? [],
        },
        undefined,
        'es',
      )
      expect(existsSync(path.join('src', 'questionnaire', `${control.partial}.ejs`)), control.partial).toBe(
        true,
      )
      expect(SAMPLES[type], `a sample answer for ${type} in this test`).toBeDefined()
    }
  })

  it('a citizen answers one question of every type over plain HTML: empty and invalid input is refused and kept out, valid input stored', async () => {
    const citizen = new Respondent(t.app, survey.url, 'es')
    let page = await citizen.start()
    for (const type of QUESTION_TYPES) {
      const module = questionType(type)
      const sample = SAMPLES[type]
      expect(page, type).toMatch(/\/p\/\d+$/)
      const shown = await citizen.get(page)
      expect(shown.status).toBe(200)
      expect(shown.text).toContain(`Pregunta ${type} (es)`)
      // The control carries every field the valid sample fills.
      for (const name of Object.keys(fieldsOf(type, sample.valid)))
        expect(shown.text, type).toContain(`name="${name}"`)
      if (module.takesAnswer) {
        const empty = await citizen.postRefused(page, {})
        expect(empty.text).toContain('error-summary')
      }
      if (sample.invalid) {
        const refused = await citizen.postRefused(page, fieldsOf(type, sample.invalid.fields))
        expect(refused.text, type).toContain(sample.invalid.message)
        // What was typed is shown again, to be corrected.
        if (sample.invalid.typed)
          for (const value of Object.values(sample.invalid.fields).flat())
            expect(refused.text).toContain(`value="${value}"`)
      }
      const accepted = await citizen.post(page, fieldsOf(type, sample.valid))
      expect(accepted.status, type).toBe(303)
      page = accepted.headers.location!
    }
    expect(page).toBe(`${survey.url}/thanks`)

    const { rows } = await sql<{
      code: string
      option_code: string | null
      value_number: number | null
      value_text: string | null
    }>`
      select q.code, a.option_code, a.value_number::float8 as value_number, a.value_text
      from answer a join question q on q.id = a.question_id
      where a.wave_id = ${survey.waveId} order by q.position, a.option_code`.execute(t.services.db)
    for (const type of QUESTION_TYPES)
      expect(
        rows.filter((r) => r.code === code(type)).map(({ code: _c, ...r }) => r),
        type,
      ).toEqual(SAMPLES[type].stored)
  })

  it('every type goes out to XLSForm and comes back as the same type, bounds and options', async () => {
    const designer = await signedIn(t.app, t.services, survey.organizationId, 'designer')
    const download = await designer.agent
      .get('/staff/series/perception/waves/2026/xlsform')
      .buffer(true)
      .parse(binary)
    expect(download.status).toBe(200)
    const reading = await readXlsForm(download.body as Buffer, 'es')
    expect(reading.ok).toBe(true)
    if (!reading.ok) return
    expect(
      reading.questions.map((q) => [q.code, q.type, q.min, q.max, (q.options ?? []).map((o) => o.code)]),
    ).toEqual(
      questions.map((q) => [
        q.code,
        q.type,
        q.min ?? null,
        q.max ?? null,
        (q.options ?? []).map((o) => o.code),
      ]),
    )
  })

  it('the microdata publishes each type as its plugin says: values where published, no column for words or notes', async () => {
    await sql`update wave set status = 'closed' where id = ${survey.waveId}`.execute(t.services.db)
    const evaluator = await signedIn(t.app, t.services, survey.organizationId, 'evaluator')
    const res = await evaluator.agent
      .get('/staff/results/perception/microdata.zip')
      .buffer(true)
      .parse(binary)
    expect(res.status).toBe(200)
    const files = await unzip(res.body as Buffer)
    const [header, first] = files
      .get('responses-2026.csv')!
      .trim()
      .split(/\r?\n/)
      .map((line) => line.replace(/^\uFEFF/, '').split(','))
    for (const type of QUESTION_TYPES) {
      const column = header!.indexOf(code(type))
      const sample = SAMPLES[type]
      if (sample.cell === undefined) {
        expect(questionType(type).microdata.published, type).toBe(false)
        expect(column, type).toBe(-1)
      } else expect(first![column]?.replace(/^"|"$/g, ''), type).toBe(sample.cell)
    }
    const datapackage = JSON.parse(files.get('datapackage.json')!) as {
      resources: { schema: { fields: { name: string; type: string }[] } }[]
    }
    const fields = datapackage.resources[0]!.schema.fields
    expect(fields.find((f) => f.name === code('date'))?.type).toBe('yearmonth')
    expect(fields.find((f) => f.name === code('integer'))?.type).toBe('integer')
  })
})
