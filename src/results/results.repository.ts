import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Translated } from '../questionnaire/translated.ts'
import type { Margins } from './estimation.ts'
import type { Target } from './targets.ts'
import { STATUSES_WITH_RESULTS } from '../series/wave-rules.ts'

export interface IndicatorRecord {
  id: number
  code: string
  questionCode: string
  kind: 'share' | 'mean'
  successCodes: string[]
  excludedCodes: string[]
  label: Translated
  /** The value aimed at, the year it is for, the direction, and why (null: none set). */
  target: IndicatorTarget | null
}

export interface IndicatorTarget extends Target {
  reason: Partial<Translated>
}

/** The series' indicators in order; retired ones (no longer computed or published) only when asked. */
export async function listIndicators(
  db: Db,
  seriesId: number,
  options: { withRetired?: boolean } = {},
): Promise<(IndicatorRecord & { retired?: boolean })[]> {
  let query = db
    .selectFrom('indicator')
    .select([
      'id',
      'code',
      'question_code',
      'kind',
      'success_codes',
      'excluded_codes',
      'label',
      'retired_at',
      'target_value',
      'target_year',
      'target_direction',
      'target_reason',
    ])
    .where('series_id', '=', seriesId)
    .orderBy('position')
    .orderBy('code')
  if (!options.withRetired) query = query.where('retired_at', 'is', null)
  const rows = await query.execute()
  return rows.map((r) => ({
    ...(options.withRetired ? { retired: r.retired_at !== null } : {}),
    id: r.id,
    code: r.code,
    questionCode: r.question_code,
    kind: r.kind,
    successCodes: r.success_codes,
    excludedCodes: r.excluded_codes,
    label: r.label,
    target:
      r.target_value === null || r.target_year === null
        ? null
        : {
            value: r.target_value,
            year: r.target_year,
            direction: r.target_direction,
            reason: r.target_reason,
          },
  }))
}

/** Sets (or, with null, removes) an indicator's target. False when the series has no such indicator. */
export async function setTarget(db: Db, seriesId: number, code: string, target: IndicatorTarget | null) {
  const updated = await db
    .updateTable('indicator')
    .set({
      target_value: target?.value ?? null,
      target_year: target?.year ?? null,
      target_direction: target?.direction ?? 'atLeast',
      target_reason: JSON.stringify(target?.reason ?? {}),
    })
    .where('series_id', '=', seriesId)
    .where('code', '=', code)
    .executeTakeFirst()
  return Number(updated.numUpdatedRows) === 1
}

