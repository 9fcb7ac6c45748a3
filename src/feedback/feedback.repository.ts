import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { FeedbackReview, ProjectStatus } from '../db/schema.ts'
import type { AnswerRow } from '../questionnaire/question-types/index.ts'
import { typesWhere } from '../questionnaire/question-types/index.ts'
import type { Translated } from '../questionnaire/translated.ts'
import { OPEN_STATUSES } from '../series/wave-rules.ts'

/** What staff record about a cooperation project. */
export interface ProjectInput {
  code: string
  name: string
  partner: string
  country: string
  sector: string
  sdgs: number[]
  languages: string[]
  startsOn: string | null
  endsOn: string | null
  description: Partial<Translated>
  /** The name per language where it differs from `name` (left out: unchanged). */
  names?: Partial<Translated>
  questionnaireSeriesId: number | null
  status: ProjectStatus
}

/** A cooperation project as staff record it and beneficiaries see it. */
export interface PartnerProject extends ProjectInput {
  id: number
  organizationId: number
  organizationName: string
  organizationNames: Partial<Translated>
  /** The project's name per language, where it differs. */
  names: Partial<Translated>
  /** The organization's Portuguese, for readers who ask for plain Portuguese. */
  portuguese: 'pt-BR' | 'pt-PT'
  questionnaireCode: string | null
}

const projectQuery = (db: Db) =>
  db
    .selectFrom('partner_project as p')
    .innerJoin('organization as o', 'o.id', 'p.organization_id')
    .leftJoin('survey_series as s', 's.id', 'p.questionnaire_series_id')
    .select([
      'p.id',
      'p.organization_id as organizationId',
      'o.name as organizationName',
      'o.names as organizationNames',
      'o.portuguese',
      'p.names',
      'p.code',
      'p.name',
      'p.partner',
      'p.country',
      'p.sector',
      'p.sdgs',
      'p.languages',
      // Dates stay ISO text: the pg driver would turn them into midnight in the server's zone.
      sql<string | null>`to_char(p.starts_on, 'YYYY-MM-DD')`.as('startsOn'),
      sql<string | null>`to_char(p.ends_on, 'YYYY-MM-DD')`.as('endsOn'),
      'p.description',
      'p.questionnaire_series_id as questionnaireSeriesId',
      's.code as questionnaireCode',
      'p.status',
    ])

/** A project by its short code, in any organization (the public address has no organization). */
export async function findProjectByCode(db: Db, code: string): Promise<PartnerProject | undefined> {
  return projectQuery(db).where('p.code', '=', code).executeTakeFirst()
}

export async function findOrganizationProject(
  db: Db,
  organizationId: number,
  code: string,
): Promise<PartnerProject | undefined> {
  return projectQuery(db)
    .where('p.code', '=', code)
    .where('p.organization_id', '=', organizationId)
    .executeTakeFirst()
}

export async function listProjects(db: Db, organizationId: number, statuses?: ProjectStatus[]) {
  let query = projectQuery(db)
    .where('p.organization_id', '=', organizationId)
    .select((eb) => [
      eb
        .selectFrom('feedback as f')
        .select(sql<number>`count(*)::int`.as('n'))
        .whereRef('f.project_id', '=', 'p.id')
        .as('feedbackCount'),
      eb
        .selectFrom('feedback as f')
        .select(sql<number>`count(*)::int`.as('n'))
        .whereRef('f.project_id', '=', 'p.id')
        .where('f.review', '=', 'new')
        .as('toReview'),
    ])
    .orderBy('p.name')
  if (statuses) query = query.where('p.status', 'in', statuses)
  return query.execute()
}

const projectValues = (input: ProjectInput) => ({
  code: input.code,
  name: input.name,
  partner: input.partner,
  country: input.country,
  sector: input.sector,
  sdgs: JSON.stringify(input.sdgs),
  languages: JSON.stringify(input.languages),
  starts_on: input.startsOn,
  ends_on: input.endsOn,
  description: JSON.stringify(input.description),
  ...(input.names ? { names: JSON.stringify(input.names) } : {}),
  questionnaire_series_id: input.questionnaireSeriesId,
  status: input.status,
})

