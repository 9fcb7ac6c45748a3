import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Translated } from '../questionnaire/translated.ts'
import type { Margins } from './estimation.ts'

export interface IndicatorRecord {
  id: number
  code: string
  questionCode: string
  kind: 'share' | 'mean'
  successCodes: string[]
  excludedCodes: string[]
  label: Translated
}

export async function listIndicators(db: Db, seriesId: number): Promise<IndicatorRecord[]> {
  const rows = await db
    .selectFrom('indicator')
    .select(['id', 'code', 'question_code', 'kind', 'success_codes', 'excluded_codes', 'label'])
    .where('series_id', '=', seriesId)
    .orderBy('position')
    .orderBy('code')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    questionCode: r.question_code,
    kind: r.kind,
    successCodes: r.success_codes,
    excludedCodes: r.excluded_codes,
    label: r.label,
  }))
}

/** Creates or redefines an indicator of a series. */
export async function saveIndicator(
  db: Db,
  seriesId: number,
  indicator: Omit<IndicatorRecord, 'id'> & { position?: number },
): Promise<void> {
  const values = {
    ...(indicator.position !== undefined ? { position: indicator.position } : {}),
    question_code: indicator.questionCode,
    kind: indicator.kind,
    success_codes: JSON.stringify(indicator.successCodes),
    excluded_codes: JSON.stringify(indicator.excludedCodes),
    label: JSON.stringify(indicator.label),
  }
  await db
    .insertInto('indicator')
    .values({ series_id: seriesId, code: indicator.code, ...values })
    .onConflict((oc) => oc.columns(['series_id', 'code']).doUpdateSet(values))
    .execute()
}

export async function listMargins(db: Db, waveId: number): Promise<Margins> {
  const rows = await db
    .selectFrom('population_margin')
    .select(['variable', 'level', 'population'])
    .where('wave_id', '=', waveId)
    .execute()
  const margins: Margins = {}
  for (const r of rows) (margins[r.variable] ??= {})[r.level] = r.population
  return margins
}

export async function replaceMargins(
  db: Db,
  waveId: number,
  rows: { variable: string; level: string; population: number }[],
) {
  await db.deleteFrom('population_margin').where('wave_id', '=', waveId).execute()
  if (rows.length)
    await db
      .insertInto('population_margin')
      .values(rows.map((r) => ({ wave_id: waveId, ...r })))
      .execute()
}

/** Groups with fewer valid answers than this are withheld in the series' results. */
export async function minGroupSize(db: Db, seriesId: number): Promise<number> {
  const row = await db
    .selectFrom('survey_series')
    .select('min_group_size')
    .where('id', '=', seriesId)
    .executeTakeFirstOrThrow()
  return row.min_group_size
}

export async function wavesOfSeries(db: Db, seriesId: number) {
  return db
    .selectFrom('wave')
    .select(['id', 'year', 'status'])
    .where('series_id', '=', seriesId)
    .orderBy('year')
    .execute()
}

export async function questionsByCode(db: Db, waveId: number) {
  const rows = await db
    .selectFrom('question')
    .select(['id', 'code', 'type', 'break_in_series'])
    .where('wave_id', '=', waveId)
    .execute()
  return new Map(rows.map((r) => [r.code, r]))
}

export async function responseCount(db: Db, waveId: number): Promise<number> {
  const row = await db
    .selectFrom('response')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('wave_id', '=', waveId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** What to group the respondents by: a profile question's option, or the language they answered in. */
export type Breakdown = { kind: 'question'; questionId: number } | { kind: 'language' } | undefined

// One row per response with its answer to each margin question (v0, v1, ...) and its group (g).
function profile(waveId: number, marginIds: number[], breakdown: Breakdown): RawBuilder<unknown> {
  const ids = [...marginIds, ...(breakdown?.kind === 'question' ? [breakdown.questionId] : [])]
  const columns = marginIds.map(
    (id, i) => sql`max(a.option_code) filter (where a.question_id = ${id}) as ${sql.raw(`v${i}`)}`,
  )
  if (breakdown?.kind === 'question')
    columns.push(sql`max(a.option_code) filter (where a.question_id = ${breakdown.questionId}) as g`)
  if (ids.length === 0) {
    return sql`select r.id as response_id, ${breakdown?.kind === 'language' ? sql`r.language` : sql`null::text`} as g
      from response r where r.wave_id = ${waveId}`
  }
  const pivot = sql`select a.response_id, ${sql.join(columns)} from answer a
    where a.wave_id = ${waveId} and a.question_id in (${sql.join(ids)}) group by a.response_id`
  if (breakdown?.kind === 'language') {
    return sql`select p.*, r.language as g from response r left join (${pivot}) p on p.response_id = r.id where r.wave_id = ${waveId}`
  }
  if (breakdown === undefined) return sql`select p.*, null::text as g from (${pivot}) p`
  return pivot
}

/** Respondents per combination of the margin questions' answers (those missing one are left out). */
export async function rakingCells(db: Db, waveId: number, marginIds: number[]) {
  if (marginIds.length === 0) return []
  const vars = marginIds.map((_, i) => sql.raw(`v${i}`))
  const { rows } = await sql<Record<string, string | number>>`
    select ${sql.join(vars)}, count(*)::int as respondents from (${profile(waveId, marginIds, undefined)}) p
    where ${sql.join(
      vars.map((v) => sql`${v} is not null`),
      sql` and `,
    )}
    group by ${sql.join(vars)}`.execute(db)
  return rows.map((r) => ({
    levels: marginIds.map((_, i) => String(r[`v${i}`])),
    respondents: Number(r.respondents),
  }))
}

/** Valid answers to an indicator's question per raking cell and group: count, Σy, Σy². */
export async function domainAggregates(
  db: Db,
  waveId: number,
  marginIds: number[],
  breakdown: Breakdown,
  indicator: { questionId: number; kind: 'share' | 'mean'; successCodes: string[]; excludedCodes: string[] },
) {
  const value =
    indicator.kind === 'share'
      ? sql`max(case when a.option_code in (${sql.join(indicator.successCodes.length ? indicator.successCodes : [''])}) then 1 else 0 end)`
      : sql`max(a.value_number)`
  const excluded = indicator.excludedCodes.length
    ? sql`and (a.option_code is null or a.option_code not in (${sql.join(indicator.excludedCodes)}))`
    : sql``
  const vars = marginIds.map((_, i) => sql.raw(`p.v${i}`))
  const { rows } = await sql<Record<string, string | number | null>>`
    with y as (
      select a.response_id, ${value}::float8 as y from answer a
      where a.wave_id = ${waveId} and a.question_id = ${indicator.questionId} ${excluded}
      group by a.response_id
    )
    select ${sql.join([...vars.map((v, i) => sql`${v} as ${sql.raw(`v${i}`)}`), sql`p.g`])},
           count(*)::int as count, sum(y.y)::float8 as sum, sum(y.y * y.y)::float8 as sum_squares
    from y join (${profile(waveId, marginIds, breakdown)}) p on p.response_id = y.response_id
    where y.y is not null ${
      vars.length
        ? sql`and ${sql.join(
            vars.map((v) => sql`${v} is not null`),
            sql` and `,
          )}`
        : sql``
    }
    group by ${sql.join([...vars, sql`p.g`])}`.execute(db)
  return rows.map((r) => ({
    levels: marginIds.map((_, i) => String(r[`v${i}`])),
    group: r.g === null ? null : String(r.g),
    count: Number(r.count),
    sum: Number(r.sum),
    sumSquares: Number(r.sum_squares),
  }))
}
