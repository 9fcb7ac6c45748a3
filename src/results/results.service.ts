import type { Db } from '../db/database.ts'
import type { WaveStatus } from '../db/schema.ts'
import { csvLine } from '../http/csv.ts'
import {
  capWeights,
  change,
  estimateMean,
  exactInterval,
  interval,
  rake,
  unweighted,
  WeightingError,
  weightingProblemText,
  type DomainAggregate,
  type WeightingProblem,
  type RakingCell,
  type Weighting,
} from './estimation.ts'
import * as repo from './results.repository.ts'
import type { IndicatorRecord } from './results.repository.ts'
import { wavesShown } from '../series/wave-rules.ts'

export interface WaveWeighting {
  wave: number
  status: WaveStatus
  respondents: number
  weighted: boolean
  /** Why a wave with margins is reported unweighted (English, for files). */
  problem?: string
  /** The same, for pages to say in the reader's language. */
  problemKey?: WeightingProblem['key']
  problemParams?: WeightingProblem['params']
  /** The margins the wave was raked to (question codes). */
  variables?: string[]
  /** Weights were trimmed at this multiple of the mean weight (null: no cap). */
  weightCap?: number | null
  /** Raked to margins copied from this year's wave, not yet confirmed by staff. */
  marginsCopiedFrom?: number
  minWeight?: number
  maxWeight?: number
  designEffect?: number
  passes?: number
}

export interface TrendRow {
  indicator: string
  wave: number
  breakdown: string
  group: string
  estimate: number | null
  se: number | null
  ciLow: number | null
  ciHigh: number | null
  n: number | null
  nEffective: number | null
  weighted: boolean
  suppressed: boolean
  /** Only on change rows: whether the change is significant at 5%. */
  significant?: boolean
  /**
   * The indicator's question was reworded in this wave (a confirmed break in the series); on a change
   * row, the change across that break, which is not computed.
   */
  breakInSeries?: boolean
  /** On a change row: one of the two waves is weighted and the other is not. */
  weightingDiffers?: boolean
  /** How the interval was computed: logit (shares, by default) or Wald (means and changes always). */
  ciMethod?: 'logit' | 'wald' | 'clopper-pearson'
}

export interface TrendOptions {
  breakdown?: string | undefined
  ci?: 'logit' | 'wald'
  /** Public pages show closed waves only; staff also see waves being answered ("so far"). */
  closedOnly?: boolean
  /** `invited`: only the drawn sample's responses (those that came with an invitation code). */
  sample?: 'all' | 'invited'
}

export const TREND_COLUMNS = [
  'indicator',
  'wave',
  'breakdown',
  'group',
  'estimate',
  'se',
  'ci_low',
  'ci_high',
  'n',
  'n_effective',
  'weighted',
  'suppressed',
  'break_in_series',
  'ci_method',
  'weighting_differs',
] as const

