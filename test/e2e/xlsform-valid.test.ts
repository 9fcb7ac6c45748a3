import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import ExcelJS from 'exceljs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { feedbackQuestionnaire } from '../../src/demo/feedback-demo.ts'
import { perceptionQuestionnaire } from '../../src/demo/perception-questionnaire.ts'
import { loadDesignerQuestions } from '../../src/designer/designer.repository.ts'
import type { QuestionDraft } from '../../src/questionnaire/questionnaire.repository.ts'
import { everyTypeQuestions } from '../fixtures/every-type.ts'
import { buildSurvey, sampleQuestions, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { trendQuestions } from '../fixtures/trends/questionnaire.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { xlsformCheck, xlsformCheckAvailable } from '../helpers/xlsform-check.ts'
import { binary } from '../helpers/zip.ts'
import { inAnsweringOrder } from '../../src/questionnaire/questionnaire.ts'
import { samePageQuestions } from '../fixtures/same-page-conditions.ts'
import { likertGridQuestions } from '../fixtures/likert-grid.ts'

// Every questionnaire Pulso exports is an XLSForm that pyxform (KoboToolbox's and ODK's converter)
// converts, and comes back through Pulso's import as the same questionnaire.

const folder = mkdtempSync(path.join(tmpdir(), 'pulso-xlsform-valid-'))
const tr = (text: string) => ({ es: `${text} (es)`, fr: `${text} (fr)`, pt: `${text} (pt)` })

const questionnaires: Record<string, QuestionDraft[]> = {
  demoPerception: perceptionQuestionnaire,
  demoFeedback: feedbackQuestionnaire,
  sample: sampleQuestions,
  everyType: everyTypeQuestions,
  trends: trendQuestions,
  samePageConditions: samePageQuestions,
  likertGrid: likertGridQuestions,
  // A question added to page 2 after page 5 was written: it is still on page 2 in the file.
  addedLater: [...sampleQuestions, { code: 'added_late', type: 'short_text', page: 2, text: tr('Añadida') }],
}

let t: TestApp
const built = new Map<string, { survey: BuiltSurvey; designer: StaffBrowser }>()

beforeAll(async () => {
  t = await createTestApp()
  for (const [name, questions] of Object.entries(questionnaires)) {
    const survey = await buildSurvey(t.services.db, { year: 2026, questions })
    built.set(name, {
      survey,
      designer: await signedIn(t.app, t.services, survey.organizationId, 'designer'),
    })
  }
})
afterAll(() => t.close())

const download = async (designer: StaffBrowser, year: number) => {
  const res = await designer.agent
    .get(`/staff/series/perception/waves/${year}/xlsform`)
    .buffer(true)
    .parse(binary)
  expect(res.status).toBe(200)
  return res.body as Buffer
}

/** Every sheet's cells as text, row by row. */
async function sheets(file: Buffer): Promise<Record<string, string[][]>> {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(file as unknown as ArrayBuffer)
  const out: Record<string, string[][]> = {}
  workbook.eachSheet((sheet) => {
    const rows: string[][] = []
    sheet.eachRow({ includeEmpty: true }, (row) => {
      const cells: string[] = []
      row.eachCell({ includeEmpty: true }, (cell, column) => (cells[column - 1] = cell.text))
      rows.push(cells)
    })
    out[sheet.name] = rows
  })
  return out
}

// In the order respondents meet them: page by page, then as placed on the page.
const comparable = (questions: Awaited<ReturnType<typeof loadDesignerQuestions>>) =>
  inAnsweringOrder(questions).map(({ id: _id, position: _p, stamps: _s, breakInSeries: _b, ...q }) => q)

describe('XLSForm exports', () => {
  it.skipIf(!xlsformCheckAvailable)(
    'every demo and fixture questionnaire converts with pyxform, without an error',
    { timeout: 120_000 },
    async () => {
      const files: string[] = []
      for (const [name, { designer }] of built) {
        const file = path.join(folder, `${name}.xlsx`)
        writeFileSync(file, await download(designer, 2026))
        files.push(file)
      }
      const check = xlsformCheck(files)
      expect(check.output).not.toContain('invalid')
      expect(check.ok, check.output).toBe(true)
      expect(check.output.match(/^ok /gm)).toHaveLength(files.length)
    },
  )

  it('export, import into a new wave, export again: the same questionnaire and the same sheets', async () => {
    for (const [name, { survey, designer }] of built) {
      const first = await download(designer, 2026)
      expect(
        (await designer.post('/staff/series/perception/waves', { year: '2027', start: 'empty' })).status,
      ).toBe(303)
      await designer.get('/staff/series/perception/waves/2027')
      const imported = await designer.agent
        .post(`/staff/series/perception/waves/2027/import?_csrf=${encodeURIComponent(designer.token)}`)
        .attach('form', first, 'form.xlsx')
      expect(imported.status, name).toBe(303)
      const wave2027 = (
        await sql<{
          id: number
        }>`select id from wave where year = 2027 and series_id = ${survey.seriesId}`.execute(t.services.db)
      ).rows[0]!.id
      // Pages, order, codes, conditions, texts, options: all as they were.
      expect(comparable(await loadDesignerQuestions(t.services.db, wave2027)), name).toEqual(
        comparable(await loadDesignerQuestions(t.services.db, survey.waveId)),
      )
      const [a, b] = await Promise.all([sheets(first), sheets(await download(designer, 2027))])
      expect(b.survey, name).toEqual(a.survey)
      expect(b.choices, name).toEqual(a.choices)
      // The settings name the wave: only its year differs.
      const settings = (s: string[][]) =>
        s.map((row) => row.map((cell) => cell.replace(/2026|2027/g, 'YEAR')))
      expect(settings(b.settings!), name).toEqual(settings(a.settings!))
    }
  })

  it('a question added to a page later is written on that page, in one group per page', async () => {
    const { designer } = built.get('addedLater')!
    const { survey } = await sheets(await download(designer, 2026))
    const groups = survey!.filter((row) => row[0] === 'begin_group').map((row) => row[1])
    expect(new Set(groups).size).toBe(groups.length)
    const rows = survey!.map((row) => (row[0] === 'begin_group' ? `[${row[1]}]` : row[1]))
    expect(rows.indexOf('added_late')).toBeGreaterThan(rows.indexOf('[page_2]'))
    expect(rows.indexOf('added_late')).toBeLessThan(rows.indexOf('[page_3]'))
  })
})
