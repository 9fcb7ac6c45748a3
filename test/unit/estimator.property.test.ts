import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  capWeights,
  estimateMean,
  interval,
  rake,
  WeightingError,
  type DomainAggregate,
  type Margins,
  type RakingCell,
} from '../../src/results/estimation.ts'

// Properties of the estimator that must hold for any data, not only for the fixtures R checked.
const DISTRICTS = ['a', 'b', 'c']
const AGES = ['young', 'old']

/** A wave: respondents per district × age cell (every level present), successes among them, totals. */
const waves = fc
  .record({
    counts: fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 6, maxLength: 6 }),
    shares: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
    districtTotals: fc.array(fc.integer({ min: 1000, max: 100_000 }), { minLength: 3, maxLength: 3 }),
    ageSplit: fc.double({ min: 0.2, max: 0.8, noNaN: true }),
  })
  .map(({ counts, shares, districtTotals, ageSplit }) => {
    const cells: RakingCell[] = DISTRICTS.flatMap((district, d) =>
      AGES.map((age, a) => ({ levels: { age, district }, respondents: counts[d * 2 + a]! })),
    )
    const N = districtTotals.reduce((x, y) => x + y, 0)
    const margins: Margins = {
      age: { young: N * ageSplit, old: N * (1 - ageSplit) },
      district: Object.fromEntries(DISTRICTS.map((d, i) => [d, districtTotals[i]!])),
    }
    const domain: DomainAggregate[] = cells.map((c, i) => {
      const successes = Math.round(c.respondents * shares[i]!)
      return { cell: i, count: c.respondents, sum: successes, sumSquares: successes }
    })
    return { cells, margins, domain, N }
  })

const fitted = (cells: RakingCell[], weights: number[], variable: string) => {
  const totals = new Map<string, number>()
  cells.forEach((c, i) =>
    totals.set(c.levels[variable]!, (totals.get(c.levels[variable]!) ?? 0) + c.respondents * weights[i]!),
  )
  return totals
}

describe('the raking estimator, for any wave', () => {
  it('reproduces every margin', () => {
    fc.assert(
      fc.property(waves, ({ cells, margins, N }) => {
        const w = rake(cells, margins)
        for (const variable of Object.keys(margins))
          for (const [level, total] of fitted(cells, w.weights, variable))
            expect(Math.abs(total - margins[variable]![level]!)).toBeLessThan(1e-6 * N)
      }),
      { numRuns: 200, seed: 1201 },
    )
  })

  it('multiplies weights by k when every population total is multiplied by k, and changes no estimate', () => {
    fc.assert(
      fc.property(waves, fc.double({ min: 0.01, max: 100, noNaN: true }), ({ cells, margins, domain }, k) => {
        const scaled = Object.fromEntries(
          Object.entries(margins).map(([v, levels]) => [
            v,
            Object.fromEntries(Object.entries(levels).map(([l, t]) => [l, t * k])),
          ]),
        )
        const w = rake(cells, margins)
        const wk = rake(cells, scaled)
        w.weights.forEach((x, i) => expect(Math.abs(wk.weights[i]! - k * x)).toBeLessThan(1e-7 * k * x))
        const e = estimateMean(cells, w, domain)!
        const ek = estimateMean(cells, wk, domain)!
        expect(Math.abs(ek.estimate - e.estimate)).toBeLessThan(1e-9)
        expect(Math.abs(ek.se - e.se)).toBeLessThan(1e-8)
      }),
      { numRuns: 200, seed: 1202 },
    )
  })

  it('gives the same results whatever the order of the respondents', () => {
    fc.assert(
      fc.property(waves, fc.integer({ min: 1, max: 1000 }), ({ cells, margins, domain }, seed) => {
        const order = cells
          .map((_, i) => i)
          .sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13) || a - b)
        const shuffled = order.map((i) => cells[i]!)
        const shuffledDomain = domain.map((d) => ({ ...d, cell: order.indexOf(d.cell) }))
        const e = estimateMean(cells, rake(cells, margins), domain)!
        const es = estimateMean(shuffled, rake(shuffled, margins), shuffledDomain)!
        expect(Math.abs(es.estimate - e.estimate)).toBeLessThan(1e-9)
        expect(Math.abs(es.se - e.se)).toBeLessThan(1e-9)
      }),
      { numRuns: 200, seed: 1203 },
    )
  })

  it('keeps logit intervals within [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-9, max: 1 - 1e-9, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (p, se) => {
          const [low, high] = interval(p, se, 'logit')
          expect(low).toBeGreaterThanOrEqual(0)
          expect(high).toBeLessThanOrEqual(1)
          expect(low).toBeLessThanOrEqual(p)
          expect(high).toBeGreaterThanOrEqual(p)
        },
      ),
      { numRuns: 500, seed: 1204 },
    )
  })

  it('never leaves a capped weight above the cap, and keeps the population', () => {
    fc.assert(
      fc.property(waves, fc.double({ min: 1.05, max: 4, noNaN: true }), ({ cells, margins, N }, cap) => {
        let w
        try {
          w = rake(cells, margins)
        } catch (error) {
          if (error instanceof WeightingError) return
          throw error
        }
        const capped = capWeights(cells, w, cap)
        const upper = (cap * N) / w.n
        for (const [i, x] of capped.weights.entries())
          if (cells[i]!.respondents > 0) expect(x).toBeLessThanOrEqual(upper * (1 + 1e-9))
        const total = cells.reduce((s, c, i) => s + c.respondents * capped.weights[i]!, 0)
        expect(Math.abs(total - N)).toBeLessThan(1e-6 * N)
      }),
      { numRuns: 200, seed: 1205 },
    )
  })
})
