import type { TFunction } from 'i18next'
import type { Db } from '../db/database.ts'
import { sheetRow } from '../http/csv.ts'
import { responseRates } from '../invitations/invitations.repository.ts'
import { inLanguage, type Language } from '../questionnaire/translated.ts'
import { wavesOfSeries } from './results.repository.ts'
import { statusFromRows } from './targets.ts'
import { TREND_COLUMNS, trendRowValues, trendsToCsv, type Trends } from './results.service.ts'

export const TREND_FORMATS = ['csv', 'xlsx', 'json'] as const
export type TrendFormat = (typeof TREND_FORMATS)[number]

/** The trend file in the documented, versioned format other cities' evaluators can compare with. */
export async function trendsDocument(
  db: Db,
  series: { id: number; code: string; organization?: { slug: string; name: string } },
  trends: Trends,
  sample: 'all' | 'invited',
  intervalMethod: 'logit' | 'wald' = 'logit',
) {
  return {
    format: 'pulso-trends',
    version: 1,
    series: series.code,
    // Who publishes it: another city's evaluators see this name beside their own.
    ...(series.organization
      ? { organization: series.organization.slug, organizationName: series.organization.name }
      : {}),
    sample,
    // Shares' intervals; means and changes always use Wald (each row's ciMethod says which).
    intervalMethod,
    waves: trends.waves,
    rows: trends.rows.map((r) => ({ ...r, breakInSeries: Boolean(r.breakInSeries) })),
    // Each indicator's target and where the latest wave of the file stands against it.
    targets: trends.indicators
      .filter((i) => i.target !== null)
      .map((i) => {
        const target = i.target!
        const overall = trends.rows.filter((r) => r.indicator === i.code && r.breakdown === 'overall')
        const status = statusFromRows(target, overall)
        return {
          indicator: i.code,
          value: target.value,
          year: target.year,
          direction: target.direction,
          reason: target.reason,
          status: status ?? null,
        }
      }),
    // Only the waves the trends cover: a public file holds closed waves, so no open wave's progress leaks.
    responseRates: await Promise.all(
      (await wavesOfSeries(db, series.id))
        .filter((w) => trends.waves.some((t) => t.wave === w.year))
        .map(async (w) => ({ wave: w.year, strata: await responseRates(db, w.id) })),
    ),
  }
}

/** One sheet per indicator (the CSV's rows), and a "notes" sheet on method, weighting and suppression. */
export async function trendsWorkbook(
  trends: Trends,
  context: {
    seriesTitle: string
    language: Language
    t: TFunction
    minGroupSize: number
    intervalMethod: 'logit' | 'wald'
  },
): Promise<Buffer> {
  const { t } = context
  // Loaded here only: exceljs took a quarter of loading the app's modules, and most downloads are CSV or JSON.
  const workbook = new (await import('exceljs')).default.Workbook()
  workbook.creator = 'Pulso'
  for (const indicator of trends.indicators) {
    // Sheet names: at most 31 characters, and indicator codes are at most 40.
    const sheet = workbook.addWorksheet(indicator.code.slice(0, 31))
    sheet.addRow([...TREND_COLUMNS])
    sheet.getRow(1).font = { bold: true }
    for (const row of trends.rows.filter((r) => r.indicator === indicator.code))
      sheet.addRow(sheetRow(trendRowValues(row)))
    sheet.columns.forEach((column) => (column.width = 14))
  }
  const notes = workbook.addWorksheet('notes')
  notes.addRow(sheetRow([context.seriesTitle])).font = { bold: true }
  notes.addRow([t('results.methodStaff', { method: t(`results.ciMethod.${context.intervalMethod}`) })])
  notes.addRow([t('results.methodNote', { min: context.minGroupSize })])
  notes.addRow([t('downloads.notes.suppressed')])
  notes.addRow([])
  notes.addRow([t('downloads.notes.indicators')]).font = { bold: true }
  for (const i of trends.indicators)
    notes.addRow(
      sheetRow([
        i.code,
        inLanguage(i.label, context.language),
        i.kind === 'share'
          ? t('downloads.notes.share', {
              question: i.questionCode,
              success: i.successCodes.join(', '),
              excluded: i.excludedCodes.join(', ') || '—',
            })
          : t('downloads.notes.mean', { question: i.questionCode }),
      ]),
    )
  notes.addRow([])
  notes.addRow([
    t('results.wave'),
    t('results.respondents'),
    t('results.weighting'),
    t('downloads.notes.minWeight'),
    t('downloads.notes.maxWeight'),
    t('results.designEffect'),
  ]).font = { bold: true }
  for (const w of trends.waves)
    notes.addRow([
      w.wave,
      w.respondents,
      w.weighted ? t('results.raked') : t('results.unweighted'),
      w.minWeight ?? null,
      w.maxWeight ?? null,
      w.designEffect ?? null,
    ])
  notes.getColumn(1).width = 24
  notes.getColumn(2).width = 40
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

/** The trend rows as CSV, with a byte order mark when Excel is to open it. */
export function trendsCsvFile(trends: Trends, withBom: boolean): string {
  return (withBom ? '\uFEFF' : '') + trendsToCsv(trends.rows)
}