/** Inserts a project; undefined when its code is taken (codes are global: they make the short address). */
export async function insertProject(
  db: Db,
  organizationId: number,
  input: ProjectInput,
): Promise<number | undefined> {
  const row = await db
    .insertInto('partner_project')
    .values({ organization_id: organizationId, ...projectValues(input) })
    .onConflict((oc) => oc.column('code').doNothing())
    .returning('id')
    .executeTakeFirst()
  return row?.id
}

export async function updateProject(db: Db, id: number, input: Omit<ProjectInput, 'code'>): Promise<void> {
  const { code: _code, ...values } = projectValues({ ...input, code: '' })
  await db.updateTable('partner_project').set(values).where('id', '=', id).execute()
}

/** The organization's feedback questionnaires, with the year of the wave open now (if any). */
export async function listFeedbackQuestionnaires(db: Db, organizationId: number) {
  return db
    .selectFrom('survey_series as s')
    .leftJoin('wave as w', (join) =>
      join.onRef('w.series_id', '=', 's.id').on('w.status', 'in', OPEN_STATUSES),
    )
    .select(['s.id', 's.code', 's.title', 'w.year as openYear'])
    .where('s.organization_id', '=', organizationId)
    .where('s.purpose', '=', 'feedback')
    .orderBy('s.code')
    .execute()
}

/** The wave of a feedback questionnaire that takes answers now, if any. */
export async function findOpenFeedbackWave(db: Db, seriesId: number, now: Date) {
  return db
    .selectFrom('wave')
    .select(['id', 'year'])
    .where('series_id', '=', seriesId)
    .where('status', 'in', OPEN_STATUSES)
    .where((eb) => eb.or([eb('opens_at', 'is', null), eb('opens_at', '<=', now)]))
    .where((eb) => eb.or([eb('closes_at', 'is', null), eb('closes_at', '>', now)]))
    .orderBy('year', 'desc')
    .executeTakeFirst()
}

export interface NewFeedback {
  projectId: number
  waveId: number
  language: string
  channel: 'web' | 'assisted'
  facilitatorId: number | null
  publishConsent: boolean
  contactConsent: boolean
  idempotencyKey: string
}

