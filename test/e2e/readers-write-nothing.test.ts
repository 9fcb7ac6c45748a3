import ExcelJS from 'exceljs'
import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import { startTallyKeeper } from '../../src/results/tally-keeper.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { ALL_TABLES, digest } from '../helpers/digest.ts'
import { Respondent } from '../helpers/respondent.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { binary, downloadZip } from '../helpers/zip.ts'

let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
let evaluator: StaffBrowser

beforeAll(async () => {
  t = await createTestApp()
  // Responses stored by the import and two citizens, none folded into the tallies yet.
  fixture = await loadTrendFixture(t.services.db, { statuses: { 2025: 'open' }, tallied: false })
  for (const district of ['norte', 'sur']) {
    const citizen = new Respondent(t.app, fixture.url)
    await citizen.start()
    await citizen.answer(`${fixture.url}/p/1`, { interest: '5', aware: 'yes', benefit: '8' })
    await citizen.answer(`${fixture.url}/p/2`, { district, age_band: '30_44' })
  }
  evaluator = await signedIn(t.app, t.services, fixture.organizationId, 'evaluator')
})
afterAll(() => t.close())

const respondentsPerWave = async () =>
  Object.fromEntries(
    (
      await sql<{ year: number; n: number }>`select w.year, count(*)::int as n from response r
        join wave w on w.id = r.wave_id group by w.year`.execute(t.services.db)
    ).rows.map((r) => [r.year, r.n]),
  )

describe('reading results writes nothing', () => {
  it('public and staff results, downloads, the API and microdata leave every table as it was, and count every response', async () => {
    // Everything but the audit log, where downloads of trends and microdata are recorded (#19.5).
    const tables = ALL_TABLES.filter((table) => table !== 'audit_log')
    const before = await digest(t.services.db, tables)
    const base = '/staff/results/perception'
    for (const path of [
      `${fixture.url}/results`,
      `${fixture.url}/results?by=district`,
      '/api/v1/series/fixture-city/perception/trends?breakdown=age_band',
    ])
      expect((await request(t.app).get(path)).status, path).toBe(200)
    for (const path of [
      base,
      `${base}?by=district`,
      `${base}/downloads`,
      `${base}/trends.csv`,
      `${base}/compare`,
    ])
      expect((await evaluator.get(path)).status, path).toBe(200)
    const xlsx = await evaluator.agent.get(`${base}/trends.xlsx`).buffer(true).parse(binary)
    await new ExcelJS.Workbook().xlsx.load(xlsx.body as never)
    expect((await downloadZip(evaluator.agent, `${base}/microdata.zip`)).status).toBe(200)
    const json = JSON.parse((await evaluator.get(`${base}/trends.json`)).text) as {
      waves: { wave: number; respondents: number }[]
    }
    // Background work the downloads page started (file sizes) writes nothing either.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await digest(t.services.db, tables)).toEqual(before)
    const { rows: logged } = await sql<{ action: string }>`
      select action from audit_log where action like 'download.%' order by id`.execute(t.services.db)
    expect(logged.map((r) => r.action)).toEqual([
      'download.trends',
      'download.trends',
      'download.microdata',
      'download.trends',
    ])
    const counted = await respondentsPerWave()
    for (const wave of json.waves) expect(wave.respondents, String(wave.wave)).toBe(counted[wave.wave])
    expect(
      (
        await sql<{ n: number }>`select count(*)::int as n from response where not tallied`.execute(
          t.services.db,
        )
      ).rows[0]!.n,
    ).toBe(counted[2023]! + counted[2024]! + counted[2025]!)

    // The background keeper folds them; the evaluators see the same numbers.
    await startTallyKeeper(t.services.db, createLogger({ level: 'silent' }), 60_000).sweep()
    expect(
      (
        await sql<{ n: number }>`select count(*)::int as n from response where not tallied`.execute(
          t.services.db,
        )
      ).rows[0]!.n,
    ).toBe(0)
    const after = JSON.parse((await evaluator.get(`${base}/trends.json`)).text) as typeof json
    expect(after.waves.map((w) => [w.wave, w.respondents])).toEqual(
      json.waves.map((w) => [w.wave, w.respondents]),
    )
  })
})
