import { describe, expect, it } from 'vitest'
import { briefContent } from '../../src/briefs/brief-content.ts'
import { briefPageViewModel } from '../../src/briefs/brief-page.view-model.ts'
import { formattersFor } from '../../src/i18n/formatters.ts'
import { createTranslator, fixedTranslations } from '../../src/i18n/i18n.ts'
import type { Question } from '../../src/questionnaire/questionnaire.ts'
import type { IndicatorRecord } from '../../src/results/results.repository.ts'
import type { TrendRow, Trends, WaveWeighting } from '../../src/results/results.service.ts'

const tr = (text: string) => ({ es: text, fr: text, pt: text })
const indicator: IndicatorRecord = {
  id: 1,
  code: 'aware',
  questionCode: 'aware',
  kind: 'share',
  successCodes: ['yes'],
  excludedCodes: [],
  label: tr('Conoce'),
  target: null,
}
const wave = (year: number, weighted = true): WaveWeighting => ({
  wave: year,
  status: 'closed',
  respondents: 1000,
  weighted,
  ...(weighted ? { variables: ['district'] } : {}),
})
const row = (
  wave: number,
  breakdown: string,
  group: string,
  estimate: number | null,
  more: Partial<TrendRow> = {},
): TrendRow => ({
  indicator: 'aware',
  wave,
  breakdown,
  group,
  estimate,
  se: estimate === null ? null : 0.02,
  ciLow: estimate === null ? null : estimate - 0.04,
  ciHigh: estimate === null ? null : estimate + 0.04,
  n: 500,
  nEffective: 450,
  weighted: true,
  suppressed: estimate === null,
  ...more,
})
const district: Question = {
  id: 9,
  code: 'district',
  type: 'single_choice',
  page: 2,
  position: 1,
  required: false,
  text: tr('Distrito'),
  help: {},
  showIf: null,
  messages: {},
  isProfile: true,
  min: null,
  max: null,
  options: [
    { code: 'centro', label: tr('Centro') },
    { code: 'norte', label: tr('Norte') },
    { code: 'sur', label: tr('Sur') },
  ],
}
const brief = (year: number, trends: Trends, byDistrict: Trends) =>
  briefContent({
    year,
    seriesTitle: tr('Percepción'),
    organization: { name: 'Ciudad', names: {} },
    lead: tr('Lo que cambió.'),
    indicatorCodes: ['aware'],
    trends,
    byBreakdown: [{ question: district, trends: byDistrict }],
    minGroupSize: 30,
    stories: [],
  })

describe('the content of a yearly brief', () => {
  // 2023 → 2024 across a break (the question was reworded in 2024); 2024 → 2025 comparable.
  const overall = [
    row(2023, 'overall', '', 0.3),
    row(2024, 'overall', '', 0.4, { breakInSeries: true }),
    row(2025, 'overall', '', 0.45),
  ]
  const changes = [
    row(2024, 'change', '', null, { breakInSeries: true, suppressed: false }),
    row(2025, 'change', '', 0.05, { significant: false, weightingDiffers: true }),
  ]
  const trends: Trends = {
    indicators: [indicator],
    waves: [wave(2023), wave(2024), wave(2025, false)],
    rows: [...overall, ...changes],
  }
  const byDistrict: Trends = {
    ...trends,
    rows: [
      ...overall,
      row(2023, 'district', 'centro', 0.1),
      row(2024, 'district', 'centro', 0.5),
      row(2024, 'district', 'norte', 0.2),
      row(2025, 'district', 'norte', 0.4),
      row(2024, 'district', 'sur', 0.3),
      row(2025, 'district', 'sur', 0.6),
      row(2024, 'district', 'centro', 0.5),
      row(2025, 'district', 'centro', null),
    ],
  }

  it('never compares across a break, not even by group', () => {
    const b = brief(2024, trends, byDistrict)
    expect(b.previousYear).toBe(2023)
    expect(b.indicators[0]!.change).toMatchObject({ from: 2023, breakInSeries: true, comparable: false })
    // Centro went from 10 % to 50 %: across the break, it is not a change.
    expect(b.groups).toEqual([])
    expect(b.method.breaks).toEqual(['aware'])
    // Later waves are left out of an earlier year's brief.
    expect(b.indicators[0]!.points.map((p) => p.wave)).toEqual([2023, 2024])
  })

  it('names the groups whose change is significant, largest first, and never a withheld group', () => {
    const b = brief(2025, trends, byDistrict)
    expect(b.indicators[0]!.change).toMatchObject({
      from: 2024,
      comparable: true,
      estimate: 0.05,
      weightingDiffers: true,
    })
    expect(b.method.weightingDiffers).toEqual(['aware'])
    expect(b.method.weighted).toBe(false)
    // Sur +30 points, Norte +20 (se 0.02 each: significant); Centro withheld in 2025.
    expect(b.groups.map((g) => [g.group, Number(g.change.toFixed(2))])).toEqual([
      ['sur', 0.3],
      ['norte', 0.2],
    ])
    expect(b.groups[0]!.ciLow).toBeCloseTo(0.3 - 1.959963984540054 * Math.sqrt(2) * 0.02, 12)
  })

  it('says beside the change that one wave is weighted and the other not, and no change across a break', () => {
    const t = fixedTranslations(createTranslator({ strict: true })).es
    const page = (year: number) =>
      briefPageViewModel({
        content: brief(year, trends, byDistrict),
        language: 'es',
        locale: 'es',
        t,
        format: formattersFor('es'),
        resultsHref: '/s/ciudad/percepcion/results',
      }).indicators[0]!.changeText.replace(/[\u00a0\u202f]/g, ' ')
    expect(page(2025)).toBe(
      'Ningún cambio del que podamos estar seguros desde 2024 (+5,0 puntos). Atención: una de las dos ediciones está ponderada y la otra no, así que el cambio mezcla dos formas de estimar.',
    )
    expect(page(2024)).toBe('No se compara con 2023: la pregunta cambió este año.')
  })
})
