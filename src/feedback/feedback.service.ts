import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../db/database.ts'
import type { FeedbackReview, ProjectStatus } from '../db/schema.ts'
import { readPageAnswers, type FieldError } from '../questionnaire/answer-validation.ts'
import { answerRows, questionType } from '../questionnaire/question-types/index.ts'
import { isShown, type Answers, type Questionnaire } from '../questionnaire/questionnaire.ts'
import { missingLanguages, type Language } from '../questionnaire/translated.ts'
import { recordAudit } from '../staff/audit.ts'
import type { StaffUser } from '../staff/staff.repository.ts'
import { loadQuestionnaire } from '../survey/survey.repository.ts'
import * as repo from './feedback.repository.ts'
import type { PartnerProject, ProjectInput } from './feedback.repository.ts'
import { personalDataFlags } from './personal-data.ts'
import { hasUnstorableCharacters } from '../http/form-text.ts'
import { hasPublicPage, takesFeedback } from './project-rules.ts'
import { actorId } from '../staff/operator.ts'

/** What the person says about consent, read from the form next to the answers. */
export interface Consent {
  publish: boolean
  contact: string | null
}

export type ConsentError = { field: 'publish' | 'contactOk' | 'contact'; error: string }

export type FeedbackForm =
  { kind: 'notFound' } | { kind: 'open'; project: PartnerProject; questionnaire: Questionnaire }

export type SubmitOutcome =
  | { kind: 'invalid'; errors: FieldError[]; consentErrors: ConsentError[] }
  | { kind: 'stored'; id: number }
  | { kind: 'duplicate' }

const CONTACT_MAX = 200
const hashKey = (key: string) => createHash('sha256').update(key).digest('base64url')

/** A fresh key for one form: a repeated submission of the same form stores nothing more. */
export const newSubmissionKey = () => randomBytes(24).toString('base64url')

/** Reads consent: publication yes/no, contact yes/no, and the contact only when the answer is yes. */
export function readConsent(form: Record<string, unknown>): { consent?: Consent; errors: ConsentError[] } {
  const errors: ConsentError[] = []
  const publish = form.publish
  const contactOk = form.contact_ok
  const rawContact = typeof form.contact === 'string' ? form.contact.trim() : ''
  if (publish !== 'yes' && publish !== 'no') errors.push({ field: 'publish', error: 'publishChoose' })
  if (contactOk !== 'yes' && contactOk !== 'no') errors.push({ field: 'contactOk', error: 'contactChoose' })
  if (contactOk === 'yes' && rawContact === '') errors.push({ field: 'contact', error: 'contactMissing' })
  if (contactOk === 'yes' && rawContact.length > CONTACT_MAX)
    errors.push({ field: 'contact', error: 'contactTooLong' })
  else if (contactOk === 'yes' && hasUnstorableCharacters(rawContact))
    errors.push({ field: 'contact', error: 'contactInvalid' })
  if (errors.length > 0) return { errors }
  // Without consent the contact field is ignored, whatever was typed in it.
  return { consent: { publish: publish === 'yes', contact: contactOk === 'yes' ? rawContact : null }, errors }
}

/**
 * Reads every question of a one-page form in order: a question whose condition is not met by the
 * answers before it is skipped (its input ignored, never required).
 */
export function readWholeForm(questionnaire: Questionnaire, form: Record<string, unknown>) {
  const answers: Answers = {}
  const errors: FieldError[] = []
  for (const question of questionnaire.questions) {
    if (!isShown(question, answers)) continue
    const read = readPageAnswers([question], form)
    errors.push(...read.errors)
    Object.assign(answers, read.answers)
  }
  return { answers, errors }
}

/** One piece of feedback for a moderator of its organization: answers by question, stories flagged. */
async function loadFeedbackEntry(db: Db, actor: StaffUser, id: number) {
  const entry = await repo.findFeedback(db, id)
  if (!entry || entry.organizationId !== actor.organizationId) return undefined
  const questionnaire = await loadQuestionnaire(db, entry.waveId)
  const rows = await repo.feedbackAnswers(db, id)
  const answers = questionnaire.questions
    .map((question) => ({ question, rows: rows.filter((r) => r.questionId === question.id) }))
    .filter((a) => a.rows.length > 0)
  const stories = answers
    .filter((a) => questionType(a.question.type).results.story && a.rows[0]?.valueText)
    .map((a) => ({
      question: a.question,
      text: a.rows[0]!.valueText!,
      flags: personalDataFlags(a.rows[0]!.valueText!),
    }))
  return { entry, answers, stories }
}

