import type { TFunction } from 'i18next'
import type { Formatters } from '../i18n/formatters.ts'
import { inLanguage, type Language } from '../questionnaire/translated.ts'
import { comparisonChartSvg, valueDomain, type CitySeries } from './charts.ts'
import { sideBySide } from './comparison.ts'
import type { OutputsService } from './outputs.service.ts'
import type { Trends } from './results.service.ts'

/**
 * What the comparison page shows per indicator both cities publish: a chart of every city's line, and a
 * table of estimates with their intervals, formatted in the reader's language.
 */
export function comparisonViewModel(input: {
  trends: Trends
  comparisons: Awaited<ReturnType<OutputsService['comparisons']>>
  /** Our city's name. */
  city: string
  language: Language
  t: TFunction
  format: Formatters
}) {
  const { t, format } = input
  const indicatorsByCode = new Map(input.trends.indicators.map((i) => [i.code, i]))
  type Cell = { estimate: number | null; ciLow: number | null; ciHigh: number | null; suppressed: boolean }
  // "61,2 % (58,0 % – 64,3 %)" in the reader's language, or a sentence for a withheld group.
  const cell = (share: boolean, r: Cell | undefined) => {
    if (!r) return ''
    if (r.suppressed || r.estimate === null) return t('compare.suppressed')
    const f = (v: number) => (share ? format.percent(v, 1) : format.number(v, 2))
    return r.ciLow === null || r.ciHigh === null
      ? f(r.estimate)
      : `${f(r.estimate)} (${f(r.ciLow)} – ${f(r.ciHigh)})`
  }

  return sideBySide(input.trends.rows, input.comparisons).map((i) => {
    const share = indicatorsByCode.get(i.indicator)?.kind !== 'mean'
    const label = inLanguage(indicatorsByCode.get(i.indicator)!.label, input.language)
    const drawn = (rows: (Cell | undefined)[], wavesOf: number[]) =>
      rows.flatMap((r, k) =>
        r && !r.suppressed && r.estimate !== null
          ? [{ wave: wavesOf[k]!, estimate: r.estimate, ciLow: r.ciLow, ciHigh: r.ciHigh }]
          : [],
      )
    const waveYears = i.waves.map((w) => w.wave)
    const lines: CitySeries[] = [
      {
        name: input.city,
        points: drawn(
          i.waves.map((w) => w.ours),
          waveYears,
        ),
      },
      ...i.cities.map((name, k) => ({
        name,
        points: drawn(
          i.waves.map((w) => w.theirs[k]),
          waveYears,
        ),
      })),
    ]
    const f = (v: number) => (share ? format.percent(v, 0) : format.number(v, 1))
    return {
      code: i.indicator,
      label,
      chartSvg: comparisonChartSvg(
        lines,
        valueDomain(
          lines.flatMap((c) => c.points),
          share ? 'share' : 'mean',
        ),
        {
          id: `cmp-chart-${i.indicator}`,
          title: t('compare.chartTitle', { indicator: label }),
          description: lines
            .map(
              (c) =>
                `${c.name}: ${c.points.map((p) => `${p.wave} ${cell(share, { ...p, suppressed: false })}`).join(', ')}.`,
            )
            .join(' '),
          tick: f,
        },
      ),
      cities: i.cities,
      waves: i.waves.map((w) => ({
        wave: w.wave,
        ours: cell(share, w.ours),
        theirs: w.theirs.map((r) => cell(share, r)),
      })),
    }
  })
}
