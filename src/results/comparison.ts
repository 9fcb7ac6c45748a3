import { z } from 'zod'
import { formString } from '../http/form-text.ts'
import type { Db } from '../db/database.ts'
import type { TrendRow } from './results.service.ts'

export const COMPARISON_MAX_BYTES = 2 * 1024 * 1024

const CONTROL_CHARACTER = 'holds a control character (such as NUL) that no text may hold'
const number = z.number().finite().nullable()
const row = z.object({
  indicator: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'indicator must be an indicator code'),
  wave: z.number().int().min(1990).max(2200),
  breakdown: formString(CONTROL_CHARACTER).max(40),
  group: formString(CONTROL_CHARACTER).max(100),
  estimate: number,
  se: number,
  ciLow: number,
  ciHigh: number,
  n: number,
  nEffective: number,
  weighted: z.boolean(),
  suppressed: z.boolean(),
})
const header = z.object({
  format: z.literal('pulso-trends', { error: 'format must be "pulso-trends"' }),
  version: z.literal(1, { error: 'version must be 1' }),
  series: formString(CONTROL_CHARACTER).max(40),
  organization: formString(CONTROL_CHARACTER).max(60).optional(),
  organizationName: formString(CONTROL_CHARACTER).max(120).optional(),
  rows: z.array(z.unknown()).max(100_000),
})

export type ComparisonRow = z.infer<typeof row>
export type ComparisonReading =
  | { ok: true; city: string; rows: ComparisonRow[] }
  | { ok: false; problems: { row: number; reason: string }[] }

/** Reads another city's trend file; every bad row is reported with its number and reason. */
export function readTrendFile(text: string, fallbackName: string): ComparisonReading {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { ok: false, problems: [{ row: 0, reason: 'the file is not JSON' }] }
  }
  const top = header.safeParse(json)
  if (!top.success) return { ok: false, problems: [{ row: 0, reason: top.error.issues[0]!.message }] }
  const rows: ComparisonRow[] = []
  const problems: { row: number; reason: string }[] = []
  top.data.rows.forEach((value, i) => {
    const parsed = row.safeParse(value)
    if (parsed.success) rows.push(parsed.data)
    else
      problems.push({
        row: i + 1,
        reason: parsed.error.issues
          .map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`)
          .join('; '),
      })
  })
  if (problems.length) return { ok: false, problems }
  // The city by its name when the file gives it (files made before 2026-12 give only its code).
  const city = top.data.organizationName ?? top.data.organization ?? fallbackName
  return { ok: true, city: city.slice(0, 120), rows }
}

export async function addComparison(
  db: Db,
  comparison: { seriesId: number; city: string; rows: ComparisonRow[]; addedBy: number },
) {
  await db
    .insertInto('trend_comparison')
    .values({
      series_id: comparison.seriesId,
      city: comparison.city,
      document: JSON.stringify(comparison.rows),
      added_by: comparison.addedBy,
    })
    .execute()
}

export async function listComparisons(db: Db, seriesId: number) {
  const rows = await db
    .selectFrom('trend_comparison')
    .select(['id', 'city', 'document', 'added_at as addedAt'])
    .where('series_id', '=', seriesId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({ ...r, rows: r.document as ComparisonRow[] }))
}

export async function removeComparison(db: Db, seriesId: number, id: number) {
  await db.deleteFrom('trend_comparison').where('series_id', '=', seriesId).where('id', '=', id).execute()
}

/** Per indicator both cities publish, the overall estimate of each wave for our city and each other. */
export function sideBySide(ours: TrendRow[], others: { city: string; rows: ComparisonRow[] }[]) {
  const overall = (rows: { breakdown: string }[]) => rows.filter((r) => r.breakdown === 'overall')
  const mine = overall(ours) as TrendRow[]
  const codes = [...new Set(mine.map((r) => r.indicator))]
  return codes
    .map((indicator) => {
      const cities = others
        .map((o) => ({
          city: o.city,
          rows: overall(o.rows).filter(
            (r) => (r as ComparisonRow).indicator === indicator,
          ) as ComparisonRow[],
        }))
        .filter((o) => o.rows.length > 0)
      const waves = [
        ...new Set(
          [...mine.filter((r) => r.indicator === indicator), ...cities.flatMap((c) => c.rows)].map(
            (r) => r.wave,
          ),
        ),
      ].sort((a, b) => a - b)
      return {
        indicator,
        cities: cities.map((c) => c.city),
        waves: waves.map((wave) => ({
          wave,
          ours: mine.find((r) => r.indicator === indicator && r.wave === wave),
          theirs: cities.map((c) => c.rows.find((r) => r.wave === wave)),
        })),
      }
    })
    .filter((i) => i.cities.length > 0)
}

export type FetchOutcome = { ok: true; text: string; host: string } | { ok: false; reason: string }

/**
 * Reads another instance's published trend file from an address whose origin this instance allows
 * (COMPARISON_ORIGINS): no redirects, 10 s at most, 2 MB at most, so nobody can make the server
 * fetch arbitrary addresses or wait on them.
 */
export async function fetchTrendFile(address: string, allowedOrigins: string[]): Promise<FetchOutcome> {
  let url: URL
  try {
    url = new URL(address)
  } catch {
    return { ok: false, reason: 'notAnAddress' }
  }
  if (!['http:', 'https:'].includes(url.protocol) || !allowedOrigins.includes(url.origin))
    return { ok: false, reason: 'originNotAllowed' }
  try {
    const res = await fetch(url, {
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
      headers: { accept: 'application/json' },
    })
    if (!res.ok || !res.body) return { ok: false, reason: 'notFetched' }
    const chunks: Uint8Array[] = []
    let size = 0
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength
      if (size > COMPARISON_MAX_BYTES) return { ok: false, reason: 'tooLarge' }
      chunks.push(chunk)
    }
    return { ok: true, text: Buffer.concat(chunks).toString('utf8'), host: url.host }
  } catch {
    return { ok: false, reason: 'notFetched' }
  }
}