/** Indicators of a series over its waves: weighted estimates, intervals, breakdowns and changes. */
export function createResultsService(db: Db) {
  const computed = new Map<string, { version: string; trends: Trends }>()

  async function waveDesign(
    waveId: number,
    questions: Awaited<ReturnType<typeof repo.questionsByCode>>,
    inSample: (t: { access: string }) => boolean,
  ) {
    const margins = await repo.listMargins(db, waveId)
    const variables = Object.keys(margins).sort()
    const tallies = await repo.profileTallies(db, waveId)
    tallies.rows = tallies.rows.filter(inSample)
    // Where each profile question's answer sits in a tally's profile.
    const slotOf = new Map(tallies.profileQuestionIds.map((id, i) => [id, i]))
    const plain = () => {
      const respondents = tallies.rows.reduce((n, r) => n + r.respondents, 0)
      const cells: RakingCell[] = [{ levels: {}, respondents }]
      return { cells, weighting: unweighted(cells), variables: [] as string[], cellOf: (_: Profile) => 0 }
    }
    // The tallies go along: microdata reads the same profiles, and need not query them again.
    const design = { slotOf, tallies, problem: undefined as WeightingProblem | undefined }
    if (variables.length === 0) return { ...plain(), ...design }
    const missing = variables.find((v) => !slotOf.has(questions.get(v)?.id ?? -1))
    if (missing)
      return {
        ...plain(),
        ...design,
        problem: { key: 'marginNotProfile' as const, params: { variable: missing } },
      }
    const slots = variables.map((v) => slotOf.get(questions.get(v)!.id)!)
    // An answer with no population total (none, "prefer not to say", "don't know") is a level of its own.
    const levelOf = (variable: string, answer: string | null | undefined) =>
      answer !== null && answer !== undefined && answer in margins[variable]! ? answer : NO_TOTAL
    const levelsOf = (profile: Profile) => variables.map((v, k) => levelOf(v, profile[slots[k]!]))
    const cells: RakingCell[] = []
    const index = new Map<string, number>()
    for (const row of tallies.rows) {
      const levels = levelsOf(row.profile)
      const key = levels.join('\u0000')
      let i = index.get(key)
      if (i === undefined) {
        i =
          cells.push({
            levels: Object.fromEntries(variables.map((v, k) => [v, levels[k]!])),
            respondents: 0,
          }) - 1
        index.set(key, i)
      }
      cells[i]!.respondents += row.respondents
    }
    // Every respondent is in the design; a profile no tally holds has no cell.
    const cellOf = (profile: Profile) => index.get(levelsOf(profile).join('\u0000'))
    // The level without a total gets N·s, s its respondents' unweighted share of the wave; the other
    // levels' totals shrink by (1 − s), so every variable still adds up to the population N.
    const respondents = cells.reduce((n, c) => n + c.respondents, 0)
    const targets = Object.fromEntries(
      variables.map((v) => {
        const without = cells.filter((c) => c.levels[v] === NO_TOTAL).reduce((n, c) => n + c.respondents, 0)
        if (without === 0) return [v, margins[v]!]
        const share = without / respondents
        const population = Object.values(margins[v]!).reduce((a, b) => a + b, 0)
        const scaled = Object.fromEntries(
          Object.entries(margins[v]!).map(([level, total]) => [level, total * (1 - share)]),
        )
        return [v, { ...scaled, [NO_TOTAL]: population * share }]
      }),
    )
    try {
      // Margins are raked in alphabetical order of their question codes (the variance depends on the order a little).
      const raked: Weighting = rake(cells, targets)
      const cap = await repo.weightCapOfWave(db, waveId)
      const weighting = cap === null ? raked : capWeights(cells, raked, cap)
      return { cells, weighting, variables, cellOf, cap, ...design }
    } catch (error) {
      if (error instanceof WeightingError) return { ...plain(), ...design, problem: error.problem }
      throw error
    }
  }

  async function waveRows(
    wave: { id: number; year: number; status: WaveStatus; marginsCopiedFrom?: number | null },
    indicators: IndicatorRecord[],
    options: TrendOptions,
    minGroupSize: number,
  ): Promise<{ rows: TrendRow[]; weighting: WaveWeighting }> {
    const questions = await repo.questionsByCode(db, wave.id)
    const inSample = (t: { access: string }) => options.sample !== 'invited' || t.access === 'invitation'
    const design = await waveDesign(wave.id, questions, inSample)
    const weighted = design.variables.length > 0
    // The group of a tally: its language, or its answer to the breakdown's profile question.
    let groupOf: ((t: { language: string; profile: Profile }) => string | null | undefined) | undefined
    if (options.breakdown === 'language') groupOf = (t) => t.language
    else if (options.breakdown) {
      const slot = design.slotOf.get(questions.get(options.breakdown)?.id ?? -1)
      if (slot !== undefined) groupOf = (t) => t.profile[slot]
    }
    const measured = indicators.flatMap((indicator) => {
      const question = questions.get(indicator.questionCode)
      return question ? [{ indicator, question }] : []
    })
    const tallies = await repo.answerTallies(
      db,
      wave.id,
      measured.map((m) => m.question.id),
    )
    const rows: TrendRow[] = []
    const ciMethod = options.ci ?? 'logit'
    for (const { indicator, question } of measured) {
      // Numbers are tallied as differences from one value per question: the mean adds it back.
      const shift =
        indicator.kind === 'mean' ? (tallies.find((t) => t.question_id === question.id)?.shift ?? 0) : 0
      const aggregates: (DomainAggregate & { group: string | null })[] = []
      for (const t of tallies) {
        if (t.question_id !== question.id || !inSample(t)) continue
        const valid = validAnswers(indicator, t)
        const cell = valid && design.cellOf(t.profile)
        if (!valid || cell === undefined) continue
        aggregates.push({ ...valid, cell, group: groupOf?.(t) ?? null })
      }
      const domain = (filter: (group: string | null) => boolean) => aggregates.filter((a) => filter(a.group))
      const row = (breakdownName: string, group: string, filter: (g: string | null) => boolean): TrendRow => {
        const shifted = estimateMean(design.cells, design.weighting, domain(filter))
        const e = shifted && { ...shifted, estimate: shifted.estimate + shift }
        // Fewer than 2 valid answers (or no variance to speak of) is not estimable, whatever the threshold.
        const suppressed = !e || e.n < Math.max(2, minGroupSize) || !Number.isFinite(e.se)
        // A share of 0 or 1 takes the exact interval; other shares the chosen method; means Wald.
        const edge = indicator.kind === 'share' && e && (e.estimate <= 0 || e.estimate >= 1)
        const method = edge ? 'clopper-pearson' : indicator.kind === 'share' ? ciMethod : 'wald'
        const ci =
          e && !suppressed
            ? edge
              ? exactInterval(e.estimate <= 0 ? 0 : 'all', e.n)
              : interval(e.estimate, e.se, method as 'logit' | 'wald')
            : null
        return {
          indicator: indicator.code,
          wave: wave.year,
          breakdown: breakdownName,
          group,
          estimate: suppressed ? null : e.estimate,
          se: suppressed ? null : e.se,
          ciLow: ci ? ci[0] : null,
          ciHigh: ci ? ci[1] : null,
          n: suppressed ? null : e.n,
          nEffective: suppressed ? null : e.nEffective,
          weighted,
          suppressed,
          breakInSeries: question.break_in_series,
          ciMethod: method,
        }
      }
      rows.push(row('overall', '', () => true))
      if (options.breakdown && groupOf) {
        const groups = [
          ...new Set(aggregates.map((a) => a.group).filter((g): g is string => g !== null)),
        ].sort()
        for (const group of groups) rows.push(row(options.breakdown, group, (g) => g === group))
      }
    }
    const w = design.weighting
    return {
      rows,
      weighting: {
        wave: wave.year,
        status: wave.status,
        respondents: w.n,
        weighted,
        ...(design.problem
          ? {
              problem: weightingProblemText(design.problem),
              problemKey: design.problem.key,
              problemParams: design.problem.params,
            }
          : {}),
        ...(weighted ? { variables: design.variables, weightCap: 'cap' in design ? design.cap : null } : {}),
        ...(wave.marginsCopiedFrom ? { marginsCopiedFrom: wave.marginsCopiedFrom } : {}),
        ...(weighted
          ? { minWeight: w.minWeight, maxWeight: w.maxWeight, designEffect: w.designEffect, passes: w.passes }
          : {}),
      },
    }
  }

  const service = {
    listIndicators: repo.listIndicators.bind(null, db),

    /**
     * For microdata: a respondent's weight from their answers to the profile questions (null when
     * outside the design), and whether their combination of answers is shared by too few to show.
     */
    async respondentWeights(waveId: number, rareBelow: number) {
      const questions = await repo.questionsByCode(db, waveId)
      const design = await waveDesign(waveId, questions, () => true)
      const tallies = design.tallies
      const shared = new Map<string, { profile: Profile; respondents: number }>()
      for (const t of tallies.rows) {
        const key = JSON.stringify(t.profile)
        const entry = shared.get(key) ?? { profile: t.profile, respondents: 0 }
        entry.respondents += t.respondents
        shared.set(key, entry)
      }
      const cellWeight = (profile: Profile) => {
        const cell = design.cellOf(profile)
        return cell === undefined ? null : design.weighting.weights[cell]!
      }
      const weighted = design.variables.length > 0
      // Rare combinations are blanked. A raking weight belongs to one cell of the design, so a blanked
      // row keeping its own weight would give its profile back to anyone matching weights: blanked rows
      // share one weight, their mean, over a pool of at least `rareBelow` rows from two cells or more
      // (the next rarest combinations join the pool until it is), so no column leads back to a cell.
      const combinations = [...shared.entries()].sort((a, b) => a[1].respondents - b[1].respondents)
      const blanked = new Set(combinations.filter(([, c]) => c.respondents < rareBelow).map(([key]) => key))
      const pool = () => combinations.filter(([key]) => blanked.has(key)).map(([, c]) => c)
      const distinctWeights = () => new Set(pool().map((c) => cellWeight(c.profile))).size
      const pooledRows = () => pool().reduce((n, c) => n + c.respondents, 0)
      for (const [key] of combinations) {
        if (blanked.size === 0 || !weighted) break
        if (pooledRows() >= rareBelow && distinctWeights() >= 2) break
        blanked.add(key)
      }
      let weightSum = 0
      let weightedRows = 0
      for (const c of pool()) {
        const w = cellWeight(c.profile)
        if (w === null) continue
        weightSum += w * c.respondents
        weightedRows += c.respondents
      }
      const pooledWeight = weightedRows > 0 ? weightSum / weightedRows : null
      return {
        profileQuestionIds: tallies.profileQuestionIds,
        weighted,
        /** The weight published with a respondent: the pool's for a blanked one (null outside the design). */
        weightOf: (profile: Profile) => {
          const own = cellWeight(profile)
          return own !== null && blanked.has(JSON.stringify(profile)) ? pooledWeight : own
        },
        isRare: (profile: Profile) => blanked.has(JSON.stringify(profile)),
      }
    },

    /** What identifies the series' results now (responses not folded yet included); reads only. */
    async currentVersion(seriesId: number): Promise<string> {
      return (await repo.resultsVersion(db, seriesId)).token
    },

    /**
     * Every indicator over every wave (overall, then by group), then the changes from wave to wave.
     * Read from the tallies plus the responses not folded yet (never written here); results are
     * recomputed only when the series' results version moved (new responses included), so an unchanged
     * series answers from memory and a changed one is never stale.
     */
    async trends(series: { id: number; minGroupSize: number }, options: TrendOptions = {}): Promise<Trends> {
      const version = await service.currentVersion(series.id)
      const key = JSON.stringify([
        series,
        options.breakdown ?? null,
        options.ci ?? 'logit',
        !!options.closedOnly,
        options.sample ?? 'all',
      ])
      const cached = computed.get(key)
      if (cached?.version === version) return cached.trends
      const trends = await computeTrends(series, options)
      computed.delete(key)
      computed.set(key, { version, trends })
      // Oldest first in a Map: keep the most recent results of a few hundred series and options.
      if (computed.size > 256) computed.delete(computed.keys().next().value!)
      return trends
    },
  }

  async function computeTrends(series: { id: number; minGroupSize: number }, options: TrendOptions) {
    const indicators = await repo.listIndicators(db, series.id)
    const waves = wavesShown(await repo.wavesOfSeries(db, series.id), {
      publishedOnly: options.closedOnly === true,
    })
    const rows: TrendRow[] = []
    const weightings: WaveWeighting[] = []
    for (const wave of waves) {
      const result = await waveRows(wave, indicators, options, series.minGroupSize)
      rows.push(...result.rows)
      weightings.push(result.weighting)
    }
    const changes: TrendRow[] = []
    for (const indicator of indicators) {
      const overall = rows.filter((r) => r.indicator === indicator.code && r.breakdown === 'overall')
      for (let i = 1; i < overall.length; i++) {
        const [before, after] = [overall[i - 1]!, overall[i]!]
        // A confirmed break (the question was reworded): the two waves do not measure the same thing.
        const acrossBreak = Boolean(after.breakInSeries)
        const suppressed = before.suppressed || after.suppressed
        const c =
          suppressed || acrossBreak
            ? null
            : change(
                { estimate: before.estimate!, se: before.se! },
                { estimate: after.estimate!, se: after.se! },
              )
        changes.push({
          indicator: indicator.code,
          wave: after.wave,
          breakdown: 'change',
          group: '',
          estimate: c?.estimate ?? null,
          se: c?.se ?? null,
          ciLow: c?.ci[0] ?? null,
          ciHigh: c?.ci[1] ?? null,
          n: null,
          nEffective: null,
          weighted: before.weighted && after.weighted,
          // One wave weighted and the other not: the change mixes two ways of estimating.
          weightingDiffers: before.weighted !== after.weighted,
          suppressed,
          breakInSeries: acrossBreak,
          ciMethod: 'wald',
          ...(c ? { significant: c.significant } : {}),
        })
      }
    }
    return {
      indicators,
      waves: weightings,
      rows: [
        ...rows.filter((r) => r.breakdown === 'overall'),
        ...rows.filter((r) => r.breakdown !== 'overall'),
        ...changes,
      ],
    }
  }

  return service
}

