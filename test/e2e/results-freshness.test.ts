import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../src/db/database.ts'
import { readResponsesCsv, storeResponses } from '../../src/results/response-import.ts'
import { replaceMargins, saveIndicator } from '../../src/results/results.repository.ts'
import { createResultsService, type TrendRow } from '../../src/results/results.service.ts'
import { loadQuestionnaire } from '../../src/survey/survey.repository.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { trendIndicators } from '../fixtures/trends/questionnaire.ts'
import { Respondent } from '../helpers/respondent.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { createLogger } from '../../src/logger.ts'
import { startTallyKeeper } from '../../src/results/tally-keeper.ts'

// Results come from tallies folded in when read and are kept in memory until the series' results
// version moves. These tests change the data behind the app's back (another process: the CLI, a second
// instance) and expect the next reading to show it.
let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
let elsewhere: Db
const series = () => ({ id: fixture.seriesId, minGroupSize: 30 })
const overall = (rows: TrendRow[], indicator: string, wave: number) =>
  rows.find((r) => r.indicator === indicator && r.wave === wave && r.breakdown === 'overall')!

beforeAll(async () => {
  t = await createTestApp()
  fixture = await loadTrendFixture(t.services.db, { statuses: { 2025: 'open' }, tallied: false })
  elsewhere = t.database.reopen()
})
afterAll(() => t.close())

async function importResponses(waveId: number, csv: string) {
  const questionnaire = await loadQuestionnaire(elsewhere, waveId)
  const reading = readResponsesCsv(csv, questionnaire, waveId)
  if (!reading.ok) throw new Error(JSON.stringify(reading.problems))
  await storeResponses(elsewhere, questionnaire, reading.responses)
}

describe('results are never stale', () => {
  // Whether they come from memory is the benchmark's to show (bench/RESULTS.md, trends warm): here,
  // what a reader sees.
  it('gives an unchanged series the same numbers, and other options their own', async () => {
    const first = await t.services.results.trends(series(), { breakdown: 'district' })
    const again = await t.services.results.trends(series(), { breakdown: 'district' })
    expect(again).toEqual(first)
    const wald = await t.services.results.trends(series(), { breakdown: 'district', ci: 'wald' })
    const interval = (r: typeof first) =>
      r.rows.filter((row) => row.ciLow !== null).map((row) => [row.ciLow, row.ciHigh])
    expect(wald.rows.map((row) => row.estimate)).toEqual(first.rows.map((row) => row.estimate))
    expect(interval(wald)).not.toEqual(interval(first))
  })

  it('counts responses imported into a closed wave by another process', async () => {
    const before = overall((await t.services.results.trends(series())).rows, 'aware_yes', 2023)
    await importResponses(
      fixture.waveIds[2023]!,
      'aware,district,age_band,gender\nyes,norte,16_29,woman\nyes,sur,30_44,man\n',
    )
    const after = overall((await t.services.results.trends(series())).rows, 'aware_yes', 2023)
    expect(after.n).toBe(before.n! + 2)
    expect(after.estimate).toBeGreaterThan(before.estimate!)
  })

  it('follows new margins, a redefined indicator and a wave that closes', async () => {
    const before = overall((await t.services.results.trends(series())).rows, 'interest_high', 2024)
    expect(before.weighted).toBe(true)
    await replaceMargins(elsewhere, fixture.waveIds[2024]!, [])
    const unweighted = overall((await t.services.results.trends(series())).rows, 'interest_high', 2024)
    expect(unweighted.weighted).toBe(false)
    expect(unweighted.estimate).not.toBe(before.estimate)

    const interest = trendIndicators.find((i) => i.code === 'interest_high')!
    await saveIndicator(elsewhere, fixture.seriesId, { ...interest, successCodes: ['5'] })
    const redefined = overall((await t.services.results.trends(series())).rows, 'interest_high', 2024)
    expect(redefined.estimate).toBeLessThan(unweighted.estimate!)

    const published = () => t.services.results.trends(series(), { closedOnly: true })
    expect((await published()).waves.map((w) => w.wave)).toEqual([2023, 2024])
    await sql`update wave set status = 'closed' where id = ${fixture.waveIds[2025]!}`.execute(elsewhere)
    expect((await published()).waves.map((w) => w.wave)).toEqual([2023, 2024, 2025])
    await sql`update wave set status = 'open' where id = ${fixture.waveIds[2025]!}`.execute(elsewhere)
  })

  it('counts new responses before they are folded, and two instances folding at once fold each once', async () => {
    const url = fixture.url
    for (const district of ['norte', 'sur', 'este']) {
      const citizen = new Respondent(t.app, url)
      await citizen.start()
      await citizen.answer(`${url}/p/1`, { interest: '4', aware: 'no', benefit: '7' })
      const done = await citizen.answer(`${url}/p/2`, { district, age_band: '45_64' })
      expect(done.headers.location).toBe(`${url}/thanks`)
    }
    const other = createResultsService(elsewhere)
    const [mine, theirs] = await Promise.all([t.services.results.trends(series()), other.trends(series())])
    // Each instance's background keeper folds at the same moment.
    const quiet = createLogger({ level: 'silent' })
    await Promise.all([
      startTallyKeeper(t.services.db, quiet, 60_000).sweep(),
      startTallyKeeper(elsewhere, quiet, 60_000).sweep(),
    ])
    const stored = await sql<{ n: number }>`
      select count(*)::int as n from response where wave_id = ${fixture.waveIds[2025]!}`.execute(
      t.services.db,
    )
    const counted = await sql<{ n: number }>`
      select sum(respondents)::int as n from profile_tally where wave_id = ${fixture.waveIds[2025]!}`.execute(
      t.services.db,
    )
    expect(counted.rows[0]!.n).toBe(stored.rows[0]!.n)
    expect(mine.waves.find((w) => w.wave === 2025)!.respondents).toBe(stored.rows[0]!.n)
    expect(theirs.waves.find((w) => w.wave === 2025)!.respondents).toBe(stored.rows[0]!.n)
    // Once folded, the same numbers (summed in another order: equal to the last few bits).
    const folded = (await t.services.results.trends(series())).rows
    expect(folded).toHaveLength(mine.rows.length)
    folded.forEach((row, i) => {
      for (const [key, value] of Object.entries(row)) {
        const before = (mine.rows[i] as unknown as Record<string, unknown>)[key]
        if (typeof value === 'number') expect(value).toBeCloseTo(before as number, 12)
        else expect(value).toEqual(before)
      }
    })
  })

  it('shows the evaluators a response a second instance took, on the next page view', async () => {
    const page = async () => {
      const res = await request(t.app).get(`${fixture.url}/results?lang=es`)
      expect(res.status).toBe(200)
      return res.text
    }
    const shown = await page()
    expect(await page()).toBe(shown)
    await importResponses(fixture.waveIds[2024]!, 'interest,district,age_band,gender\n5,centro,65_plus,man\n')
    expect(await page()).not.toBe(shown)
  })
})
