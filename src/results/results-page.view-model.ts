import type { TFunction } from 'i18next'
import type { Formatters } from '../i18n/formatters.ts'
import type { ResponseRate } from '../invitations/invitations.repository.ts'
import type { Question } from '../questionnaire/questionnaire.ts'
import { inLanguage, LANGUAGES, type Language } from '../questionnaire/translated.ts'
import { groupChartSvg, trendChartSvg, valueDomain, type TrendPoint } from './charts.ts'
import { statusFromRows, type TargetStatus } from './targets.ts'
import type { IndicatorRecord } from './results.repository.ts'
import type { TrendRow, Trends, WaveWeighting } from './results.service.ts'
import { isOpen } from '../series/wave-rules.ts'

/** The breakdown a reader asked for when the page offers it, else the first profile question. */
export function chosenBreakdown(asked: unknown, profiles: Question[]): string | undefined {
  const offered = [...profiles.map((q) => q.code), 'language']
  return typeof asked === 'string' && offered.includes(asked) ? asked : profiles[0]?.code
}

/**
 * The whole results page (citizens' and the evaluators' dashboard): the breakdowns it offers with the
 * chosen one, the method in words, response rates, the waves with their weighting, and each indicator.
 */
export function resultsPageViewModel(input: {
  series: { title: Record<Language, string>; organizationName: string }
  base: string
  /** Citizens' page: closed waves only, no choice of sample or interval method. */
  closedOnly: boolean
  profiles: Question[]
  by: string | undefined
  sample: 'all' | 'invited'
  ci: 'logit' | 'wald'
  minGroupSize: number
  trends: Trends
  responseRatesByWave: { wave: number; rates: ResponseRate[] }[]
  language: Language
  t: TFunction
  format: Formatters
}) {
  const { t, language: lang, by, trends } = input
  const breakdowns = [
    ...input.profiles.map((q) => ({ value: q.code, label: inLanguage(q.text, lang) })),
    { value: 'language', label: t('results.languageOfResponse') },
  ]
  const groupQuestion = input.profiles.find((q) => q.code === by)
  const groupLabels: GroupLabels = new Map(
    by === 'language'
      ? LANGUAGES.map((l) => [l, t(`common.languageName.${l}`)])
      : (groupQuestion?.options ?? []).map((o) => [o.code, inLanguage(o.label, lang)]),
  )
  return {
    title: t('results.title', { series: inLanguage(input.series.title, lang) }),
    seriesTitle: inLanguage(input.series.title, lang),
    organizationName: input.series.organizationName,
    base: input.base,
    breakdowns,
    by,
    byLabel: breakdowns.find((b) => b.value === by)?.label ?? '',
    sample: input.closedOnly ? undefined : input.sample,
    ci: input.closedOnly ? undefined : input.ci,
    methodText: t('results.methodStaff', { method: t(`results.ciMethod.${input.ci}`) }),
    responseRatesByWave: input.responseRatesByWave,
    // A wave still being answered shows its numbers so far.
    waves: trends.waves.map((w) => ({ ...w, soFar: isOpen(w) })),
    minGroupSize: input.minGroupSize,
    indicators: resultsViewModel({
      indicators: trends.indicators,
      rows: trends.rows,
      waves: trends.waves,
      breakdown: by,
      groupLabels,
      language: lang,
      t,
      format: input.format,
    }),
  }
}

/** Group labels by option code, in the reader's language. */
export type GroupLabels = Map<string, string>

/**
 * What a results page shows per indicator: a trend chart with its interval band and breaks, the
 * change from the previous wave in words, a chart by group for the latest wave, and the same numbers
 * as tables. Numbers are formatted in the reader's language.
 */
