import type { Db } from '../db/database.ts'
import type { WaveStatus } from '../db/schema.ts'
import {
  change,
  estimateMean,
  interval,
  rake,
  unweighted,
  WeightingError,
  type RakingCell,
  type Weighting,
} from './estimation.ts'
import * as repo from './results.repository.ts'
import type { IndicatorRecord } from './results.repository.ts'

export interface WaveWeighting {
  wave: number
  status: WaveStatus
  respondents: number
  weighted: boolean
  /** Why a wave with margins is reported unweighted. */
  problem?: string
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
  /** The indicator's question was reworded in this wave (a break in the series). */
  breakInSeries?: boolean
}

export interface TrendOptions {
  breakdown?: string | undefined
  ci?: 'logit' | 'wald'
  /** Public pages show closed waves only; staff also see waves being answered ("so far"). */
  closedOnly?: boolean
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
] as const

/** Indicators of a series over its waves: weighted estimates, intervals, breakdowns and changes. */
export function createResultsService(db: Db) {
  async function waveDesign(waveId: number, questions: Awaited<ReturnType<typeof repo.questionsByCode>>) {
    const margins = await repo.listMargins(db, waveId)
    const variables = Object.keys(margins).sort()
    const allRespondents = await repo.responseCount(db, waveId)
    const plain = () => {
      const cells: RakingCell[] = [{ levels: {}, respondents: allRespondents }]
      return { cells, weighting: unweighted(cells), marginIds: [] as number[], variables: [] as string[] }
    }
    if (variables.length === 0) return { ...plain(), problem: undefined }
    const missing = variables.find((v) => !questions.has(v))
    if (missing) return { ...plain(), problem: `the margin ${missing} is not a question of this wave` }
    const marginIds = variables.map((v) => questions.get(v)!.id)
    const raw = await repo.rakingCells(db, waveId, marginIds)
    const cells: RakingCell[] = raw.map((c) => ({
      levels: Object.fromEntries(variables.map((v, i) => [v, c.levels[i]!])),
      respondents: c.respondents,
    }))
    try {
      // Margins are raked in alphabetical order of their question codes (the variance depends on the order a little).
      const weighting: Weighting = rake(cells, Object.fromEntries(variables.map((v) => [v, margins[v]!])))
      return { cells, weighting, marginIds, variables, problem: undefined }
    } catch (error) {
      if (error instanceof WeightingError) return { ...plain(), problem: error.message }
      throw error
    }
  }

  async function waveRows(
    wave: { id: number; year: number; status: WaveStatus },
    indicators: IndicatorRecord[],
    options: TrendOptions,
    minGroupSize: number,
  ): Promise<{ rows: TrendRow[]; weighting: WaveWeighting }> {
    const questions = await repo.questionsByCode(db, wave.id)
    const design = await waveDesign(wave.id, questions)
    const weighted = design.variables.length > 0
    const cellIndex = new Map(
      design.cells.map((c, i) => [design.variables.map((v) => c.levels[v]).join('\u0000'), i]),
    )
    let breakdown: repo.Breakdown
    if (options.breakdown === 'language') breakdown = { kind: 'language' }
    else if (options.breakdown) {
      const q = questions.get(options.breakdown)
      breakdown = q ? { kind: 'question', questionId: q.id } : undefined
    }
    const rows: TrendRow[] = []
    const ciMethod = options.ci ?? 'logit'
    for (const indicator of indicators) {
      const question = questions.get(indicator.questionCode)
      if (!question) continue
      const aggregates = await repo.domainAggregates(
        db,
        wave.id,
        design.marginIds,
        options.breakdown ? breakdown : undefined,
        {
          questionId: question.id,
          kind: indicator.kind,
          successCodes: indicator.successCodes,
          excludedCodes: indicator.excludedCodes,
        },
      )
      const domain = (filter: (group: string | null) => boolean) =>
        aggregates
          .filter((a) => filter(a.group))
          .map((a) => ({
            cell: cellIndex.get(a.levels.join('\u0000'))!,
            count: a.count,
            sum: a.sum,
            sumSquares: a.sumSquares,
          }))
          .filter((d) => d.cell !== undefined)
      const row = (breakdownName: string, group: string, filter: (g: string | null) => boolean): TrendRow => {
        const e = estimateMean(design.cells, design.weighting, domain(filter))
        const suppressed = !e || e.n < minGroupSize
        const ci =
          e && !suppressed ? interval(e.estimate, e.se, indicator.kind === 'share' ? ciMethod : 'wald') : null
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
        }
      }
      rows.push(row('overall', '', () => true))
      if (options.breakdown && breakdown) {
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
        ...(design.problem ? { problem: design.problem } : {}),
        ...(weighted
          ? { minWeight: w.minWeight, maxWeight: w.maxWeight, designEffect: w.designEffect, passes: w.passes }
          : {}),
      },
    }
  }

  return {
    listIndicators: repo.listIndicators.bind(null, db),

    /** Every indicator over every wave (overall, then by group), then the changes from wave to wave. */
    async trends(series: { id: number; minGroupSize: number }, options: TrendOptions = {}) {
      const indicators = await repo.listIndicators(db, series.id)
      const waves = (await repo.wavesOfSeries(db, series.id)).filter((w) =>
        options.closedOnly ? w.status === 'closed' : w.status !== 'draft',
      )
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
          const suppressed = before.suppressed || after.suppressed
          const c = suppressed
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
            suppressed,
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
    },
  }
}

export type ResultsService = ReturnType<typeof createResultsService>

/** The trend rows as CSV (RFC 4180, dot decimals, full precision, empty for withheld numbers). */
export function trendsToCsv(rows: TrendRow[]): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return ''
    const text = String(v)
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
  }
  const lines = [TREND_COLUMNS.join(',')]
  for (const r of rows) {
    lines.push(
      [
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
      ]
        .map(cell)
        .join(','),
    )
  }
  return lines.join('\r\n') + '\r\n'
}
