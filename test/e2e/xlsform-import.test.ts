import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDesignerQuestions } from '../../src/designer/designer.repository.ts'
import { readXlsForm } from '../../src/designer/xlsform.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { sql } from 'kysely'
import { workbook } from '../helpers/workbook.ts'

// Forms as people write them in KoboToolbox, ODK or by hand: Pulso reads what it can, keeps choice
// names exactly, and names every row it leaves out, in the designer's language.

/** A perception form in KoboToolbox's style: capitalised sheets, one language, its own choice names. */
const koboStyle = () =>
  workbook({
    Survey: [
      [
        'Type',
        'Name',
        'Label',
        'Label::English (en)',
        'Hint',
        'Required',
        'Relevant',
        'Constraint',
        'Choice_Filter',
      ],
      ['start', 'start', ''],
      ['select one from yes_no', 'aware', '¿Conoce la acción internacional?', 'Do you know…?', '', 'yes'],
      ['select_one age', 'age_band', 'Edad', 'Age', 'En años cumplidos', 'true'],
      ['select_one district', 'district', 'Distrito', 'District', '', '', '', '', ''],
      [
        'select_multiple topics or_other',
        'topics',
        '¿Qué temas?',
        'Which topics?',
        '',
        '',
        "selected(${aware}, 'Sí')",
      ],
      ['integer', 'people', 'Personas en el hogar', 'People', '', '', '', '. >= 1 and . <= 30'],
      ['date', 'since', '¿Desde cuándo vive aquí?', 'Since when?'],
      ['geopoint', 'where', '¿Dónde?', 'Where?'],
      ['begin_repeat', 'members', 'Miembros'],
      ['text', 'member_name', 'Nombre'],
      ['end_repeat'],
      ['calculate', 'total', ''],
      ['select_one city', 'city', 'Ciudad', 'City', '', '', '', '', 'district=${district}'],
    ],
    choices: [
      ['list_name', 'name', 'label', 'label::English (en)', 'district'],
      ['yes_no', 'Sí', 'Sí', 'Yes'],
      ['yes_no', 'No', 'No', 'No'],
      ['age', '16-29', 'De 16 a 29', '16-29'],
      ['age', '30-64', 'De 30 a 64', '30-64'],
      ['age', '65+', '65 o más', '65+'],
      ['district', 'Centro', 'Centro', 'Centre'],
      ['district', 'Norte', 'Norte', 'North'],
      ['topics', 'agua.potable', 'Agua potable', 'Water'],
      ['topics', 'Centro', 'Cooperación en el centro', 'Centre'],
      ['city', 'Centro', 'Ciudad centro', 'Centre', 'Centro'],
      ['city', 'Norte', 'Ciudad norte', 'North', 'Norte'],
    ],
    settings: [
      ['form_title', 'form_id'],
      ['Percepción 2027', 'percepcion_2027'],
    ],
  })

let t: TestApp
let survey: BuiltSurvey
let designer: StaffBrowser

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { year: 2026 })
  designer = await signedIn(t.app, t.services, survey.organizationId, 'designer')
})
afterAll(() => t.close())

