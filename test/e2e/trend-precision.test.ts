import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import {
  insertOrganization,
  insertQuestions,
  insertSeries,
  insertWave,
} from '../../src/questionnaire/questionnaire.repository.ts'
import { readResponsesCsv, storeResponses } from '../../src/results/response-import.ts'
import { saveIndicator } from '../../src/results/results.repository.ts'
import { startTallyKeeper } from '../../src/results/tally-keeper.ts'
import { loadQuestionnaire } from '../../src/survey/survey.repository.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Large numbers close together (a budget in euros, say) keep their variance: 30 answers of 1e8,
// 1e8 + 1 and 1e8 + 2 have a mean of 1e8 + 1 and a standard error of sqrt(20 / (30 · 29)).
let t: TestApp
let evaluator: StaffBrowser
const tr = (s: string) => ({ es: s, fr: s, pt: s })
const expectedSe = Math.sqrt(20 / (30 * 29))

beforeAll(async () => {
  t = await createTestApp()
  const organizationId = await insertOrganization(t.services.db, { slug: 'big-city', name: 'Big City' })
  const seriesId = await insertSeries(t.services.db, { organizationId, code: 'perception', title: tr('P') })
  const waveId = await insertWave(t.services.db, { seriesId, year: 2026, status: 'closed' })
  await insertQuestions(t.services.db, waveId, [
    { code: 'budget', type: 'number', page: 1, min: 0, max: 1e12, text: tr('Presupuesto') },
  ])
  const questionnaire = await loadQuestionnaire(t.services.db, waveId)
  const values = [0, 1, 2].flatMap((k) => Array(10).fill(String(1e8 + k)))
  const reading = readResponsesCsv(['budget', ...values].join('\n'), questionnaire, waveId)
  if (!reading.ok) throw new Error(JSON.stringify(reading.problems))
  await storeResponses(t.services.db, questionnaire, reading.responses)
  await saveIndicator(t.services.db, seriesId, {
    code: 'budget_mean',
    questionCode: 'budget',
    kind: 'mean',
    successCodes: [],
    excludedCodes: [],
    label: tr('Presupuesto'),
    position: 0,
  })
  evaluator = await signedIn(t.app, t.services, organizationId, 'evaluator')
})
afterAll(() => t.close())

const overall = async () =>
  (
    JSON.parse((await evaluator.get('/staff/results/perception/trends.json')).text) as {
      rows: { breakdown: string; estimate: number; se: number }[]
    }
  ).rows.find((r) => r.breakdown === 'overall')!

describe('sums of squares of large, close values', () => {
  it('keep their variance, before and after the responses are folded into the tallies', async () => {
    const pending = await overall()
    expect(pending.estimate).toBe(1e8 + 1)
    expect(Math.abs(pending.se - expectedSe)).toBeLessThan(1e-9)
    await startTallyKeeper(t.services.db, createLogger({ level: 'silent' }), 60_000).sweep()
    const folded = await overall()
    expect(folded.estimate).toBe(1e8 + 1)
    expect(Math.abs(folded.se - expectedSe)).toBeLessThan(1e-9)
  })
})
