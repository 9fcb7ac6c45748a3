import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { AccessMode, LetterSettings, WaveStatus } from '../db/schema.ts'
import type { DesignerQuestion } from '../questionnaire/publishing-rules.ts'
import type { QuestionMessages, QuestionType, ShowIf } from '../questionnaire/questionnaire.ts'
import type { Translated } from '../questionnaire/translated.ts'
import { loadQuestionnaire } from '../survey/survey.repository.ts'
import { CLOSED, OPEN } from '../series/wave-rules.ts'

/** A series as the designer edits it: the one series record (series/series.repository.ts). */
export type { Series as DesignerSeries } from '../series/series.repository.ts'

export interface DesignerWave {
  id: number
  year: number
  status: WaveStatus
  opensAt: Date | null
  closesAt: Date | null
  accessMode: AccessMode
  /** Margins copied from this year's wave, not yet confirmed (null: confirmed, or none). */
  marginsCopiedFrom: number | null
  /** The strata its invitations are made for (empty: typed freely). */
  strata: string[]
  /** What its invitation letters carry beyond the standard text. */
  letter: LetterSettings
}

export async function listSeriesWithWaves(db: Db, organizationId: number) {
  const series = await db
    .selectFrom('survey_series')
    .select(['id', 'code', 'title', 'purpose'])
    .where('organization_id', '=', organizationId)
    .orderBy('code')
    .execute()
  const waves =
    series.length === 0
      ? []
      : await db
          .selectFrom('wave as w')
          .leftJoin('response as r', 'r.wave_id', 'w.id')
          .select(['w.series_id', 'w.year', 'w.status', sql<number>`count(r.id)::int`.as('responses')])
          .where(
            'w.series_id',
            'in',
            series.map((s) => s.id),
          )
          .groupBy(['w.id', 'w.series_id', 'w.year', 'w.status'])
          .orderBy('w.year', 'desc')
          .execute()
  return series.map((s) => ({ ...s, waves: waves.filter((w) => w.series_id === s.id) }))
}

export async function listWaves(db: Db, seriesId: number): Promise<DesignerWave[]> {
  return db
    .selectFrom('wave')
    .select([
      'id',
      'year',
      'status',
      'opens_at as opensAt',
      'closes_at as closesAt',
      'access_mode as accessMode',
      'margins_copied_from as marginsCopiedFrom',
      'strata',
      'letter',
    ])
    .where('series_id', '=', seriesId)
    .orderBy('year', 'desc')
    .execute()
}

/** Opens a wave from now on (its closing date is cleared); wave-rules.canOpen decides whether it may. */
export async function openWave(db: Db, waveId: number, at: Date): Promise<void> {
  await db
    .updateTable('wave')
    .set({ status: OPEN, opens_at: at, closes_at: null })
    .where('id', '=', waveId)
    .execute()
}

/** Closes a wave now; wave-rules.canClose decides whether it may. */
export async function closeWave(db: Db, waveId: number, at: Date): Promise<void> {
  await db.updateTable('wave').set({ status: CLOSED, closes_at: at }).where('id', '=', waveId).execute()
}

/** A wave's questions with what the designer needs besides the citizen's view: stamps and breaks. */
export async function loadDesignerQuestions(db: Db, waveId: number): Promise<DesignerQuestion[]> {
  const questionnaire = await loadQuestionnaire(db, waveId)
  const extras = await db
    .selectFrom('question')
    .select(['id', 'translation_stamps', 'break_in_series'])
    .where('wave_id', '=', waveId)
    .execute()
  const byId = new Map(extras.map((e) => [e.id, e]))
  return questionnaire.questions.map((q) => ({
    ...q,
    stamps: byId.get(q.id)!.translation_stamps,
    breakInSeries: byId.get(q.id)!.break_in_series,
  }))
}

export interface QuestionRecord {
  code: string
  type: QuestionType
  page: number
  required: boolean
  isProfile: boolean
  showIf: ShowIf | null
  messages: QuestionMessages
  min: number | null
  max: number | null
  text: Translated
  help: Partial<Translated>
  options: { code: string; label: Translated }[]
  stamps: Record<string, string>
  breakInSeries: boolean
}