export type FeedbackEntry = NonNullable<Awaited<ReturnType<typeof loadFeedbackEntry>>>

/** Partner projects, their beneficiaries' feedback, its moderation and the project results. */
export function createFeedbackService(db: Db, now: () => Date = () => new Date()) {
  // An open wave's questionnaire is frozen, so it is read once per process.
  const frozen = new Map<number, Promise<Questionnaire>>()
  const questionnaireOf = (waveId: number) => {
    let cached = frozen.get(waveId)
    if (!cached) {
      if (frozen.size > 200) frozen.clear()
      cached = loadQuestionnaire(db, waveId)
      cached.catch(() => frozen.delete(waveId))
      frozen.set(waveId, cached)
    }
    return cached
  }

  /** Why a project cannot be open yet (empty when it can). */
  function openingProblems(
    questionnaires: Awaited<ReturnType<typeof repo.listFeedbackQuestionnaires>>,
    input: ProjectInput,
  ): Record<string, string> {
    const problems: Record<string, string> = {}
    if (!takesFeedback(input)) return problems
    if (missingLanguages(input.description).length > 0)
      problems.description_es = 'formErrors.projectDescriptions'
    const chosen = questionnaires.find((q) => q.id === input.questionnaireSeriesId)
    if (!chosen || chosen.openYear === null) problems.questionnaire = 'formErrors.projectQuestionnaireOpen'
    return problems
  }

  return {
    listProjects: (actor: StaffUser, statuses?: ProjectStatus[]) =>
      repo.listProjects(db, actor.organizationId, statuses),
    findProject: (actor: StaffUser, code: string) =>
      repo.findOrganizationProject(db, actor.organizationId, code),
    feedbackQuestionnaires: (actor: StaffUser) => repo.listFeedbackQuestionnaires(db, actor.organizationId),

    /** Creates or updates a project; field errors (UI string keys) when it cannot be saved as asked. */
    async saveProject(
      actor: StaffUser,
      existing: PartnerProject | undefined,
      input: ProjectInput,
    ): Promise<{ ok: true } | { ok: false; errors: Record<string, string> }> {
      const questionnaires = await repo.listFeedbackQuestionnaires(db, actor.organizationId)
      if (
        input.questionnaireSeriesId !== null &&
        !questionnaires.some((q) => q.id === input.questionnaireSeriesId)
      )
        return { ok: false, errors: { questionnaire: 'formErrors.invalid' } }
      const problems = openingProblems(questionnaires, input)
      if (Object.keys(problems).length > 0) return { ok: false, errors: problems }
      return db.transaction().execute(async (trx) => {
        if (existing) {
          await repo.updateProject(trx, existing.id, input)
        } else if ((await repo.insertProject(trx, actor.organizationId, input)) === undefined) {
          return { ok: false as const, errors: { code: 'formErrors.slugTaken' } }
        }
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actorId(actor),
          action: existing ? 'project.update' : 'project.create',
          subject: existing?.code ?? input.code,
          details: { status: input.status },
        })
        return { ok: true as const }
      })
    },

    /** The form of a project that takes feedback now: open, with its questionnaire's open wave. */
    async openForm(code: string, organizationId?: number): Promise<FeedbackForm> {
      const project = await repo.findProjectByCode(db, code)
      if (!project || !takesFeedback(project) || project.questionnaireSeriesId === null)
        return { kind: 'notFound' }
      if (organizationId !== undefined && project.organizationId !== organizationId)
        return { kind: 'notFound' }
      const wave = await repo.findOpenFeedbackWave(db, project.questionnaireSeriesId, now())
      if (!wave) return { kind: 'notFound' }
      const questionnaire = await questionnaireOf(wave.id)
      if (questionnaire.questions.length === 0) return { kind: 'notFound' }
      return { kind: 'open', project, questionnaire }
    },

    /** The public page of a project (open or closed; drafts and hidden ones do not exist for the public). */
    async publicProject(code: string) {
      const project = await repo.findProjectByCode(db, code)
      return project && hasPublicPage(project) ? project : undefined
    },

    publishedStories: (projectId: number, limit: number, offset = 0) =>
      repo.publishedStories(db, projectId, limit, offset),

    /**
     * Stores one piece of feedback, its answers and (only with consent) the contact, in one
     * transaction; the same submission key twice stores it once.
     */
    async submit(
      open: Extract<FeedbackForm, { kind: 'open' }>,
      input: {
        form: Record<string, unknown>
        language: Language
        submissionKey: string
        channel: 'web' | 'assisted'
        facilitator?: StaffUser
      },
    ): Promise<SubmitOutcome> {
      const { answers, errors } = readWholeForm(open.questionnaire, input.form)
      const consent = readConsent(input.form)
      if (errors.length > 0 || !consent.consent)
        return { kind: 'invalid', errors, consentErrors: consent.errors }
      const given = consent.consent
      const id = await db.transaction().execute(async (trx) => {
        const feedbackId = await repo.insertFeedbackOnce(trx, {
          projectId: open.project.id,
          waveId: open.questionnaire.waveId,
          language: input.language,
          channel: input.channel,
          facilitatorId: input.facilitator ? actorId(input.facilitator) : null,
          publishConsent: given.publish,
          contactConsent: given.contact !== null,
          idempotencyKey: hashKey(input.submissionKey),
        })
        if (feedbackId === undefined) return undefined
        await repo.insertFeedbackAnswers(trx, feedbackId, answerRows(open.questionnaire, answers))
        if (given.contact !== null) await repo.insertContact(trx, feedbackId, given.contact)
        return feedbackId
      })
      return id === undefined ? { kind: 'duplicate' } : { kind: 'stored', id }
    },

    listFeedback: (project: PartnerProject, review: FeedbackReview | undefined) =>
      repo.listFeedback(db, project.id, review),

    feedbackEntry: (actor: StaffUser, id: number) => loadFeedbackEntry(db, actor, id),

    /** Replaces stories with the moderator's redacted texts; only texts that changed are touched. */
    async redact(actor: StaffUser, current: FeedbackEntry, texts: Record<string, string>): Promise<void> {
      const id = current.entry.id
      const changes = current.stories
        .filter((s) => texts[s.question.code] !== undefined && texts[s.question.code] !== s.text)
        .map((s) => ({ questionId: s.question.id, text: texts[s.question.code]! }))
      if (changes.length === 0) return
      await db.transaction().execute(async (trx) => {
        await repo.replaceStoryTexts(trx, id, changes)
        // The audit keeps who redacted what question, never the words.
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actorId(actor),
          action: 'feedback.redact',
          subject: String(id),
          details: {
            questions: current.stories
              .filter((s) => changes.some((c) => c.questionId === s.question.id))
              .map((s) => s.question.code),
          },
        })
      })
    },

    /** Approves or rejects an entry read with `feedbackEntry` (so of the moderator's organization). */
    async review(
      actor: StaffUser,
      current: FeedbackEntry,
      decision: Exclude<FeedbackReview, 'new'>,
    ): Promise<void> {
      const id = current.entry.id
      await db.transaction().execute(async (trx) => {
        await repo.setReview(trx, id, decision, actorId(actor), now())
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actorId(actor),
          action: `feedback.${decision === 'approved' ? 'approve' : 'reject'}`,
          subject: String(id),
        })
      })
    },

    feedbackMicrodata: (project: PartnerProject) => repo.feedbackMicrodata(db, project.id),

    /** Responses by month and channel, rating means by month, and the published stories. */
    async projectResults(project: PartnerProject) {
      const [counts, ratings, questions] = await Promise.all([
        repo.countsByMonth(db, project.id),
        repo.ratingsByMonth(db, project.id),
        repo.ratingQuestions(db, project.id),
      ])
      return { counts, ratings, questions }
    },
  }
}

export type FeedbackService = ReturnType<typeof createFeedbackService>