/** Inserts the feedback once per idempotency key; undefined when it was already stored. */
export async function insertFeedbackOnce(db: Db, feedback: NewFeedback): Promise<number | undefined> {
  const row = await db
    .insertInto('feedback')
    .values({
      project_id: feedback.projectId,
      wave_id: feedback.waveId,
      language: feedback.language,
      channel: feedback.channel,
      facilitator_id: feedback.facilitatorId,
      publish_consent: feedback.publishConsent,
      contact_consent: feedback.contactConsent,
      idempotency_key: feedback.idempotencyKey,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst()
  return row?.id
}

export async function insertFeedbackAnswers(
  db: Db,
  feedbackId: number,
  rows: (AnswerRow & { question_id: number })[],
): Promise<void> {
  if (rows.length === 0) return
  await db
    .insertInto('feedback_answer')
    .values(rows.map((row) => ({ ...row, feedback_id: feedbackId })))
    .execute()
}

export async function insertContact(db: Db, feedbackId: number, contact: string): Promise<void> {
  await db.insertInto('feedback_contact').values({ feedback_id: feedbackId, contact }).execute()
}

/** Feedback of a project for the moderation list, newest first. */
export async function listFeedback(db: Db, projectId: number, review: FeedbackReview | undefined) {
  let query = db
    .selectFrom('feedback as f')
    .leftJoin('staff_user as u', 'u.id', 'f.facilitator_id')
    .select([
      'f.id',
      'f.submitted_at as submittedAt',
      'f.channel',
      'u.email as facilitatorEmail',
      'f.language',
      'f.publish_consent as publishConsent',
      'f.contact_consent as contactConsent',
      'f.review',
      'f.redacted',
    ])
    .where('f.project_id', '=', projectId)
    .orderBy('f.id', 'desc')
    .limit(200)
  if (review) query = query.where('f.review', '=', review)
  return query.execute()
}

/** One piece of feedback with its project's organization, for moderation. */
export async function findFeedback(db: Db, id: number) {
  return db
    .selectFrom('feedback as f')
    .innerJoin('partner_project as p', 'p.id', 'f.project_id')
    .leftJoin('staff_user as u', 'u.id', 'f.facilitator_id')
    .leftJoin('feedback_contact as c', 'c.feedback_id', 'f.id')
    .select([
      'f.id',
      'f.project_id as projectId',
      'p.code as projectCode',
      'p.organization_id as organizationId',
      'f.wave_id as waveId',
      'f.submitted_at as submittedAt',
      'f.channel',
      'f.language',
      'f.publish_consent as publishConsent',
      'f.contact_consent as contactConsent',
      'f.review',
      'f.redacted',
      'u.email as facilitatorEmail',
      'c.contact',
    ])
    .where('f.id', '=', id)
    .executeTakeFirst()
}

export async function feedbackAnswers(db: Db, feedbackId: number) {
  return db
    .selectFrom('feedback_answer')
    .select([
      'question_id as questionId',
      'option_code as optionCode',
      'value_number as valueNumber',
      'value_text as valueText',
    ])
    .where('feedback_id', '=', feedbackId)
    .execute()
}

/** Replaces story texts with their redacted versions (the original is not kept). */
export async function replaceStoryTexts(
  db: Db,
  feedbackId: number,
  texts: { questionId: number; text: string }[],
): Promise<void> {
  for (const { questionId, text } of texts) {
    await db
      .updateTable('feedback_answer')
      .set({ value_text: text })
      .where('feedback_id', '=', feedbackId)
      .where('question_id', '=', questionId)
      .where('value_text', 'is not', null)
      .execute()
  }
  await db.updateTable('feedback').set({ redacted: true }).where('id', '=', feedbackId).execute()
}

export async function setReview(
  db: Db,
  feedbackId: number,
  review: FeedbackReview,
  reviewerId: number | null,
  at: Date,
): Promise<void> {
  await db
    .updateTable('feedback')
    .set({ review, reviewed_by: reviewerId, reviewed_at: at })
    .where('id', '=', feedbackId)
    .execute()
}

/** A project's feedback with each answer and its question (`f`, `a`, `q`). */
const projectAnswers = (db: Db, projectId: number) =>
  db
    .selectFrom('feedback as f')
    .innerJoin('feedback_answer as a', 'a.feedback_id', 'f.id')
    .innerJoin('question as q', 'q.id', 'a.question_id')
    .where('f.project_id', '=', projectId)

/** Answers to story questions that may be quoted: approved, their authors agreed to publication. */
const quotableAnswers = (db: Db) =>
  db
    .selectFrom('feedback as f')
    .innerJoin('feedback_answer as a', 'a.feedback_id', 'f.id')
    .innerJoin('question as q', 'q.id', 'a.question_id')
    .where('f.review', '=', 'approved')
    .where('f.publish_consent', '=', true)
    .where(
      'q.type',
      'in',
      typesWhere((t) => t.results.story),
    )
    .where('a.value_text', 'is not', null)
    // Newest first; a person's stories in the questionnaire's order.
    .orderBy('f.submitted_at', 'desc')
    .orderBy('f.id', 'desc')
    .orderBy('q.position')

/** Approved stories whose authors agreed to publication: the text, its language and question, nothing else. */
export async function publishedStories(db: Db, projectId: number, limit: number, offset = 0) {
  return quotableAnswers(db)
    .select([
      'f.id',
      'f.language',
      'f.submitted_at as submittedAt',
      'q.code as questionCode',
      'q.text as questionText',
      'a.value_text as text',
    ])
    .where('f.project_id', '=', projectId)
    .limit(limit)
    .offset(offset)
    .execute()
}

/** Stories an organization may quote (a brief's), across its projects, each with its project and place. */
export async function quotableStories(
  db: Db,
  organizationId: number,
  options: { feedbackIds?: number[]; limit?: number } = {},
) {
  let query = quotableAnswers(db)
    .innerJoin('partner_project as p', 'p.id', 'f.project_id')
    .select([
      'f.id as feedback',
      'q.id as question',
      'f.language',
      'f.submitted_at as submittedAt',
      'a.value_text as text',
      'p.code as projectCode',
      'p.name as projectName',
      'p.names as projectNames',
      'p.partner',
      'p.country',
    ])
    .where('p.organization_id', '=', organizationId)
    .limit(options.limit ?? 200)
  if (options.feedbackIds) {
    if (options.feedbackIds.length === 0) return []
    query = query.where('f.id', 'in', options.feedbackIds)
  }
  return query.execute()
}

// The calendar month (UTC) results are grouped by.
const monthOf = (column: string) => sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM')`

/** Responses per calendar month (UTC) and channel. */
export async function countsByMonth(db: Db, projectId: number) {
  return db
    .selectFrom('feedback')
    .select([monthOf('submitted_at').as('period'), 'channel', sql<number>`count(*)::int`.as('responses')])
    .where('project_id', '=', projectId)
    .groupBy(['period', 'channel'])
    .orderBy('period')
    .orderBy('channel')
    .execute()
}

// Questions whose answers are charted as means over months.
const RATING_TYPES = () => typesWhere((t) => t.results.ratingScale !== undefined)

/** Means of the rating questions (by stable code, across questionnaire versions) per month. */
export async function ratingsByMonth(db: Db, projectId: number) {
  return projectAnswers(db, projectId)
    .select([
      monthOf('f.submitted_at').as('period'),
      'q.code as questionCode',
      sql<number>`count(a.value_number)::int`.as('n'),
      sql<number>`avg(a.value_number)::float8`.as('mean'),
    ])
    .where('q.type', 'in', RATING_TYPES())
    .where('a.value_number', 'is not', null)
    .groupBy(['period', 'q.code'])
    .orderBy('q.code')
    .orderBy('period')
    .execute()
}

/** The rating questions a project's feedback used, newest wording first (one per code). */
export async function ratingQuestions(db: Db, projectId: number) {
  return db
    .selectFrom('question as q')
    .select(['q.code', 'q.type', 'q.text'])
    .distinctOn('q.code')
    .where('q.type', 'in', RATING_TYPES())
    .where('q.wave_id', 'in', (eb) =>
      eb.selectFrom('feedback').select('wave_id').where('project_id', '=', projectId).distinct(),
    )
    .orderBy('q.code')
    .orderBy('q.wave_id', 'desc')
    .execute()
}

/** Every feedback entry of a project with its answers, for the evaluators' file (never the contact). */
export async function feedbackMicrodata(db: Db, projectId: number) {
  const entries = await db
    .selectFrom('feedback as f')
    .innerJoin('wave as w', 'w.id', 'f.wave_id')
    .select([
      'f.id',
      'f.submitted_at as submittedAt',
      'w.year as version',
      'f.language',
      'f.channel',
      'f.facilitator_id as facilitatorId',
      'f.publish_consent as publishConsent',
      'f.review',
    ])
    .where('f.project_id', '=', projectId)
    .orderBy('f.id')
    .execute()
  const answers = await projectAnswers(db, projectId)
    .select([
      'a.feedback_id as feedbackId',
      'q.code',
      'q.type',
      'a.option_code as optionCode',
      'a.value_number as valueNumber',
      'a.value_text as valueText',
    ])
    .orderBy('q.position')
    .execute()
  return { entries, answers }
}
