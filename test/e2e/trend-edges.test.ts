import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  insertOrganization,
  insertQuestions,
  insertSeries,
  insertWave,
} from '../../src/questionnaire/questionnaire.repository.ts'
import { readResponsesCsv, storeResponses } from '../../src/results/response-import.ts'
import { saveIndicator } from '../../src/results/results.repository.ts'
import { loadQuestionnaire } from '../../src/survey/survey.repository.ts'
import { trendQuestions } from '../fixtures/trends/questionnaire.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Shares of 0 and 1, and groups of one or two respondents: R's binom.test gives the exact intervals
// (test/fixtures/edges/reference.R and its output).
const reference = parse<{ n: string; successes: string; ci_low: string; ci_high: string }>(
  readFileSync(path.resolve(import.meta.dirname, '../fixtures/edges/clopper-pearson.csv'), 'utf8'),
  { columns: true },
)
const exact = (n: number, successes: number) =>
  reference.find((r) => Number(r.n) === n && Number(r.successes) === successes)!

let t: TestApp
let evaluator: StaffBrowser
type Row = {
  indicator: string
  breakdown: string
  group: string
  estimate: number | null
  ciLow: number | null
  ciHigh: number | null
  n: number | null
  suppressed: boolean
  ciMethod: string
}
let rows: Row[]

beforeAll(async () => {
  t = await createTestApp()
  const organizationId = await insertOrganization(t.services.db, { slug: 'edge-city', name: 'Edge City' })
  const seriesId = await insertSeries(t.services.db, {
    organizationId,
    code: 'perception',
    title: { es: 'P', fr: 'P', pt: 'P' },
  })
  const waveId = await insertWave(t.services.db, { seriesId, year: 2026, status: 'closed' })
  await insertQuestions(t.services.db, waveId, trendQuestions)
  // Everybody knows the city's international action: 35 of 35, in groups of 7, 2, 1 and 25.
  const groups: [string, number][] = [
    ['centro', 7],
    ['sur', 2],
    ['este', 1],
    ['norte', 25],
  ]
  const csv = ['aware,district', ...groups.flatMap(([district, n]) => Array(n).fill(`yes,${district}`))].join(
    '\n',
  )
  const questionnaire = await loadQuestionnaire(t.services.db, waveId)
  const reading = readResponsesCsv(csv, questionnaire, waveId)
  if (!reading.ok) throw new Error(JSON.stringify(reading.problems))
  await storeResponses(t.services.db, questionnaire, reading.responses)
  for (const [position, [code, success]] of [
    ['aware_yes', 'yes'],
    ['aware_no', 'no'],
  ].entries())
    await saveIndicator(t.services.db, seriesId, {
      code: code!,
      questionCode: 'aware',
      kind: 'share',
      successCodes: [success!],
      excludedCodes: ['dont_know'],
      label: { es: code!, fr: code!, pt: code! },
      position,
    })
  // Staff may lower the minimum group size to 1: groups of one still never print NaN.
  await sql`update survey_series set min_group_size = 1 where id = ${seriesId}`.execute(t.services.db)
  evaluator = await signedIn(t.app, t.services, organizationId, 'evaluator')
  rows = JSON.parse((await evaluator.get('/staff/results/perception/trends.json?by=district')).text).rows
})
afterAll(() => t.close())

const row = (indicator: string, breakdown: string, group = '') =>
  rows.find((r) => r.indicator === indicator && r.breakdown === breakdown && r.group === group)!

describe('shares of 0 or 1, and tiny groups', () => {
  it('give the exact Clopper-Pearson interval on the unweighted n, as R’s binom.test does', () => {
    for (const [indicator, breakdown, group, n] of [
      ['aware_yes', 'overall', '', 35],
      ['aware_no', 'overall', '', 35],
      ['aware_yes', 'district', 'centro', 7],
      ['aware_no', 'district', 'centro', 7],
      ['aware_yes', 'district', 'sur', 2],
      ['aware_no', 'district', 'sur', 2],
    ] as const) {
      const r = row(indicator, breakdown, group)
      const successes = indicator === 'aware_yes' ? n : 0
      const ref = exact(n, successes)
      expect(r.estimate).toBe(successes / n)
      expect(r.ciMethod).toBe('clopper-pearson')
      expect(Math.abs(r.ciLow! - Number(ref.ci_low)), `${indicator} ${group} low`).toBeLessThan(1e-12)
      expect(Math.abs(r.ciHigh! - Number(ref.ci_high)), `${indicator} ${group} high`).toBeLessThan(1e-12)
    }
  })

  it('withhold a group of one respondent as not estimable, and print no NaN or Infinity anywhere', async () => {
    expect(row('aware_yes', 'district', 'este')).toMatchObject({
      suppressed: true,
      estimate: null,
      ciLow: null,
    })
    for (const path of [
      '/staff/results/perception?by=district',
      '/staff/results/perception/trends.csv?by=district',
      '/staff/results/perception/trends.json?by=district',
    ]) {
      const text = (await evaluator.get(path)).text
      expect(text, path).not.toMatch(/NaN|Infinity/)
    }
    const page = (await evaluator.get('/staff/results/perception?by=district')).text
    expect(page).toContain('(exacto, de Clopper-Pearson)')
    expect(page).not.toContain('100,0 % – 100,0 %')
  })
})