export function resultsViewModel(input: {
  indicators: IndicatorRecord[]
  rows: TrendRow[]
  waves: WaveWeighting[]
  breakdown: string | undefined
  groupLabels: GroupLabels
  language: Language
  t: TFunction
  format: Formatters
}) {
  const { t, format, language } = input
  const openWaves = new Set(input.waves.filter(isOpen).map((w) => w.wave))
  return input.indicators.map((indicator) => {
    const share = indicator.kind === 'share'
    const show = (v: number | null) => (v === null ? '' : share ? format.percent(v, 1) : format.number(v, 1))
    // An interval, saying when it is the exact one (a share of 0 or 1).
    const span = (r: TrendRow) =>
      `${show(r.ciLow)} – ${show(r.ciHigh)}${r.ciMethod === 'clopper-pearson' ? ` (${t('results.exactInterval')})` : ''}`
    const label = inLanguage(indicator.label, language)
    const overall = input.rows.filter((r) => r.indicator === indicator.code && r.breakdown === 'overall')
    const visible = overall.filter((r) => !r.suppressed)
    const changes = input.rows.filter((r) => r.indicator === indicator.code && r.breakdown === 'change')
    const breakAt = (wave: number) => Boolean(overall.find((o) => o.wave === wave)?.breakInSeries)
    // The latest wave with results: a wave just opened (no answers yet) takes nothing away.
    const latestWave = visible.at(-1)?.wave
    const last = changes.filter((c) => latestWave !== undefined && c.wave <= latestWave).at(-1)
    let changeText = ''
    if (last?.breakInSeries) changeText = t('results.change.break', { year: last.wave })
    else if (last && last.estimate !== null) {
      const magnitude = Math.abs(share ? last.estimate * 100 : last.estimate)
      const direction = magnitude < 0.05 ? 'same' : last.estimate > 0 ? 'up' : 'down'
      changeText = t(`results.change.${direction}`, {
        // "0,7 point" in French (singular below 2), "0,7 puntos" in Spanish: the plural rule of the shown number.
        value: share
          ? `${format.number(magnitude, 1)} ${t('results.points', { count: Number(magnitude.toFixed(1)) })}`
          : format.number(magnitude, 1),
        year: last.wave,
        significance: t(last.significant ? 'results.significant' : 'results.notSignificant'),
      })
      if (last.weightingDiffers) changeText += ` ${t('results.change.weightingDiffers')}`
    }
    const target = indicator.target
    const status = target
      ? statusFromRows(
          target,
          visible.map((r) => ({ ...r, breakInSeries: breakAt(r.wave) })),
        )
      : undefined
    // The two waves the projection runs through (since the last break).
    const since = visible.filter((r) => status && r.wave <= status.latestYear).slice(-2)
    const targetShown = target ? show(target.value) : ''
    const targetText =
      target && status
        ? targetSentence(t, status, {
            value: targetShown,
            year: target.year,
            direction: target.direction,
            projected: status.projected === null ? '' : show(status.projected),
            from: since.at(-2)?.wave,
            to: since.at(-1)?.wave,
          })
        : target
          ? t('targets.line', {
              direction: t(`targets.${target.direction}Short`),
              value: targetShown,
              year: target.year,
            })
          : ''
    const id = `chart-${indicator.code}`
    // What a screen reader hears of a trend chart, and its points (a break is marked after the first).
    const describe = (rows: TrendRow[]) =>
      rows
        .map((r) =>
          t('results.chartPoint', {
            wave: r.wave,
            value: show(r.estimate),
            low: show(r.ciLow),
            high: show(r.ciHigh),
          }),
        )
        .join(' ')
    const points = (rows: TrendRow[]) =>
      rows.map((r) => ({
        wave: r.wave,
        estimate: r.estimate!,
        ciLow: r.ciLow!,
        ciHigh: r.ciHigh!,
        breakInSeries: breakAt(r.wave) && r !== rows[0],
        soFar: openWaves.has(r.wave),
      }))
    const description = describe(visible)
    const trendSvg = indicatorTrendSvg(points(visible), {
      id,
      kind: indicator.kind,
      label,
      description: `${description} ${changeText}`.trim(),
      target,
      t,
      format,
    })
    const byGroup = input.breakdown
      ? input.rows.filter((r) => r.indicator === indicator.code && r.breakdown === input.breakdown)
      : []
    const groups = byGroup.filter((r) => r.wave === latestWave)
    const groupSvg =
      groups.length > 0
        ? groupChartSvg(
            groups.map((g) => ({
              label: input.groupLabels.get(g.group) ?? g.group,
              estimate: g.estimate,
              ciLow: g.ciLow,
              ciHigh: g.ciHigh,
            })),
            valueDomain(groups, indicator.kind),
            {
              id: `${id}-groups`,
              title: t('results.groupTitle', { indicator: label, year: latestWave }),
              description: groups
                .map((g) =>
                  g.suppressed
                    ? `${input.groupLabels.get(g.group) ?? g.group}: ${t('results.tooFew')}.`
                    : `${input.groupLabels.get(g.group) ?? g.group}: ${show(g.estimate)} (${show(g.ciLow)} – ${show(g.ciHigh)}).`,
                )
                .join(' '),
              tick: (v) => (share ? format.percent(v, 0) : format.number(v, 1)),
              breakLabel: t('results.break'),
              soFarLabel: t('results.soFar'),
              withheldLabel: t('results.tooFew'),
            },
          )
        : ''
    // Each group over the waves: small charts on one shared axis, so groups compare at a glance.
    const waves = [...new Set(overall.map((r) => r.wave))]
    const groupCodes = [...new Set(byGroup.map((r) => r.group))]
    const sharedDomain = valueDomain(
      byGroup.filter((r) => !r.suppressed),
      indicator.kind,
    )
    const groupTrends = groupCodes.map((code, i) => {
      const name = input.groupLabels.get(code) ?? code
      const shown = byGroup.filter((r) => r.group === code && !r.suppressed)
      return {
        group: name,
        svg: trendChartSvg(
          points(shown),
          sharedDomain,
          {
            id: `${id}-group-${i}`,
            title: t('results.groupTrendTitle', { indicator: label, group: name }),
            description: describe(shown),
            tick: (v) => (share ? format.percent(v, 0) : format.number(v, 1)),
            breakLabel: t('results.break'),
            soFarLabel: t('results.soFar'),
          },
          { width: 280, height: 180 },
        ),
        cells: waves.map((wave) => {
          const r = byGroup.find((g) => g.group === code && g.wave === wave)
          return !r || r.suppressed
            ? t('results.tooFew')
            : `${show(r.estimate)} (${show(r.ciLow)} – ${show(r.ciHigh)})`
        }),
      }
    })
    return {
      code: indicator.code,
      label,
      kind: indicator.kind,
      changeText,
      targetText,
      targetReason: target ? inLanguage(target.reason, language) : '',
      targetStatus: status ?? null,
      trendSvg,
      groupSvg,
      groupTrends,
      waves,
      latestWave,
      table: overall.map((r) => ({
        wave: r.wave,
        soFar: openWaves.has(r.wave),
        suppressed: r.suppressed,
        estimate: show(r.estimate),
        interval: r.suppressed ? '' : span(r),
        n: r.n === null ? '' : format.number(r.n),
        breakInSeries: Boolean(r.breakInSeries),
      })),
      groupTable: groups.map((g) => ({
        group: input.groupLabels.get(g.group) ?? g.group,
        suppressed: g.suppressed,
        estimate: show(g.estimate),
        interval: g.suppressed ? '' : span(g),
        n: g.n === null ? '' : format.number(g.n),
      })),
    }
  })
}

