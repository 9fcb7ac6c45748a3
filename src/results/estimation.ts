// Weighted estimates as R's survey package computes them, from per-cell aggregates:
// svydesign(ids=~1, weights=~w0) -> rake(...) -> svymean(~y, na.rm=TRUE) / svyby / svyciprop(method="logit").

/** Population totals of one or more profile variables: variable -> level -> population. */
export type Margins = Record<string, Record<string, number>>

/** Respondents sharing one combination of the margin variables' levels (a raking cell). */
export interface RakingCell {
  levels: Record<string, string>
  respondents: number
}

export interface Weighting {
  /** Weight of each respondent in a cell, in the same order as the cells given. */
  weights: number[]
  /** For the variance: each margin with the cells' weights right after its step in the final pass. */
  margins: { variable: string; weights: number[] }[]
  passes: number
  converged: boolean
  /** Respondents in the design (all cells). */
  n: number
  minWeight: number
  maxWeight: number
  /** Kish's design effect from unequal weights: n Σw² / (Σw)². */
  designEffect: number
}

/** Why a wave cannot be weighted: a key the pages translate, its values, and an English message for files. */
export type WeightingProblem =
  | { key: 'noRespondents'; params: { variable: string; level: string } }
  | { key: 'notConverged'; params: { variable: string; level: string; fitted: number; target: number } }
  | { key: 'marginNotProfile'; params: { variable: string } }

export class WeightingError extends Error {
  constructor(readonly problem: WeightingProblem) {
    super(weightingProblemText(problem))
  }
}

export function weightingProblemText(problem: WeightingProblem): string {
  const p = problem.params as Record<string, string | number>
  switch (problem.key) {
    case 'noRespondents':
      return `no respondent has ${p.variable} = ${p.level}, so its population cannot be matched`
    case 'notConverged':
      return `raking did not converge: ${p.variable} = ${p.level} is fitted at ${Math.round(Number(p.fitted))} against a population of ${Math.round(Number(p.target))}`
    case 'marginNotProfile':
      return `the margin ${p.variable} is not a profile question of this wave`
  }
}

/**
 * Iterative proportional fitting of every respondent to the margins, from weights of 1, until the
 * fitted joint table changes by less than `tolerance` of the population in a pass.
 */
export function rake(
  cells: RakingCell[],
  margins: Margins,
  options: { maxPasses?: number; tolerance?: number } = {},
): Weighting {
  const variables = Object.keys(margins)
  const maxPasses = options.maxPasses ?? 1000
  const population = Object.values(margins[variables[0]!] ?? {}).reduce((a, b) => a + b, 0)
  const tolerance = (options.tolerance ?? 1e-8) * population
  for (const variable of variables) {
    for (const cell of cells) {
      // Callers give every answer a level with a total (answers without one form a level of their own).
      if (!(cell.levels[variable]! in margins[variable]!))
        throw new Error(`${variable} = ${cell.levels[variable]} has no population total`)
    }
    for (const level of Object.keys(margins[variable]!)) {
      if (!cells.some((c) => c.levels[variable] === level && c.respondents > 0)) {
        throw new WeightingError({ key: 'noRespondents', params: { variable, level } })
      }
    }
  }
  const weights = cells.map(() => 1)
  let previous = cells.map((c) => c.respondents)
  let passes = 0
  let converged = false
  let stepWeights: number[][] = []
  while (passes < maxPasses) {
    passes += 1
    stepWeights = []
    for (const variable of variables) {
      const totals = new Map<string, number>()
      cells.forEach((c, i) =>
        totals.set(c.levels[variable]!, (totals.get(c.levels[variable]!) ?? 0) + c.respondents * weights[i]!),
      )
      cells.forEach((c, i) => {
        weights[i]! *= margins[variable]![c.levels[variable]!]! / totals.get(c.levels[variable]!)!
      })
      stepWeights.push([...weights])
    }
    const fitted = cells.map((c, i) => c.respondents * weights[i]!)
    const change = Math.max(...fitted.map((f, i) => Math.abs(f - previous[i]!)))
    previous = fitted
    if (change < tolerance) {
      converged = true
      break
    }
  }
  // Converged means the margins are met, not only that the table stopped moving: an infeasible set of
  // margins settles on a table that misses one of them.
  let worst = { variable: '', level: '', fitted: 0, target: 0, gap: 0 }
  for (const variable of variables) {
    const fitted = new Map<string, number>()
    cells.forEach((c, i) =>
      fitted.set(c.levels[variable]!, (fitted.get(c.levels[variable]!) ?? 0) + c.respondents * weights[i]!),
    )
    for (const [level, target] of Object.entries(margins[variable]!)) {
      const gap = Math.abs((fitted.get(level) ?? 0) - target)
      if (gap > worst.gap) worst = { variable, level, fitted: fitted.get(level) ?? 0, target, gap }
    }
  }
  if (!converged || worst.gap > MARGIN_TOLERANCE * population) {
    const { variable, level, fitted, target } = worst
    throw new WeightingError({ key: 'notConverged', params: { variable, level, fitted, target } })
  }
  return {
    ...summarize(cells, weights, passes, converged),
    margins: variables.map((variable, i) => ({ variable, weights: stepWeights[i]! })),
  }
}