const questionColumns = (q: QuestionRecord) => ({
  code: q.code,
  type: q.type,
  page: q.page,
  required: q.required,
  is_profile: q.isProfile,
  show_if: q.showIf ? JSON.stringify(q.showIf) : null,
  messages: JSON.stringify(q.messages),
  min_value: q.min,
  max_value: q.max,
  text: JSON.stringify(q.text),
  help: JSON.stringify(q.help),
  translation_stamps: JSON.stringify(q.stamps),
  break_in_series: q.breakInSeries,
})

async function replaceOptions(db: Db, questionId: number, options: QuestionRecord['options']) {
  await db.deleteFrom('question_option').where('question_id', '=', questionId).execute()
  if (options.length === 0) return
  await db
    .insertInto('question_option')
    .values(
      options.map((o, i) => ({
        question_id: questionId,
        code: o.code,
        position: i + 1,
        label: JSON.stringify(o.label),
      })),
    )
    .execute()
}

/** Adds a question at the end of the wave. */
export async function insertQuestion(db: Db, waveId: number, q: QuestionRecord): Promise<number> {
  const last = await db
    .selectFrom('question')
    .select((eb) => eb.fn.max('position').as('position'))
    .where('wave_id', '=', waveId)
    .executeTakeFirst()
  const row = await db
    .insertInto('question')
    .values({ wave_id: waveId, position: Number(last?.position ?? 0) + 1, ...questionColumns(q) })
    .returning('id')
    .executeTakeFirstOrThrow()
  await replaceOptions(db, row.id, q.options)
  return row.id
}

export async function updateQuestion(db: Db, questionId: number, q: QuestionRecord): Promise<void> {
  await db.updateTable('question').set(questionColumns(q)).where('id', '=', questionId).execute()
  await replaceOptions(db, questionId, q.options)
}

export async function setBreakInSeries(db: Db, questionId: number, value: boolean): Promise<void> {
  await db.updateTable('question').set({ break_in_series: value }).where('id', '=', questionId).execute()
}

export async function deleteQuestion(db: Db, questionId: number): Promise<void> {
  await db.deleteFrom('question').where('id', '=', questionId).execute()
}

/** Swaps two questions' positions (through a free position, as positions are unique per wave). */
export async function swapPositions(
  db: Db,
  a: { id: number; position: number },
  b: { id: number; position: number },
) {
  await db.updateTable('question').set({ position: -1 }).where('id', '=', a.id).execute()
  await db.updateTable('question').set({ position: a.position }).where('id', '=', b.id).execute()
  await db.updateTable('question').set({ position: b.position }).where('id', '=', a.id).execute()
}

/** Copies every question and option of one wave into another (codes, texts, stamps kept; breaks cleared). */
/** Copies a wave's population margins to a new wave, as a draft marked with the year they came from. */
export async function copyMargins(db: Db, from: { id: number; year: number }, toWaveId: number) {
  const { rows } = await sql<{ n: number }>`
    insert into population_margin (wave_id, variable, level, population)
    select ${toWaveId}, variable, level, population from population_margin where wave_id = ${from.id}
    returning 1 as n`.execute(db)
  if (rows.length > 0)
    await db.updateTable('wave').set({ margins_copied_from: from.year }).where('id', '=', toWaveId).execute()
}

/** Staff confirm a wave's copied margins: they are the wave's own from now on. */
export async function confirmMargins(db: Db, waveId: number) {
  await db.updateTable('wave').set({ margins_copied_from: null }).where('id', '=', waveId).execute()
}

export async function copyQuestions(db: Db, fromWaveId: number, toWaveId: number): Promise<void> {
  await sql`
    insert into question (wave_id, code, type, position, page, required, text, help, show_if, messages,
                          is_profile, min_value, max_value, translation_stamps, break_in_series)
    select ${toWaveId}, code, type, position, page, required, text, help, show_if, messages,
           is_profile, min_value, max_value, translation_stamps, false
    from question where wave_id = ${fromWaveId}`.execute(db)
  await sql`
    insert into question_option (question_id, code, position, label)
    select nq.id, o.code, o.position, o.label
    from question oq
    join question_option o on o.question_id = oq.id
    join question nq on nq.wave_id = ${toWaveId} and nq.code = oq.code
    where oq.wave_id = ${fromWaveId}`.execute(db)
}

export async function deleteQuestionsOf(db: Db, waveId: number): Promise<void> {
  await db.deleteFrom('question').where('wave_id', '=', waveId).execute()
}