type Profile = (string | null)[]

/** The raking level of respondents whose answer has no population total. */
export const NO_TOTAL = '(missing)'

export interface Trends {
  indicators: IndicatorRecord[]
  waves: WaveWeighting[]
  rows: TrendRow[]
}

/**
 * What one tally (respondents sharing an answer pattern) adds to an indicator's domain of valid answers,
 * or undefined when those answers are outside it (only excluded codes, or no number for a mean).
 */
function validAnswers(
  indicator: Pick<IndicatorRecord, 'kind' | 'successCodes' | 'excludedCodes'>,
  t: { pattern: string; respondents: number; valued: number; value_sum: number; value_sum_squares: number },
): Omit<DomainAggregate, 'cell'> | undefined {
  const codes = t.pattern === '' ? [] : t.pattern.split(' ')
  const kept = codes.filter((c) => !indicator.excludedCodes.includes(c))
  if (codes.length > 0 && kept.length === 0) return undefined
  if (indicator.kind === 'mean') {
    return t.valued > 0 ? { count: t.valued, sum: t.value_sum, sumSquares: t.value_sum_squares } : undefined
  }
  const y = kept.some((c) => indicator.successCodes.includes(c)) ? t.respondents : 0
  return { count: t.respondents, sum: y, sumSquares: y }
}

export type ResultsService = ReturnType<typeof createResultsService>

/** A trend row's values in the order of TREND_COLUMNS (files and spreadsheets share it). */
export const trendRowValues = (r: TrendRow) => [
  r.indicator,
  r.wave,
  r.breakdown,
  r.group,
  r.estimate,
  r.se,
  r.ciLow,
  r.ciHigh,
  r.n,
  r.nEffective,
  r.weighted,
  r.suppressed,
  Boolean(r.breakInSeries),
  r.ciMethod ?? 'wald',
  Boolean(r.weightingDiffers),
]

/** The trend rows as CSV (RFC 4180, dot decimals, full precision, empty for withheld numbers). */
export function trendsToCsv(rows: TrendRow[]): string {
  return csvLine([...TREND_COLUMNS]) + rows.map((r) => csvLine(trendRowValues(r))).join('')
}