describe('importing forms as people write them', () => {
  it('reads sheets and columns in any case, `select one from`, formulas’ values, and keeps choice names exactly', async () => {
    const reading = await readXlsForm(await koboStyle(), 'es')
    expect(reading.ok).toBe(true)
    if (!reading.ok) return
    const byCode = Object.fromEntries(reading.questions.map((q) => [q.code, q]))
    expect(Object.keys(byCode)).toEqual([
      'aware',
      'age_band',
      'district',
      'topics',
      'topics_other',
      'people',
      'since',
      'city',
    ])
    expect(byCode.aware).toMatchObject({
      type: 'single_choice',
      required: true,
      text: { es: '¿Conoce la acción internacional?' },
    })
    expect(byCode.age_band!.options!.map((o) => o.code)).toEqual(['16-29', '30-64', '65+'])
    expect(byCode.age_band!.help).toEqual({ es: 'En años cumplidos' })
    expect(byCode.district!.options!.map((o) => o.code)).toEqual(['Centro', 'Norte'])
    // The same name in two lists, each with its own label; or_other adds "other" as pyxform does.
    expect(byCode.topics!.options!.map((o) => [o.code, o.label.es])).toEqual([
      ['agua.potable', 'Agua potable'],
      ['Centro', 'Cooperación en el centro'],
      ['other', 'Otro'],
    ])
    // …and the question asking which, on the same page, shown when "other" is ticked.
    expect(byCode.topics_other).toMatchObject({
      type: 'short_text',
      page: byCode.topics!.page,
      required: false,
      showIf: { question: 'topics', anyOf: ['other'] },
      text: { es: 'Especifique cuál', fr: 'Précisez', pt: 'Especifique qual' },
    })
    expect(byCode.topics).toMatchObject({
      type: 'multiple_choice',
      showIf: { question: 'aware', anyOf: ['Sí'] },
    })
    expect(byCode.people).toMatchObject({ type: 'integer', min: 1, max: 30 })
    expect(byCode.since).toMatchObject({ type: 'date' })

    // Every row left out, and every column or feature not carried, named by sheet and row.
    expect(reading.warnings.map((w) => `${w.sheet}:${w.row}:${w.key}`)).toEqual([
      'survey:1:languageColumn',
      'choices:1:languageColumn',
      'survey:2:unsupportedType',
      'survey:9:unsupportedType',
      'survey:10:unsupportedType',
      'survey:11:insideRepeat',
      'survey:13:unsupportedType',
      'survey:14:choiceFilter',
    ])
  })

  it('reads relevant with and, or, not(), selected(), =, !=, <, > on earlier answers, on the same page too, and a group’s relevant', async () => {
    const reading = await readXlsForm(
      await workbook({
        survey: [
          ['type', 'name', 'label', 'relevant', 'appearance'],
          ['begin_group', 'g1', 'Grupo', '', 'field-list'],
          ['select_one yn', 'aware', '¿Conoce?'],
          ['integer', 'times', '¿Cuántas veces?', "${aware} = 'yes'"],
          ['text', 'what', '¿Qué conoce?', "selected(${aware}, 'yes') and ${times} > 2"],
          ['text', 'why_not', '¿Por qué no?', "not(selected(${aware}, 'yes'))"],
          ['text', 'odd', 'Raro', "${aware} != 'no' or ${times} < 1"],
          ['text', 'counted', 'Contado', 'count-selected(${aware}) > 1'],
          ['text', 'ahead', 'Adelantado', "${later} = 'x'"],
          ['text', 'nochoice', 'Sin opción', "selected(${aware}, 'maybe')"],
          ['end_group'],
          ['begin_group', 'g2', 'Solo si conoce', "${aware} = 'yes'", 'field-list'],
          ['text', 'more', 'Cuéntenos más', '${times} >= 3'],
          ['text', 'later', 'Después'],
          ['select_one yn or specify other', 'how', '¿Cómo?'],
          ['end_group'],
          ['begin_group', 'g3', 'Ilegible', 'string-length(${what}) > 3'],
          ['text', 'lost', 'Perdida'],
          ['end_group'],
        ],
        choices: [
          ['list_name', 'name', 'label'],
          ['yn', 'yes', 'Sí'],
          ['yn', 'no', 'No'],
        ],
      }),
      'es',
    )
    expect(reading.ok).toBe(true)
    if (!reading.ok) return
    const showIf = Object.fromEntries(reading.questions.map((q) => [q.code, [q.page, q.showIf]]))
    expect(showIf).toEqual({
      aware: [1, null],
      times: [1, { question: 'aware', compare: '=', value: 'yes' }],
      what: [
        1,
        {
          all: [
            { question: 'aware', anyOf: ['yes'] },
            { question: 'times', compare: '>', value: 2 },
          ],
        },
      ],
      why_not: [1, { not: { question: 'aware', anyOf: ['yes'] } }],
      odd: [
        1,
        {
          any: [
            { question: 'aware', compare: '!=', value: 'no' },
            { question: 'times', compare: '<', value: 1 },
          ],
        },
      ],
      // The group's condition and the question's, both.
      more: [
        2,
        {
          all: [
            { question: 'aware', compare: '=', value: 'yes' },
            { question: 'times', compare: '>=', value: 3 },
          ],
        },
      ],
      later: [2, { question: 'aware', compare: '=', value: 'yes' }],
      // "or specify other", pyxform's other spelling of or_other.
      how: [2, { question: 'aware', compare: '=', value: 'yes' }],
      how_other: [2, { question: 'how', anyOf: ['other'] }],
    })
    expect(reading.warnings.map((w) => [w.row, w.key, w.params.value])).toEqual([
      [8, 'relevant', 'count-selected(${aware}) > 1'],
      [9, 'relevantEarlier', 'later'],
      [10, 'relevantOption', 'maybe'],
      [17, 'relevant', 'string-length(${what}) > 3'],
      [18, 'groupLeftOut', 'lost'],
    ])
  })

  it('reads required_message and constraint_message, in the source language and per language', async () => {
    const reading = await readXlsForm(
      await workbook({
        survey: [
          [
            'type',
            'name',
            'label',
            'required',
            'required_message',
            'required_message::Français (fr)',
            'constraint',
            'constraint_message',
          ],
          [
            'integer',
            'age',
            'Edad',
            'yes',
            'Díganos su edad',
            'Dites-nous votre âge',
            '. >= 16 and . <= 110',
            'Entre 16 y 110',
          ],
          ['text', 'name', 'Nombre', '', 'Ignorado: no es obligatoria'],
        ],
      }),
      'es',
    )
    expect(reading).toMatchObject({
      ok: true,
      questions: [
        {
          code: 'age',
          messages: {
            required: { es: 'Díganos su edad', fr: 'Dites-nous votre âge' },
            constraint: { es: 'Entre 16 y 110' },
          },
        },
        { code: 'name', messages: {} },
      ],
    })
  })

  it('reads constraints of simple comparisons, either way round; a strict bound on whole numbers is the next one', async () => {
    const reading = await readXlsForm(
      await workbook({
        survey: [
          ['type', 'name', 'label', 'constraint'],
          ['integer', 'people', 'Personas', '. > 0 and . < 31'],
          ['integer', 'age', 'Edad', '16 <= . and 110 >= .'],
          ['decimal', 'litres', 'Litros', '.>=0.5'],
          ['decimal', 'share', 'Parte', '. > 0'],
          ['integer', 'other', 'Otra', '. > ${people}'],
        ],
      }),
      'es',
    )
    expect(reading.ok).toBe(true)
    if (!reading.ok) return
    expect(reading.questions.map((q) => [q.code, q.min, q.max])).toEqual([
      ['people', 1, 30],
      ['age', 16, 110],
      ['litres', 0.5, null],
      ['share', null, null],
      ['other', null, null],
    ])
    // What cannot be kept as bounds is said, row by row; the questions are kept without it.
    expect(reading.warnings.map((w) => [w.row, w.key])).toEqual([
      [5, 'constraint'],
      [6, 'constraint'],
    ])
  })

  it('through the designer: the form is imported and the page lists what was left out, in the designer’s words', async () => {
    await designer.get('/staff/series/perception')
    expect(
      (await designer.post('/staff/series/perception/waves', { year: '2027', start: 'empty' })).status,
    ).toBe(303)
    await designer.get('/staff/series/perception/waves/2027')
    const imported = await designer.agent
      .post(`/staff/series/perception/waves/2027/import?_csrf=${encodeURIComponent(designer.token)}`)
      .attach('form', await koboStyle(), 'kobo.xlsx')
    expect(imported.status).toBe(303)
    const page = await designer.get(imported.headers.location!)
    expect(page.status).toBe(200)
    expect(page.text).toContain('Cuestionario importado.')
    expect(page.text).toContain('Se importó el cuestionario, pero se omitió lo siguiente:')
    expect(page.text).toContain('Hoja survey, fila 9: el tipo «geopoint» no se admite')
    expect(page.text).toContain(
      'Hoja survey, fila 1: la columna «Label::English (en)» está en un idioma que Pulso no ofrece',
    )
    expect(page.text).toContain('Hoja survey, fila 14: choice_filter')
    // No internal codes on the page.
    expect(page.text).not.toMatch(/unsupportedType|languageColumn|orOther/)
    const wave = (
      await sql<{
        id: number
      }>`select id from wave where year = 2027 and series_id = ${survey.seriesId}`.execute(t.services.db)
    ).rows[0]!.id
    const stored = await loadDesignerQuestions(t.services.db, wave)
    expect(stored.find((q) => q.code === 'age_band')!.options.map((o) => o.code)).toEqual([
      '16-29',
      '30-64',
      '65+',
    ])
    expect(stored.find((q) => q.code === 'district')!.options.map((o) => o.code)).toEqual(['Centro', 'Norte'])
  })
})