// How far a fitted margin may end from its population (relative to the population) for raking to count as converged.
const MARGIN_TOLERANCE = 1e-6

/**
 * Caps weights at `cap` times the mean weight (N / n) as R's trimWeights(design, upper = cap * N / n,
 * strict = TRUE) does: weights above the bound are set to it and the excess is shared equally by the
 * others (those at the bound included, from the second round), repeated until none is above it. The
 * raking adjustment of the variance is kept, as R keeps it.
 */
export function capWeights(cells: RakingCell[], weighting: Weighting, cap: number): Weighting {
  const weights = [...weighting.weights]
  const population = cells.reduce((sum, c, i) => sum + c.respondents * weights[i]!, 0)
  const upper = (cap * population) / weighting.n
  for (let round = 0; round < 1000; round++) {
    const outside = weights.map((w, i) => cells[i]!.respondents > 0 && w > upper)
    if (!outside.some(Boolean)) break
    let excess = 0
    let inside = 0
    cells.forEach((c, i) => {
      if (outside[i]) excess += (weights[i]! - upper) * c.respondents
      else inside += c.respondents
    })
    if (inside === 0) break
    weights.forEach((w, i) => (weights[i] = outside[i] ? upper : w + excess / inside))
  }
  return { ...weighting, ...summarize(cells, weights, weighting.passes, weighting.converged) }
}

/** Every respondent weighs 1 (a wave without margins is reported unweighted). */
export function unweighted(cells: RakingCell[]): Weighting {
  return {
    ...summarize(
      cells,
      cells.map(() => 1),
      0,
      true,
    ),
    margins: [],
  }
}

function summarize(
  cells: RakingCell[],
  weights: number[],
  passes: number,
  converged: boolean,
): Omit<Weighting, 'margins'> {
  let n = 0
  let sum = 0
  let sumSquares = 0
  for (const [i, c] of cells.entries()) {
    n += c.respondents
    sum += c.respondents * weights[i]!
    sumSquares += c.respondents * weights[i]! ** 2
  }
  const present = weights.filter((_, i) => cells[i]!.respondents > 0)
  return {
    weights,
    passes,
    converged,
    n,
    minWeight: Math.min(...present),
    maxWeight: Math.max(...present),
    designEffect: (n * sumSquares) / sum ** 2,
  }
}

/** Valid answers of one domain within one raking cell: how many, Σy and Σy². */
export interface DomainAggregate {
  cell: number
  count: number
  sum: number
  sumSquares: number
}

export interface Estimate {
  estimate: number
  se: number
  /** Valid answers in the domain (unweighted). */
  n: number
  /** Kish's effective sample size of the domain: (Σw)² / Σw². */
  nEffective: number
}

const Z95 = 1.959963984540054

/**
 * The weighted mean (or share, for 0/1 answers) over a domain, with its linearization standard error:
 * influence values of every respondent (zero outside the domain), adjusted for the raking as R does,
 * then n/(n-1)·Σ(x - x̄)² with n every respondent of the design.
 */
