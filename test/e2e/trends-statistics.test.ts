import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createResultsService, type TrendRow } from '../../src/results/results.service.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

const folder = path.resolve(import.meta.dirname, '../fixtures/trends')
const csv = (file: string) =>
  parse<Record<string, string>>(readFileSync(path.join(folder, file), 'utf8'), { columns: true })
const reference = csv('reference.csv')
const referenceWeights = csv('reference-weights.csv')
const referenceChanges = csv('reference-changes.csv')

let t: TestApp
let seriesId: number

beforeAll(async () => {
  t = await createTestApp()
  seriesId = (await loadTrendFixture(t.services.db)).seriesId
})
afterAll(() => t.close())

const close = (actual: number | null, expected: string, what: string) => {
  expect(actual, what).not.toBeNull()
  expect(Math.abs(actual! - Number(expected)), `${what}: ${actual} vs R ${expected}`).toBeLessThan(1e-6)
}

describe('trend estimates agree with R’s survey package to 1e-6', () => {
  it('for every indicator, wave and district: estimate, standard error, 95% interval and n', async () => {
    const trends = await createResultsService(t.services.db).trends(
      { id: seriesId, minGroupSize: 1 },
      { breakdown: 'district' },
    )
    expect(reference).toHaveLength(63)
    for (const ref of reference) {
      const row = trends.rows.find(
        (r) =>
          r.indicator === ref.indicator &&
          r.wave === Number(ref.wave) &&
          r.breakdown === ref.breakdown &&
          r.group === ref.group,
      )
      const what = `${ref.indicator} ${ref.wave} ${ref.breakdown} ${ref.group}`
      expect(row, what).toBeDefined()
      close(row!.estimate, ref.estimate!, `${what} estimate`)
      close(row!.se, ref.se!, `${what} se`)
      close(row!.ciLow, ref.ci_low!, `${what} ci_low`)
      close(row!.ciHigh, ref.ci_high!, `${what} ci_high`)
      expect(row!.n, `${what} n`).toBe(Number(ref.n))
      expect(row!.weighted).toBe(ref.wave !== '2023')
    }
  })

  it('for each wave’s weights: range and Kish design effect; 2023 has no margins and is unweighted', async () => {
    const trends = await createResultsService(t.services.db).trends({ id: seriesId, minGroupSize: 1 })
    for (const ref of referenceWeights) {
      const wave = trends.waves.find((w) => w.wave === Number(ref.wave))!
      expect(wave.respondents).toBe(Number(ref.n))
      if (ref.wave === '2023') {
        expect(wave.weighted).toBe(false)
        continue
      }
      expect(Math.abs(wave.minWeight! / Number(ref.min_weight) - 1)).toBeLessThan(1e-6)
      expect(Math.abs(wave.maxWeight! / Number(ref.max_weight) - 1)).toBeLessThan(1e-6)
      close(wave.designEffect!, ref.design_effect!, `deff ${ref.wave}`)
    }
  })

  it('states each change from the previous wave with its standard error, Wald interval and significance', async () => {
    const trends = await createResultsService(t.services.db).trends(
      { id: seriesId, minGroupSize: 1 },
      { ci: 'wald' },
    )
    // R's changes (reference.R, reference-changes.csv), not recomputed here.
    expect(referenceChanges).toHaveLength(6)
    for (const ref of referenceChanges) {
      const row = trends.rows.find(
        (r) => r.indicator === ref.indicator && r.breakdown === 'change' && r.wave === Number(ref.wave),
      )!
      close(row.estimate, ref.estimate!, `${ref.indicator} change ${ref.wave}`)
      close(row.se, ref.se!, `${ref.indicator} change se ${ref.wave}`)
      close(row.ciLow, ref.ci_low!, `${ref.indicator} change ci_low ${ref.wave}`)
      close(row.ciHigh, ref.ci_high!, `${ref.indicator} change ci_high ${ref.wave}`)
      expect(row.significant, `${ref.indicator} ${ref.wave}`).toBe(ref.significant === 'TRUE')
    }
    // Rows come overall first, then groups, then changes.
    const kinds = trends.rows.map((r: TrendRow) =>
      r.breakdown === 'overall' ? 0 : r.breakdown === 'change' ? 2 : 1,
    )
    expect([...kinds].sort()).toEqual(kinds)
  })

  it('withholds every number of a group with too few answers', async () => {
    const trends = await createResultsService(t.services.db).trends(
      { id: seriesId, minGroupSize: 30 },
      { breakdown: 'district' },
    )
    const isla = trends.rows.filter((r) => r.group === 'isla')
    expect(isla.length).toBe(9)
    for (const row of isla) {
      expect(row).toMatchObject({
        suppressed: true,
        estimate: null,
        se: null,
        ciLow: null,
        ciHigh: null,
        n: null,
        nEffective: null,
      })
    }
    expect(trends.rows.find((r) => r.group === 'centro' && r.wave === 2025)!.suppressed).toBe(false)
  })
})
