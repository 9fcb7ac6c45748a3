import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { AccessMode, Channel, WaveStatus } from '../db/schema.ts'
import type { Question, Questionnaire } from '../questionnaire/questionnaire.ts'
import type { AnswerRow } from '../questionnaire/question-types/index.ts'
import type { Translated } from '../questionnaire/translated.ts'
import { OPEN, OPEN_STATUSES } from '../series/wave-rules.ts'
import type { FieldError } from '../questionnaire/answer-validation.ts'

export interface SeriesRecord {
  seriesId: number
  seriesCode: string
  title: Translated
  description: Partial<Translated>
  organizationId: number
  organizationSlug: string
  organizationName: string
  organizationNames: Partial<Translated>
  portuguese: 'pt-BR' | 'pt-PT'
}

type CurrentWaveRow = SeriesRecord & {
  draftWaveId: number | null
  draftAnswers: Record<string, unknown> | null
  draftInvitationId: number | null
  draftFacilitatorId: number | null
  draftPaperSerial: string | null
  draftRefused: RefusedStep | null
  waveId: number | null
  year: number | null
  status: WaveStatus | null
  opensAt: Date | null
  closesAt: Date | null
  accessMode: AccessMode | null
}

/** A respondent's answers in progress. */
export interface DraftRecord {
  waveId: number
  answers: Record<string, unknown>
  invitationId: number | null
  /** Set when a facilitator records the answers (an assisted interview). */
  facilitatorId: number | null
  /** Set when staff type in a paper questionnaire: its number. */
  paperSerial: string | null
  /** What was typed on the step last refused with errors, until that step is accepted. */
  refused: RefusedStep | null
}

/** A step refused with errors: the form as it was sent, shown again after the redirect and on return. */
export interface RefusedStep {
  step: string
  form: Record<string, string | string[]>
  /** The errors the form was refused with (a value kept without its unstorable characters may pass). */
  errors: FieldError[]
}

export interface WaveRecord {
  id: number
  year: number
  status: WaveStatus
  opensAt: Date | null
  closesAt: Date | null
  accessMode: AccessMode
}

/**
 * A series by its public address with its current wave, in one query: the page a citizen loads and
 * the answer they submit both start here.
 */
export async function findSeriesWithCurrentWave(
  db: Db,
  organizationSlug: string,
  seriesCode: string,
  draftKeyHash?: string,
): Promise<
  { series: SeriesRecord; wave: WaveRecord | undefined; draft: DraftRecord | undefined } | undefined
> {
  // Written as one SQL text: it runs on every question page, and building it with the query
  // builder cost more CPU than PostgreSQL spends answering it.
  const { rows } = await sql<CurrentWaveRow>`
    select s.id as "seriesId", s.code as "seriesCode", s.title, s.description,
      o.id as "organizationId", o.slug as "organizationSlug", o.name as "organizationName", o.names as "organizationNames", o.portuguese,
      d.wave_id as "draftWaveId", d.answers as "draftAnswers", d.invitation_id as "draftInvitationId",
      d.facilitator_id as "draftFacilitatorId", d.paper_serial as "draftPaperSerial",
      d.refused as "draftRefused",
      w.id as "waveId", w.year, w.status, w.opens_at as "opensAt", w.closes_at as "closesAt",
      w.access_mode as "accessMode"
    from survey_series s
    join organization o on o.id = s.organization_id
    -- The series' current wave: the open one, else the newest (an index lookup, not a scan).
    left join lateral (
      select id, year, status, opens_at, closes_at, access_mode from wave
      where wave.series_id = s.id order by status = ${sql.lit(OPEN)} desc, year desc limit 1
    ) w on true
    -- The respondent's draft comes in the same round trip (no key: a hash nothing has).
    left join survey_draft d on d.key_hash = ${draftKeyHash ?? ''}
    -- Feedback questionnaires are answered through their partner projects, never as a citizen survey.
    where o.slug = ${organizationSlug} and s.code = ${seriesCode} and s.purpose = 'perception'`.execute(db)
  const row = rows[0]
  if (!row) return undefined
  const {
    waveId,
    year,
    status,
    opensAt,
    closesAt,
    accessMode,
    draftWaveId,
    draftAnswers,
    draftInvitationId,
    draftFacilitatorId,
    draftPaperSerial,
    draftRefused,
    ...series
  } = row
  return {
    series,
    draft:
      draftWaveId === null
        ? undefined
        : {
            waveId: draftWaveId,
            answers: draftAnswers!,
            invitationId: draftInvitationId ?? null,
            facilitatorId: draftFacilitatorId ?? null,
            paperSerial: draftPaperSerial ?? null,
            refused: draftRefused ?? null,
          },
    wave:
      waveId === null
        ? undefined
        : {
            id: waveId,
            year: year!,
            status: status!,
            opensAt: opensAt ?? null,
            closesAt: closesAt ?? null,
            accessMode: accessMode!,
          },
  }
}

