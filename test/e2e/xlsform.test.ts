import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import ExcelJS from 'exceljs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDesignerQuestions } from '../../src/designer/designer.repository.ts'
import { readXlsForm } from '../../src/designer/xlsform.ts'
import { bombWorkbook, wideWorkbook, withLyingSizes } from '../fixtures/hostile-workbooks.ts'
import { buildSurvey, sampleQuestions, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { cliInProcess } from '../helpers/cli.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { workbook } from '../helpers/workbook.ts'

let t: TestApp
let survey: BuiltSurvey
let designer: StaffBrowser
const folder = mkdtempSync(path.join(tmpdir(), 'pulso-xlsform-'))

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, {
    year: 2026,
    questions: [
      ...sampleQuestions,
      { code: 'thanks_note', type: 'note', page: 5, text: { es: 'Gracias', fr: 'Merci', pt: 'Obrigado' } },
    ],
  })
  designer = await signedIn(t.app, t.services, survey.organizationId, 'designer')
})
afterAll(() => t.close())

/** The designer downloads the 2026 wave as XLSForm; the body is the workbook's bytes. */
const downloadForm = () =>
  designer.agent
    .get('/staff/series/perception/waves/2026/xlsform')
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => done(null, Buffer.concat(chunks)))
    })

const comparable = (questions: Awaited<ReturnType<typeof loadDesignerQuestions>>) =>
  questions.map(({ id: _id, position: _p, stamps: _s, breakInSeries: _b, ...q }) => q)

