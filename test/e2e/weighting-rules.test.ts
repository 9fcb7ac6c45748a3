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
  type QuestionDraft,
} from '../../src/questionnaire/questionnaire.repository.ts'
import { readMarginsCsv, readResponsesCsv, storeResponses } from '../../src/results/response-import.ts'
import { replaceMargins, saveIndicator, setWeightCap } from '../../src/results/results.repository.ts'
import { loadQuestionnaire } from '../../src/survey/survey.repository.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Raking when some answers have no population total, checked against R (test/fixtures/weighting/).
const folder = path.resolve(import.meta.dirname, '../fixtures/weighting')
const csv = (file: string) =>
  parse<Record<string, string>>(readFileSync(path.join(folder, file), 'utf8'), { columns: true })
const tr = (s: string) => ({ es: s, fr: s, pt: s })
const levels = (codes: string[]) => codes.map((code) => ({ code, label: tr(code) }))
const questions: QuestionDraft[] = [
  { code: 'aware', type: 'yes_no', page: 1, text: tr('Conoce'), options: levels(['yes', 'no']) },
  {
    code: 'district',
    type: 'single_choice',
    page: 1,
    isProfile: true,
    text: tr('Distrito'),
    options: levels(['centro', 'norte', 'sur', 'prefer_not']),
  },
  {
    code: 'age_band',
    type: 'single_choice',
    page: 1,
    isProfile: true,
    text: tr('Edad'),
    options: levels(['young', 'middle', 'old']),
  },
]

let t: TestApp
let evaluator: StaffBrowser
let waveId: number

beforeAll(async () => {
  t = await createTestApp()
  const organizationId = await insertOrganization(t.services.db, {
    slug: 'weights-city',
    name: 'Weights City',
  })
  const seriesId = await insertSeries(t.services.db, { organizationId, code: 'perception', title: tr('P') })
  waveId = await insertWave(t.services.db, { seriesId, year: 2026, status: 'closed' })
  await insertQuestions(t.services.db, waveId, questions)
  const questionnaire = await loadQuestionnaire(t.services.db, waveId)
  const reading = readResponsesCsv(
    readFileSync(path.join(folder, 'responses.csv'), 'utf8'),
    questionnaire,
    waveId,
  )
  if (!reading.ok) throw new Error(JSON.stringify(reading.problems))
  await storeResponses(t.services.db, questionnaire, reading.responses)
  // The margins give no total for "prefer not to say" (nor, of course, for no answer): accepted.
  const margins = readMarginsCsv(readFileSync(path.join(folder, 'margins.csv'), 'utf8'), questionnaire)
  if (!margins.ok) throw new Error(JSON.stringify(margins.problems))
  await replaceMargins(t.services.db, waveId, margins.margins)
  await saveIndicator(t.services.db, seriesId, {
    code: 'aware_yes',
    questionCode: 'aware',
    kind: 'share',
    successCodes: ['yes'],
    excludedCodes: [],
    label: tr('Conoce'),
    position: 0,
  })
  await sql`update survey_series set min_group_size = 1 where id = ${seriesId}`.execute(t.services.db)
  evaluator = await signedIn(t.app, t.services, organizationId, 'evaluator')
})
afterAll(() => t.close())

const trends = async () =>
  JSON.parse((await evaluator.get('/staff/results/perception/trends.json?by=district')).text) as {
    waves: {
      respondents: number
      weighted: boolean
      minWeight: number
      maxWeight: number
      designEffect: number
      problem?: string
    }[]
    rows: {
      breakdown: string
      group: string
      estimate: number
      se: number
      ciLow: number
      ciHigh: number
      n: number
    }[]
  }

describe('raking with answers that have no population total', () => {
  it('rakes them as one more level (N·s, the other totals times 1 − s), as R does', async () => {
    const result = await trends()
    const weights = csv('reference-weights.csv').find((r) => r.cap === 'none')!
    const wave = result.waves[0]!
    expect(wave.weighted).toBe(true)
    expect(wave.respondents).toBe(Number(weights.n))
    for (const [ours, r] of [
      [wave.minWeight, weights.min_weight],
      [wave.maxWeight, weights.max_weight],
      [wave.designEffect, weights.design_effect],
    ] as const)
      expect(Math.abs(ours - Number(r)) / Number(r)).toBeLessThan(1e-6)
    for (const ref of csv('reference.csv').filter((r) => r.cap === 'none')) {
      const row = result.rows.find((r) => r.breakdown === ref.breakdown && r.group === ref.group)!
      const what = `${ref.breakdown} ${ref.group}`
      for (const [ours, theirs] of [
        [row.estimate, ref.estimate],
        [row.se, ref.se],
        [row.ciLow, ref.ci_low],
        [row.ciHigh, ref.ci_high],
      ] as const)
        expect(Math.abs(ours - Number(theirs)), `${what}: ${ours} vs R ${theirs}`).toBeLessThan(1e-6)
      expect(row.n, what).toBe(Number(ref.n))
    }
  })

  it('caps weights as R’s trimWeights(upper = cap · N / n, strict = TRUE) does, keeping the raking in the variance', async () => {
    const seriesId = (await t.services.db.selectFrom('survey_series').select('id').executeTakeFirstOrThrow())
      .id
    await setWeightCap(t.services.db, seriesId, 2)
    try {
      const result = await trends()
      const weights = csv('reference-weights.csv').find((r) => r.cap === '2')!
      const wave = result.waves[0]!
      expect(Math.abs(wave.maxWeight - Number(weights.max_weight))).toBeLessThan(1e-6)
      expect(Math.abs(wave.minWeight - Number(weights.min_weight))).toBeLessThan(1e-6)
      expect(Math.abs(wave.designEffect - Number(weights.design_effect))).toBeLessThan(1e-9)
      for (const ref of csv('reference.csv').filter((r) => r.cap === '2')) {
        const row = result.rows.find((r) => r.breakdown === ref.breakdown && r.group === ref.group)!
        for (const [ours, theirs] of [
          [row.estimate, ref.estimate],
          [row.se, ref.se],
          [row.ciLow, ref.ci_low],
          [row.ciHigh, ref.ci_high],
        ] as const)
          expect(Math.abs(ours - Number(theirs)), `${ref.group}: ${ours} vs R ${theirs}`).toBeLessThan(1e-6)
      }
      // The dashboard says the weights were capped.
      expect((await evaluator.get('/staff/results/perception')).text).toContain(
        'pesos recortados a 2 veces el peso medio',
      )
    } finally {
      await setWeightCap(t.services.db, seriesId, null)
    }
  })

  it('says so when raking cannot meet the margins, with the worst margin, in the reader’s language, and reports the wave unweighted', async () => {
    // An impossible population: everyone in "old" but nobody left for the other ages, with respondents there.
    await t.services.db
      .updateTable('population_margin')
      .set({ population: 0.001 })
      .where('wave_id', '=', waveId)
      .where('variable', '=', 'age_band')
      .where('level', '!=', 'old')
      .execute()
    await t.services.db
      .updateTable('population_margin')
      .set({ population: 200000 })
      .where('wave_id', '=', waveId)
      .where('variable', '=', 'district')
      .where('level', '=', 'centro')
      .execute()
    const wave = (await trends()).waves[0]!
    expect(wave.weighted).toBe(false)
    expect(wave.problem).toMatch(
      /^raking did not converge: \w+ = \w+ is fitted at \d+ against a population of \d+$/,
    )
    const page = (await evaluator.get('/staff/results/perception?lang=fr')).text
    expect(page).toContain('Non pondérée : le calage ne converge pas')
    expect(page).not.toContain('raking did not converge')
  })
})