/** Series with a wave open now, across organizations, for the home page. */
export async function listOpenSeries(db: Db, now: Date) {
  return db
    .selectFrom('wave as w')
    .innerJoin('survey_series as s', 's.id', 'w.series_id')
    .innerJoin('organization as o', 'o.id', 's.organization_id')
    .select([
      'o.slug as organizationSlug',
      'o.name as organizationName',
      'o.names as organizationNames',
      's.code as seriesCode',
      's.title',
      'w.year',
    ])
    .where('w.status', 'in', OPEN_STATUSES)
    .where('s.purpose', '=', 'perception')
    .where((eb) => eb.or([eb('w.opens_at', 'is', null), eb('w.opens_at', '<=', now)]))
    .where((eb) => eb.or([eb('w.closes_at', 'is', null), eb('w.closes_at', '>', now)]))
    .orderBy('o.name')
    .orderBy('s.code')
    .execute()
}

/**
 * The wave's questions with their options, in the order respondents meet them: page by page, then as
 * placed on the page (a question added to page 2 after page 5 was written comes with page 2), so that
 * conditions, which read questions met before, are decided in that order everywhere.
 */
export async function loadQuestionnaire(db: Db, waveId: number): Promise<Questionnaire> {
  const questions = await db
    .selectFrom('question')
    .selectAll()
    .where('wave_id', '=', waveId)
    .orderBy('page')
    .orderBy('position')
    .execute()
  const options =
    questions.length === 0
      ? []
      : await db
          .selectFrom('question_option')
          .select(['question_id', 'code', 'label'])
          .where(
            'question_id',
            'in',
            questions.map((q) => q.id),
          )
          .orderBy('question_id')
          .orderBy('position')
          .execute()
  return {
    waveId,
    questions: questions.map((q): Question => ({
      id: q.id,
      code: q.code,
      type: q.type,
      page: q.page,
      position: q.position,
      required: q.required,
      text: q.text,
      help: q.help,
      showIf: q.show_if,
      messages: q.messages,
      isProfile: q.is_profile,
      min: q.min_value,
      max: q.max_value,
      options: options.filter((o) => o.question_id === q.id).map((o) => ({ code: o.code, label: o.label })),
    })),
  }
}

export async function findDraft(db: Db, keyHash: string) {
  return db
    .selectFrom('survey_draft')
    .select([
      'wave_id as waveId',
      'answers',
      'invitation_id as invitationId',
      'facilitator_id as facilitatorId',
      'paper_serial as paperSerial',
      'refused',
    ])
    .where('key_hash', '=', keyHash)
    .executeTakeFirst()
}

export async function createDraft(
  db: Db,
  keyHash: string,
  waveId: number,
  invitationId: number | null = null,
  facilitatorId: number | null = null,
  paperSerial: string | null = null,
): Promise<void> {
  await db
    .insertInto('survey_draft')
    .values({
      key_hash: keyHash,
      wave_id: waveId,
      invitation_id: invitationId,
      facilitator_id: facilitatorId,
      paper_serial: paperSerial,
    })
    // An invitation's draft is shared by every device its code is entered on.
    .onConflict((oc) => oc.column('key_hash').doNothing())
    .execute()
}

export async function saveDraftAnswers(
  db: Db,
  keyHash: string,
  answers: Record<string, unknown>,
  { clearRefused }: { clearRefused: boolean },
): Promise<void> {
  await db
    .updateTable('survey_draft')
    .set({
      answers: JSON.stringify(answers),
      ...(clearRefused ? { refused: null } : {}),
      updated_at: new Date(),
    })
    .where('key_hash', '=', keyHash)
    .execute()
}