describe('XLSForm', () => {
  it('exports a wave from the designer and reads back the same three-language questionnaire', async () => {
    const download = await downloadForm()
    expect(download.status).toBe(200)
    expect(download.headers['content-disposition']).toContain('perception-2026.xlsx')
    const reading = await readXlsForm(download.body as Buffer, 'es')
    expect(reading.ok).toBe(true)
    if (!reading.ok) return
    const original = comparable(await loadDesignerQuestions(t.services.db, survey.waveId))
    expect(reading.questions.map((q) => ({ ...q, help: { es: '', fr: '', pt: '', ...q.help } }))).toEqual(
      original.map(({ help, ...q }) => ({ ...q, help: { es: '', fr: '', pt: '', ...help } })),
    )
  })

  it(
    'round-trips through the command line: export, import into a new wave, export again, the same questionnaire',
    { timeout: 120_000 },
    async () => {
      const database = await cliInProcess()
      const wave2027 = ['--org', 'lisboa-norte', '--series', 'perception', '--wave', '2027']
      const importInto2027 = (file: string) =>
        database.run(['questionnaire:import', ...wave2027, '--file', file])
      try {
        const form = path.join(folder, 'sample.xlsx')
        // Seed the CLI's database by importing a form written from the sample questionnaire.
        const first = (await downloadForm()).body as Buffer
        writeFileSync(form, first)
        expect(
          (
            await database.run([
              'org:create',
              '--slug',
              'lisboa-norte',
              '--name',
              'Lisboa Norte',
              '--source-lang',
              'es',
            ])
          ).status,
        ).toBe(0)
        // The series does not exist yet: a new one is started only when asked (a typo would start one).
        const mistyped = await database.run(['questionnaire:import', ...wave2027, '--file', form])
        expect(mistyped.status).toBe(2)
        expect(mistyped.stderr).toContain(
          '--series: lisboa-norte has no series "perception" (it has none yet); to start a new series, add --create',
        )
        const imported = await database.run(['questionnaire:import', ...wave2027, '--file', form, '--create'])
        expect(imported.stderr).toBe('')
        expect(imported.stdout).toBe('Imported 9 questions into lisboa-norte/perception/2027 (draft).')
        // A hostile workbook is refused from its shape, before any reader builds it; nothing changes.
        const wide = path.join(folder, 'wide.xlsx')
        writeFileSync(wide, await wideWorkbook())
        const refusedWide = await importInto2027(wide)
        expect(refusedWide.status).toBe(2)
        expect(refusedWide.stderr).toContain('a sheet uses column XFD; at most 100 columns are read')
        const again = path.join(folder, 'again.xlsx')
        const exported = await database.run(['questionnaire:export', ...wave2027, '--file', again])
        expect(exported.status).toBe(0)
        const [a, b] = await Promise.all([readXlsForm(first, 'es'), readXlsForm(readFileSync(again), 'es')])
        expect(a.ok && b.ok).toBe(true)
        if (a.ok && b.ok) expect(b.questions).toEqual(a.questions)

        // The wave opens by the same rules as in the designer: without a French title, it does not.
        const db = database.db()
        const titles = await sql<{ title: object }>`select title from survey_series`.execute(db)
        expect(titles.rows[0]!.title).toEqual({ es: 'Percepción', fr: 'Perception', pt: 'Perceção' })
        await sql`update survey_series set title = '{"es":"Percepción","pt":"Perceção"}'`.execute(db)
        // And a question without its French text: named by its words and its code.
        const { rows: firstQuestion } = await sql<{
          id: number
          code: string
          text: { es: string; fr: string }
        }>`
          select q.id, q.code, q.text from question q join wave w on w.id = q.wave_id
          where w.year = 2027 and q.type <> 'note' order by q.position limit 1`.execute(db)
        await sql`update question set text = text - 'fr' where id = ${firstQuestion[0]!.id}`.execute(db)
        const refused = await database.run(['wave:open', ...wave2027])
        expect(refused.status).toBe(2)
        expect(refused.stderr).toContain('the series title is missing in French')
        expect(refused.stderr).toContain(`«${firstQuestion[0]!.text.es.slice(0, 59)}`)
        expect(refused.stderr).toContain(
          `(${firstQuestion[0]!.code}): the question text is missing in French`,
        )
        expect(refused.stderr).not.toMatch(/translationMissing|language=fr/)
        await sql`update survey_series set title = '{"es":"Percepción","fr":"Perception","pt":"Perceção"}'`.execute(
          db,
        )
        await sql`update question set text = ${JSON.stringify(firstQuestion[0]!.text)}::jsonb where id = ${firstQuestion[0]!.id}`.execute(
          db,
        )
        const opened = await database.run(['wave:open', ...wave2027])
        expect(opened.stderr).toBe('')
        expect(opened.stdout).toContain('Opened perception/2027')
        const frozen = await importInto2027(form)
        expect(frozen.status).toBe(2)
        expect(frozen.stderr).toContain('frozen')
        expect((await database.run(['wave:close', ...wave2027])).stdout).toContain('Closed')
      } finally {
        await database.cleanup().catch(() => {})
      }
    },
  )

  it('imports through the designer: an upload replaces a draft’s questions, a bad one changes nothing', async () => {
    await designer.get('/staff/series/perception')
    expect(
      (await designer.post('/staff/series/perception/waves', { year: '2028', start: 'empty' })).status,
    ).toBe(303)
    const page = await designer.get('/staff/series/perception/waves/2028')
    const action = /action="([^"]*\/import\?_csrf=[^"]*)"/.exec(page.text)![1]!.replace(/&amp;/g, '&')
    const exported = (await downloadForm()).body as Buffer
    const count = async () =>
      (
        await sql<{
          n: number
        }>`select count(*)::int as n from question q join wave w on w.id = q.wave_id where w.year = 2028`.execute(
          t.services.db,
        )
      ).rows[0]!.n

    const bad = await designer.agent
      .post(decodeURIComponent(action).replace(/_csrf=.*/, `_csrf=${encodeURIComponent(designer.token)}`))
      .attach('form', Buffer.from('not a workbook'), 'form.xlsx')
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('No se importó nada')
    expect(bad.text).toContain('el archivo no es un libro .xlsx')
    expect(await count()).toBe(0)

    const noToken = await designer.agent
      .post('/staff/series/perception/waves/2028/import')
      .attach('form', exported, 'form.xlsx')
    expect(noToken.status).toBe(403)

    const good = await designer.agent
      .post(`/staff/series/perception/waves/2028/import?_csrf=${encodeURIComponent(designer.token)}`)
      .attach('form', exported, 'form.xlsx')
    expect(good.status).toBe(303)
    expect(await count()).toBe(9)
    const fresh = comparable(await loadDesignerQuestions(t.services.db, survey.waveId))
    const wave2028 = (
      await sql<{
        id: number
      }>`select id from wave where year = 2028 and series_id = ${survey.seriesId}`.execute(t.services.db)
    ).rows[0]!.id
    expect(comparable(await loadDesignerQuestions(t.services.db, wave2028))).toEqual(fresh)
  })

  it('reads the short label::es columns, groups as pages, relevant and constraints', async () => {
    const file = await workbook({
      survey: [
        ['type', 'name', 'label::es', 'label::fr', 'label::pt', 'required', 'relevant', 'constraint'],
        ['begin_group', 'p1'],
        ['select_one yn', 'aware', '¿Conoce?', 'Connaissez-vous ?', 'Conhece?', 'yes'],
        ['end_group'],
        ['begin_group', 'p2'],
        [
          'select_multiple acts',
          'acts',
          '¿Cuáles?',
          'Lesquelles ?',
          'Quais?',
          '',
          "selected(${aware}, 'yes')",
        ],
        ['integer', 'age', 'Edad', 'Âge', 'Idade', '', '', '. >= 16 and . <= 110'],
        ['end_group'],
      ],
      choices: [
        ['list_name', 'name', 'label::es', 'label::fr', 'label::pt'],
        ['yn', 'yes', 'Sí', 'Oui', 'Sim'],
        ['yn', 'no', 'No', 'Non', 'Não'],
        ['acts', 'twinning', 'Hermanamientos', 'Jumelages', 'Geminações'],
      ],
    })
    const reading = await readXlsForm(file, 'es')
    expect(reading).toMatchObject({
      ok: true,
      questions: [
        { code: 'aware', type: 'yes_no', page: 1, required: true },
        { code: 'acts', type: 'multiple_choice', page: 2, showIf: { question: 'aware', anyOf: ['yes'] } },
        { code: 'age', type: 'integer', page: 2, min: 16, max: 110 },
      ],
    })
  })

  it('leaves out every unsupported or malformed row, naming its sheet, row and reason, and imports the rest', async () => {
    const file = await workbook({
      survey: [
        ['type', 'name', 'label::Español (es)', 'relevant', 'constraint'],
        ['begin_repeat', 'members', 'Miembros'],
        ['end_repeat'],
        ['calculate', 'total', ''],
        ['geopoint', 'where', '¿Dónde?'],
        ['select_one missing_list', 'q1', 'Uno'],
        ['text', 'Bad Name', 'Dos'],
        ['integer', 'n', 'Tres', '', '. > 5 or . < 2'],
        ['text', 'later', 'Cuatro', '${n} > ${kept}'],
        ['text', 'kept', 'Cinco'],
      ],
      choices: [['list_name', 'name', 'label::Español (es)']],
    })
    const reading = await readXlsForm(file, 'es')
    expect(reading.ok).toBe(true)
    if (!reading.ok) return
    // The integer is kept without the constraint it cannot read; the condition on it cannot be
    // followed, so that question is left out rather than shown to everyone.
    expect(reading.questions.map((q) => [q.code, q.min, q.max])).toEqual([
      ['n', null, null],
      ['kept', null, null],
    ])
    expect(reading.warnings.map((p) => `${p.sheet}:${p.row}`)).toEqual([
      'survey:2',
      'survey:4',
      'survey:5',
      'survey:6',
      'survey:7',
      'survey:8',
      'survey:9',
    ])
    expect(reading.warnings[0]!.reason).toContain('not supported')
    expect(reading.warnings[3]!.reason).toContain('choice list "missing_list"')
    expect(reading.warnings[5]!.reason).toContain('constraint')
    expect(reading.warnings[6]!.reason).toContain('relevant')

    // Nothing usable at all: refused, with every row that was left out.
    const nothing = await readXlsForm(
      await workbook({
        survey: [
          ['type', 'name', 'label'],
          ['calculate', 'total', ''],
        ],
      }),
      'es',
    )
    expect(nothing).toMatchObject({
      ok: false,
      problems: [{ row: 2, key: 'unsupportedType' }, { key: 'noQuestions' }],
    })
  })

  it('refuses bytes that are not a workbook and oversized forms; reads formulas as their values and forms without choices', async () => {
    expect(await readXlsForm(Buffer.from('type,name\ntext,q'), 'es')).toMatchObject({
      ok: false,
      problems: [{ reason: 'the file is not an .xlsx workbook' }],
    })
    expect(
      await readXlsForm(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]), 'es'),
    ).toMatchObject({ ok: false })
    const noChoices = await workbook({
      survey: [
        ['type', 'name', 'label'],
        ['text', 'q', 'Q'],
      ],
    })
    // A form without selects needs no choices sheet; `label` alone is the source language's.
    expect(await readXlsForm(noChoices, 'es')).toMatchObject({
      ok: true,
      questions: [{ code: 'q', text: { es: 'Q' } }],
      warnings: [],
    })
    const noSurvey = await workbook({ Choices: [['list_name', 'name', 'label']] })
    expect(await readXlsForm(noSurvey, 'es')).toMatchObject({
      ok: false,
      problems: [{ sheet: 'survey', reason: 'the workbook has no "survey" sheet' }],
    })

    const wb = new ExcelJS.Workbook()
    const s = wb.addWorksheet('survey')
    s.addRow(['type', 'name', 'label'])
    s.addRow(['text', 'q', 'Q'])
    s.getCell('C2').value = { formula: 'CONCAT("a","b")', result: 'ab' }
    wb.addWorksheet('choices').addRow(['list_name', 'name', 'label'])
    const formula = await readXlsForm(Buffer.from(await wb.xlsx.writeBuffer()), 'es')
    expect(formula).toMatchObject({ ok: true, questions: [{ code: 'q', text: { es: 'ab' } }] })

    const many = await workbook({
      survey: [
        ['type', 'name', 'label'],
        ...Array.from({ length: 10_000 }, (_, i) => ['text', `q${i}`, 'Q']),
      ],
      choices: [['list_name', 'name', 'label']],
    })
    expect(await readXlsForm(many, 'es')).toMatchObject({
      ok: false,
      problems: [{ reason: expect.stringContaining('10001 rows') }],
    })

    const huge = await workbook({
      survey: [
        ['type', 'name', 'label'],
        ['text', 'q', 'x'.repeat(5000)],
      ],
      choices: [['list_name', 'name', 'label']],
    })
    expect(await readXlsForm(huge, 'es')).toMatchObject({
      ok: false,
      problems: expect.arrayContaining([
        expect.objectContaining({ reason: expect.stringContaining('longer than') }),
      ]),
    })
  })

  it('refuses hostile workbooks from their shape, before reading them, with a localized reason; a frozen wave first', async () => {
    await designer.get('/staff/series/perception')
    await designer.post('/staff/series/perception/waves', { year: '2029', start: 'empty' })
    await designer.get('/staff/series/perception/waves/2029')
    const upload = (year: number, file: Buffer, lang = 'es') =>
      designer.agent
        .post(
          `/staff/series/perception/waves/${year}/import?lang=${lang}&_csrf=${encodeURIComponent(designer.token)}`,
        )
        .attach('form', file, 'form.xlsx')
    const questionsOf2029 = async () =>
      (
        await sql<{ n: number }>`select count(*)::int as n from question q join wave w on w.id = q.wave_id
          where w.year = 2029`.execute(t.services.db)
      ).rows[0]!.n
    const bomb = await bombWorkbook(100)
    for (const [file, es, fr] of [
      [await wideWorkbook(), 'una hoja usa la columna XFD', 'une feuille utilise la colonne XFD'],
      [bomb, 'el libro descomprimido ocupa más de 25 MB', 'le classeur décompressé dépasse 25 Mo'],
      [withLyingSizes(bomb), 'el archivo .xlsx no se puede leer', 'le classeur .xlsx est illisible'],
    ] as const) {
      const res = await upload(2029, file)
      expect(res.status).toBe(400)
      expect(res.text).toContain(es)
      const french = await upload(2029, file, 'fr')
      expect(french.text).toContain(fr)
    }
    expect(await questionsOf2029()).toBe(0)
    // The 2026 wave is open: its questionnaire is frozen, and the file is not even read.
    const frozen = await upload(2026, bomb)
    expect(frozen.status).toBe(409)
  })
})