/** Where the latest wave stands against a target, in words, with whether the intervals make it sure. */
export function targetSentence(
  t: TFunction,
  status: TargetStatus,
  p: {
    value: string
    year: number
    direction: 'atLeast' | 'atMost'
    projected: string
    from: number | undefined
    to: number | undefined
  },
): string {
  const line = t('targets.line', {
    direction: t(`targets.${p.direction}Short`),
    value: p.value,
    year: p.year,
  })
  const call = t(`targets.calls.${status.call}`, {
    latest: status.latestYear,
    projected: p.projected,
    from: p.from,
    to: p.to,
    year: p.year,
  })
  const sure =
    status.call === 'tooEarly' ? '' : ` ${t(status.certain ? 'targets.certain' : 'targets.uncertain')}`
  return `${line} ${call}${sure}`
}

/**
 * An indicator's trend chart: its interval band and breaks, its target dashed (the axis reaching it),
 * labels in the reader's language. The results pages and the brief draw the same.
 */
export function indicatorTrendSvg(
  points: TrendPoint[],
  o: {
    id: string
    kind: 'share' | 'mean'
    label: string
    description: string
    target: { value: number; year: number } | null
    t: TFunction
    format: Formatters
    size?: { width: number; height: number }
  },
): string {
  const { t, format, target } = o
  const show = (v: number, digits: number) =>
    o.kind === 'share' ? format.percent(v, digits) : format.number(v, 1)
  const domain = valueDomain(
    target ? [...points, { estimate: target.value, ciLow: target.value, ciHigh: target.value }] : points,
    o.kind,
  )
  return trendChartSvg(
    points,
    domain,
    {
      id: o.id,
      title: t('results.trendTitle', { indicator: o.label }),
      description: o.description,
      tick: (v) => show(v, 0),
      breakLabel: t('results.break'),
      soFarLabel: t('results.soFar'),
      ...(target
        ? {
            target: {
              value: target.value,
              label: t('targets.chartLabel', { year: target.year, value: show(target.value, 1) }),
            },
          }
        : {}),
    },
    o.size,
  )
}