/** Keeps what was typed on a refused step; the accepted answers stay as they were. */
export async function saveRefusedStep(db: Db, keyHash: string, refused: RefusedStep): Promise<void> {
  await db
    .updateTable('survey_draft')
    .set({ refused: JSON.stringify(refused), updated_at: new Date() })
    .where('key_hash', '=', keyHash)
    .execute()
}

export async function deleteDraft(db: Db, keyHash: string): Promise<void> {
  await db.deleteFrom('survey_draft').where('key_hash', '=', keyHash).execute()
}

export async function responseExists(db: Db, idempotencyKey: string): Promise<boolean> {
  const row = await db
    .selectFrom('response')
    .select('id')
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst()
  return row !== undefined
}

/** A response as stored: its wave, language, channel and the key that makes a repeat harmless. */
interface StoredResponse {
  waveId: number
  language: string
  channel: Channel
  idempotencyKey: string
  facilitatorId?: number | null
  paperSerial?: string | null
}

/**
 * Stores a response once per idempotency key: a second attempt with the same key waits for the first
 * to commit and then inserts nothing. Returns the new response's id, or undefined if it existed.
 */
export async function insertResponseOnce(
  db: Db,
  response: StoredResponse & { invited?: { stratum: string | null } },
): Promise<number | undefined> {
  const row = await db
    .insertInto('response')
    .values({
      wave_id: response.waveId,
      language: response.language,
      channel: response.channel,
      idempotency_key: response.idempotencyKey,
      ...(response.invited ? { access: 'invitation' as const, stratum: response.invited.stratum } : {}),
      ...(response.facilitatorId ? { facilitator_id: response.facilitatorId } : {}),
      ...(response.paperSerial ? { paper_serial: response.paperSerial } : {}),
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst()
  return row?.id
}

/**
 * Stores a response with its answers and deletes its draft in one statement: atomic as a transaction,
 * in one round trip instead of five (what lets submissions keep up when a survey is in the news). A
 * second attempt with the same key waits for the first to commit, then stores nothing; the draft goes
 * either way. Returns the new response's id, or undefined if it existed.
 */
export async function storeResponseOnce(
  db: Db,
  response: StoredResponse,
  answers: (AnswerRow & { question_id: number })[],
  draftKeyHash: string,
): Promise<number | undefined> {
  const { rows } = await sql<{ id: number }>`
    with stored as (
      insert into response (wave_id, language, channel, idempotency_key, facilitator_id, paper_serial)
      values (${response.waveId}, ${response.language}, ${response.channel}, ${response.idempotencyKey},
        ${response.facilitatorId ?? null}, ${response.paperSerial ?? null})
      on conflict (idempotency_key) do nothing
      returning id
    ), answered as (
      insert into answer (response_id, wave_id, question_id, option_code, value_number, value_text)
      select stored.id, ${response.waveId}, a.question_id, a.option_code, a.value_number, a.value_text
      from stored cross join jsonb_to_recordset(${JSON.stringify(answers)}::jsonb)
        as a(question_id integer, option_code text, value_number double precision, value_text text)
    ), forgotten as (
      delete from survey_draft where key_hash = ${draftKeyHash}
    )
    select id from stored`.execute(db)
  return rows[0]?.id
}

export async function insertAnswers(
  db: Db,
  responseId: number,
  waveId: number,
  rows: (AnswerRow & { question_id: number })[],
): Promise<void> {
  if (rows.length === 0) return
  await db
    .insertInto('answer')
    .values(rows.map((row) => ({ ...row, response_id: responseId, wave_id: waveId })))
    .execute()
}

export async function deleteStaleDrafts(db: Db, untouchedSince: Date): Promise<void> {
  await db.deleteFrom('survey_draft').where('updated_at', '<', untouchedSince).execute()
}

/** Whether a paper questionnaire with this number was already typed in for the wave. */
export async function paperSerialTaken(db: Db, waveId: number, serial: string): Promise<boolean> {
  const row = await db
    .selectFrom('response')
    .select('id')
    .where('wave_id', '=', waveId)
    .where('paper_serial', '=', serial)
    .executeTakeFirst()
  return row !== undefined
}