/** Creates or redefines an indicator of a series. */
export async function saveIndicator(
  db: Db,
  seriesId: number,
  indicator: Omit<IndicatorRecord, 'id' | 'target'> & { position?: number },
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

/** Retires an indicator (kept, no longer computed) or brings it back; false when there is no such code. */
export async function setIndicatorRetired(db: Db, seriesId: number, code: string, retired: boolean) {
  const result = await db
    .updateTable('indicator')
    .set({ retired_at: retired ? new Date() : null })
    .where('series_id', '=', seriesId)
    .where('code', '=', code)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
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
  // New margins replace copied ones: the wave's own.
  await db.updateTable('wave').set({ margins_copied_from: null }).where('id', '=', waveId).execute()
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

/** The weight cap of the wave's series (a multiple of the mean weight), or null. */
export async function weightCapOfWave(db: Db, waveId: number): Promise<number | null> {
  const row = await db
    .selectFrom('wave as w')
    .innerJoin('survey_series as s', 's.id', 'w.series_id')
    .select('s.weight_cap')
    .where('w.id', '=', waveId)
    .executeTakeFirst()
  return row?.weight_cap ?? null
}

/** The series' weighting settings, and every wave's margins (with where copied ones came from). */
export async function weightingSettings(db: Db, seriesId: number) {
  const series = await db
    .selectFrom('survey_series')
    .select(['weight_cap as weightCap', 'min_group_size as minGroupSize'])
    .where('id', '=', seriesId)
    .executeTakeFirstOrThrow()
  const margins = await db
    .selectFrom('population_margin as m')
    .innerJoin('wave as w', 'w.id', 'm.wave_id')
    .select(['w.year', 'w.margins_copied_from as copiedFrom', 'm.variable', 'm.level', 'm.population'])
    .where('w.series_id', '=', seriesId)
    .orderBy('w.year')
    .orderBy('m.variable')
    .orderBy('m.level')
    .execute()
  return { ...series, margins }
}

/** Sets the smallest group whose results are shown (its results are recomputed: the version includes it). */
export async function setMinGroupSize(db: Db, seriesId: number, size: number): Promise<void> {
  await db.updateTable('survey_series').set({ min_group_size: size }).where('id', '=', seriesId).execute()
}

/** Sets (or removes, with null) a series' weight cap; its results are recomputed. */
export async function setWeightCap(db: Db, seriesId: number, cap: number | null): Promise<void> {
  await db
    .updateTable('survey_series')
    .set((eb) => ({ weight_cap: cap, results_version: eb('results_version', '+', 1) }) as never)
    .where('id', '=', seriesId)
    .execute()
}

export async function wavesOfSeries(db: Db, seriesId: number) {
  return db
    .selectFrom('wave')
    .select(['id', 'year', 'status', 'margins_copied_from as marginsCopiedFrom'])
    .where('series_id', '=', seriesId)
    .orderBy('year')
    .execute()
}

export async function questionsByCode(db: Db, waveId: number) {
  const rows = await db
    .selectFrom('question')
    .select(['id', 'code', 'type', 'break_in_series', 'is_profile'])
    .where('wave_id', '=', waveId)
    .execute()
  return new Map(rows.map((r) => [r.code, r]))
}

/** The parts of a series' results version, selected beside `s` (a survey_series row). */
const versionColumns = sql`s.results_version::float8 as version, s.min_group_size,
      (select count(*) || '@' || coalesce(max(r.id), 0) from wave w join response r on r.wave_id = w.id
       where w.series_id = s.id and w.status in (${sql.join(STATUSES_WITH_RESULTS)}) and not r.tallied) as untallied`
type VersionRow = { version: number; min_group_size: number; untallied: string }
// Responses not folded yet count in the results too: their number and newest id are in the token.
const versionToken = (row: VersionRow) => `${row.version}/${row.min_group_size}/${row.untallied}`

/** What can change a series' results: when any of it moves, cached results are stale. */
export async function resultsVersion(db: Db, seriesId: number) {
  const { rows } = await sql<VersionRow>`
    select ${versionColumns} from survey_series s where s.id = ${seriesId}`.execute(db)
  const row = rows[0]
  return {
    token: row ? versionToken(row) : 'none',
    untallied: row ? !row.untallied.startsWith('0@') : false,
  }
}

/**
 * A perception series by its public address with its results version, in one round trip: what the
 * public results page needs before it can answer from memory.
 */
export async function publicSeriesWithVersion(db: Db, organizationSlug: string, code: string) {
  const { rows } = await sql<
    VersionRow & {
      id: number
      code: string
      title: Translated
      organizationName: string
      organizationNames: Partial<Translated>
      portuguese: 'pt-BR' | 'pt-PT'
    }
  >`
    select s.id, s.code, s.title, o.name as "organizationName", o.names as "organizationNames",
      o.portuguese, ${versionColumns}
    from survey_series s join organization o on o.id = s.organization_id
    where o.slug = ${organizationSlug} and s.code = ${code} and s.purpose = 'perception'`.execute(db)
  const row = rows[0]
  if (!row) return undefined
  const { version: _v, min_group_size: _m, untallied: _u, ...series } = row
  return { ...series, version: versionToken(row) }
}

const FOLD_BATCH = 20_000
// A backlog this large is folded with fresh planner statistics: without them the planner joins a
// wave's answers row by row (the demo's five waves took 23 s to fold, 1 s with them). PGlite never
// analyzes by itself, and after a bulk import PostgreSQL's autovacuum has not come round yet.
const ANALYZE_BEFORE = 500
const ANALYZE_AFTER = 10_000

/** The id of the wave's untallied response at `offset` in id order, if there are that many. */
const untalliedAt = (db: Db, waveId: number, offset: number) =>
  db
    .selectFrom('response')
    .select('id')
    .where('wave_id', '=', waveId)
    .where(sql<boolean>`not tallied`) // the predicate of the partial index response_untallied
    .orderBy('id')
    .offset(offset)
    .limit(1)
    .executeTakeFirst()

/** A wave's profile questions in id order: only waves out of draft are tallied, and their questions are frozen. */
async function profileQuestionIdsOf(db: Db, waveId: number): Promise<number[]> {
  return (
    await db
      .selectFrom('question')
      .select('id')
      .where('wave_id', '=', waveId)
      .where('is_profile', '=', true)
      .orderBy('id')
      .execute()
  ).map((q) => q.id)
}

/** A respondent's answers to the profile questions, as one text array (`a` is their answers). */
const profileExpression = (profileIds: number[]) =>
  profileIds.length
    ? sql`array[${sql.join(profileIds.map((id) => sql`max(a.option_code) filter (where a.question_id = ${id})`))}]::text[]`
    : sql`'{}'::text[]`

/**
 * Each new response's answer to each question (`fresh` holds the responses): its option codes as one
 * sorted pattern, its number. The fold and the readers of responses not folded yet count the same way.
 */
const perQuestion = (answers: RawBuilder<unknown>, where: RawBuilder<unknown>) => sql`
  per_question as (
    select a.response_id, a.question_id,
      coalesce(string_agg(a.option_code, ' ' order by a.option_code), '') as pattern,
      max(a.value_number)::float8 as value
    from ${answers} a join fresh f on f.id = a.response_id
    where a.value_text is null and ${where}
    group by a.response_id, a.question_id
  )`

/** What a tally row counts (`q` answers, `s` the question's shift): respondents, numbers and their sums. */
const answerCounts = sql`count(*)::int as respondents, count(q.value)::int as valued,
  coalesce(sum(q.value - coalesce(s.shift, 0)), 0)::float8 as value_sum,
  coalesce(sum((q.value - coalesce(s.shift, 0)) * (q.value - coalesce(s.shift, 0))), 0)::float8 as value_sum_squares`

/**
 * The wave's responses not folded yet, with their profiles (a read-only version of the fold's first
 * steps): readers add them to the tallies, so results are exact without a reader ever writing.
 */
const pendingProfiles = (waveId: number, profileIds: number[]) => sql`
  fresh as (select id, language, access from response where wave_id = ${waveId} and not tallied),
  profiles as (
    select f.id, f.language, f.access, ${profileExpression(profileIds)} as profile
    from fresh f left join answer a on a.response_id = f.id and a.wave_id = ${waveId}
      and a.question_id in (${sql.join(profileIds.length ? profileIds : [0])})
    group by f.id, f.language, f.access
  )`

/**
 * Folds the wave's responses not yet tallied into its tallies, once each: concurrent folds of a wave
 * queue on its tally_state row, and a response committed meanwhile is folded by the next one.
 * Works in batches (a bulk import of a million responses reports progress) by explicit ids, so the
 * planner sizes each step right whatever its statistics say.
 */
export async function foldNewResponses(
  db: Db,
  waveId: number,
  onProgress?: (folded: number) => void,
): Promise<number> {
  const profileIds = await profileQuestionIdsOf(db, waveId)
  await db
    .insertInto('tally_state')
    .values({ wave_id: waveId, profile_question_ids: profileIds })
    .onConflict((oc) => oc.column('wave_id').doNothing())
    .execute()
  const profile = profileExpression(profileIds)
  if (await untalliedAt(db, waveId, ANALYZE_BEFORE - 1)) await sql`analyze response, answer`.execute(db)
  let folded = 0
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      await trx
        .selectFrom('tally_state')
        .select('wave_id')
        .where('wave_id', '=', waveId)
        .forUpdate()
        .execute()
      // The batch is a range of ids, given as constants so the planner reads answers by an index range.
      const first = (await untalliedAt(trx, waveId, 0))?.id
      if (first === undefined) return 0
      const last =
        (await untalliedAt(trx, waveId, FOLD_BATCH - 1))?.id ??
        (
          await sql<{
            id: number
          }>`select max(id)::float8 as id from response where wave_id = ${waveId} and not tallied`.execute(
            trx,
          )
        ).rows[0]!.id
      const { rows } = await sql<{ folded: number }>`
        with fresh as (
          update response set tallied = true
          where wave_id = ${waveId} and not tallied and id between ${first} and ${last}
          returning id, language, access
        ),
        wave_answers as (
          select a.* from answer a
          where a.wave_id = ${waveId} and a.response_id between ${first} and ${last}
        ),
        profiles as (
          select f.id, f.language, f.access, ${profile} as profile
          from fresh f left join wave_answers a on a.response_id = f.id
            and a.question_id in (${sql.join(profileIds.length ? profileIds : [0])})
          group by f.id, f.language, f.access
        ),
        ${perQuestion(sql`wave_answers`, sql`true`)},
        -- Number answers are tallied from one value per question (the smallest at its first fold), so
        -- sums of squares of large, close values keep their variance.
        new_shifts as (
          insert into tally_shift (wave_id, question_id, shift)
          select ${waveId}, question_id, min(value) from per_question where value is not null group by question_id
          on conflict (wave_id, question_id) do nothing
          returning question_id, shift
        ),
        shifts as (
          select question_id, shift from new_shifts
          union all
          select question_id, shift from tally_shift where wave_id = ${waveId}
        ),
        profile_counts as (
          insert into profile_tally as t (wave_id, access, language, profile, respondents)
          select ${waveId}, access, language, profile, count(*) from profiles group by access, language, profile
          on conflict (wave_id, access, language, profile) do update set respondents = t.respondents + excluded.respondents
        ),
        answer_counts as (
        insert into answer_tally as t
          (wave_id, question_id, access, language, profile, pattern, respondents, valued, value_sum, value_sum_squares)
        select ${waveId}, q.question_id, p.access, p.language, p.profile, q.pattern, ${answerCounts}
        from per_question q join profiles p on p.id = q.response_id
          left join shifts s on s.question_id = q.question_id
        group by q.question_id, p.access, p.language, p.profile, q.pattern
        on conflict (wave_id, question_id, access, language, profile, pattern) do update set
          respondents = t.respondents + excluded.respondents, valued = t.valued + excluded.valued,
          value_sum = t.value_sum + excluded.value_sum,
          value_sum_squares = t.value_sum_squares + excluded.value_sum_squares
        )
        select count(*)::int as folded from fresh`.execute(trx)
      const folded = rows[0]?.folded ?? 0
      if (folded === 0) return 0
      // Moves the series' results version (trigger), so cached results are recomputed.
      await trx
        .updateTable('tally_state')
        .set((eb) => ({ version: eb('version', '+', 1) }))
        .where('wave_id', '=', waveId)
        .execute()
      return folded
    })
    if (batch === 0) {
      // After a bulk import the planner must learn that these responses are tallied now.
      if (folded >= ANALYZE_AFTER) await sql`analyze response`.execute(db)
      return folded
    }
    folded += batch
    onProgress?.(folded)
  }
}