export function estimateMean(
  cells: RakingCell[],
  weighting: Weighting,
  domain: DomainAggregate[],
): Estimate | undefined {
  let totalWeight = 0
  let weightedSum = 0
  let count = 0
  let sumSquaredWeights = 0
  for (const d of domain) {
    const w = weighting.weights[d.cell]!
    totalWeight += w * d.count
    weightedSum += w * d.sum
    count += d.count
    sumSquaredWeights += w * w * d.count
  }
  if (count === 0 || totalWeight === 0) return undefined
  const mean = weightedSum / totalWeight

  // Per cell: Z = Σ z_i and Q = Σ z_i², with z_i = w (y_i - mean) / Σw inside the domain, 0 outside.
  const Z = new Array<number>(cells.length).fill(0)
  const Q = new Array<number>(cells.length).fill(0)
  for (const d of domain) {
    const scale = weighting.weights[d.cell]! / totalWeight
    Z[d.cell]! += scale * (d.sum - d.count * mean)
    Q[d.cell]! += scale * scale * (d.sumSquares - 2 * mean * d.sum + d.count * mean * mean)
  }

  // Raking: like survey::svyrecvar, ten sweeps over the margins, each removing from every respondent's
  // value its weight times the mean of value/weight within its level. Within a raking cell the removed
  // amount is the same for every respondent, so only each cell's total shift is kept.
  const shift = new Array<number>(cells.length).fill(0)
  const current = [...Z]
  for (let sweep = 0; sweep < (weighting.margins.length > 0 ? 10 : 0); sweep++) {
    for (const margin of weighting.margins) {
      const sums = new Map<string, { value: number; respondents: number }>()
      cells.forEach((cell, c) => {
        const level = cell.levels[margin.variable]!
        const entry = sums.get(level) ?? { value: 0, respondents: 0 }
        entry.value += current[c]! / margin.weights[c]!
        entry.respondents += cell.respondents
        sums.set(level, entry)
      })
      cells.forEach((cell, c) => {
        const entry = sums.get(cell.levels[margin.variable]!)!
        const removed = margin.weights[c]! * (entry.value / entry.respondents)
        shift[c]! += removed
        current[c]! -= cell.respondents * removed
      })
    }
  }
  let sumAdjusted = 0
  let sumAdjustedSquares = 0
  for (const [c, cell] of cells.entries()) {
    sumAdjusted += Z[c]! - cell.respondents * shift[c]!
    sumAdjustedSquares += Q[c]! - 2 * shift[c]! * Z[c]! + cell.respondents * shift[c]! * shift[c]!
  }
  const n = weighting.n
  const variance = n > 1 ? (n / (n - 1)) * (sumAdjustedSquares - (sumAdjusted * sumAdjusted) / n) : NaN
  return {
    estimate: mean,
    se: Math.sqrt(Math.max(variance, 0)),
    n: count,
    nEffective: (totalWeight * totalWeight) / sumSquaredWeights,
  }
}

/** 95% interval: Wald (estimate ± z·se) or logit (for shares, stays within [0, 1]). */
export function interval(estimate: number, se: number, method: 'wald' | 'logit'): [number, number] {
  if (method === 'wald' || estimate <= 0 || estimate >= 1) return [estimate - Z95 * se, estimate + Z95 * se]
  const logit = Math.log(estimate / (1 - estimate))
  const seLogit = se / (estimate * (1 - estimate))
  const expit = (x: number) => 1 / (1 + Math.exp(-x))
  // The round trip through the logit can miss the estimate by an ulp: the interval always contains it.
  return [Math.min(expit(logit - Z95 * seLogit), estimate), Math.max(expit(logit + Z95 * seLogit), estimate)]
}

/**
 * The exact (Clopper-Pearson) 95% interval of a share with no successes or only successes, on the
 * unweighted number of valid answers, as R's binom.test(x, n)$conf.int gives it: a logit interval
 * cannot be formed there, and a Wald one would claim certainty ("100 % (100-100 %)").
 */
export function exactInterval(successes: 0 | 'all', n: number): [number, number] {
  const bound = Math.pow(0.025, 1 / n)
  return successes === 0 ? [0, 1 - bound] : [bound, 1]
}

/** The change between two independent waves, with its standard error, Wald interval and significance at 5%. */
export function change(earlier: { estimate: number; se: number }, later: { estimate: number; se: number }) {
  const difference = later.estimate - earlier.estimate
  const se = Math.sqrt(earlier.se ** 2 + later.se ** 2)
  return {
    estimate: difference,
    se,
    ci: [difference - Z95 * se, difference + Z95 * se] as [number, number],
    significant: Math.abs(difference) > Z95 * se,
  }
}