/** The profile questions the wave's tallies are keyed by (those of a wave never folded yet: its own). */
async function talliedProfileIds(db: Db, waveId: number): Promise<number[]> {
  const state = await db
    .selectFrom('tally_state')
    .select('profile_question_ids')
    .where('wave_id', '=', waveId)
    .executeTakeFirst()
  return state?.profile_question_ids ?? (await profileQuestionIdsOf(db, waveId))
}

/**
 * Respondents of a wave per language and profile (answers to its profile questions, in id order): the
 * tallies, plus the responses not folded yet (read, never written: folding is the background's job).
 */
export async function profileTallies(db: Db, waveId: number) {
  const profileQuestionIds = await talliedProfileIds(db, waveId)
  const rows = await db
    .selectFrom('profile_tally')
    .select(['access', 'language', 'profile', 'respondents'])
    .where('wave_id', '=', waveId)
    .execute()
  const pending = await sql<(typeof rows)[number]>`
    with ${pendingProfiles(waveId, profileQuestionIds)}
    select access, language, profile, count(*)::int as respondents from profiles
    group by access, language, profile`.execute(db)
  return { profileQuestionIds, rows: [...rows, ...pending.rows] }
}

/** Answer patterns to some questions of a wave per language and profile. */
export async function answerTallies(db: Db, waveId: number, questionIds: number[]) {
  if (questionIds.length === 0) return []
  const profileIds = await talliedProfileIds(db, waveId)
  const tallied = await db
    .selectFrom('answer_tally')
    .leftJoin('tally_shift as ts', (join) =>
      join
        .onRef('ts.wave_id', '=', 'answer_tally.wave_id')
        .onRef('ts.question_id', '=', 'answer_tally.question_id'),
    )
    .select((eb) => [
      eb.fn.coalesce('ts.shift', sql<number>`0::float8`).as('shift'),
      'answer_tally.question_id',
      'access',
      'language',
      'profile',
      'pattern',
      'respondents',
      'valued',
      'value_sum',
      'value_sum_squares',
    ])
    .where('answer_tally.wave_id', '=', waveId)
    .where('answer_tally.question_id', 'in', questionIds)
    .execute()
  // Responses not folded yet, counted the way the fold counts them.
  const pending = await sql<(typeof tallied)[number]>`
    with ${pendingProfiles(waveId, profileIds)},
    ${perQuestion(sql`answer`, sql`a.wave_id = ${waveId} and a.question_id in (${sql.join(questionIds)})`)},
    -- The shift the tallies use, or, for a question never folded, the one its first fold would take.
    shifts as (
      select question_id, shift from tally_shift where wave_id = ${waveId}
      union all
      select question_id, min(value) from per_question where value is not null
        and question_id not in (select question_id from tally_shift where wave_id = ${waveId})
      group by question_id
    )
    select coalesce(max(s.shift), 0)::float8 as shift, q.question_id, p.access, p.language, p.profile,
      q.pattern, ${answerCounts}
    from per_question q join profiles p on p.id = q.response_id left join shifts s on s.question_id = q.question_id
    group by q.question_id, p.access, p.language, p.profile, q.pattern`.execute(db)
  return [...tallied, ...pending.rows]
}

/** A batch of a wave's responses after an id, with their answers (free text left out). */
/** A batch of responses and their answers; text only of the questions whose text is published (dates). */
export async function microdataBatch(
  db: Db,
  waveId: number,
  afterId: number,
  size: number,
  publishedQuestionIds: number[],
) {
  const responses = await db
    .selectFrom('response')
    .select(['id', 'language', 'channel', 'facilitator_id', 'access', 'stratum'])
    .where('wave_id', '=', waveId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(size)
    .execute()
  if (responses.length === 0) return { responses, answers: [] }
  const answers = await db
    .selectFrom('answer')
    .select(['response_id', 'question_id', 'option_code', 'value_number', 'value_text'])
    .where('wave_id', '=', waveId)
    .where('response_id', '>=', responses[0]!.id)
    .where('response_id', '<=', responses.at(-1)!.id)
    .where((eb) =>
      publishedQuestionIds.length === 0
        ? eb('value_text', 'is', null)
        : eb.or([eb('value_text', 'is', null), eb('question_id', 'in', publishedQuestionIds)]),
    )
    .execute()
  return { responses, answers }
}
