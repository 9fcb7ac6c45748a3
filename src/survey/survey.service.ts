import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../db/database.ts'
import { checkComplete, readPageAnswers, type FieldError } from '../questionnaire/answer-validation.ts'
import { answerRows } from '../questionnaire/question-types/index.ts'
import { keepVisibleAnswers, questionsOnPage, shownPages } from '../questionnaire/questionnaire.ts'
import type { Answers, Question, Questionnaire } from '../questionnaire/questionnaire.ts'
import type { Language } from '../questionnaire/translated.ts'
import { completeOnce, markStarted } from '../invitations/invitations.repository.ts'
import type { InvitationService } from '../invitations/invitations.service.ts'
import * as repo from './survey.repository.ts'
import type { DraftRecord, SeriesRecord, WaveRecord } from './survey.repository.ts'
import { takesAnswersAt } from '../series/wave-rules.ts'
import { storeResponses, type ParsedResponse } from '../results/response-import.ts'
import { foldNewResponses } from '../results/results.repository.ts'

/** A draft's key goes to the respondent's cookie; only its hash is stored, and it becomes the response's idempotency key. */
const hashKey = (key: string) => createHash('sha256').update(key).digest('base64url')

export type OpenSurvey = {
  series: SeriesRecord
  wave: WaveRecord
  questionnaire: Questionnaire
  /** The draft of the key the survey was looked up with, read in the same query. */
  prefetched?: { key: string; draft: DraftRecord | undefined }
}

export type SurveyLookup =
  | { kind: 'notFound' }
  | { kind: 'notOpen'; series: SeriesRecord; wave: WaveRecord | undefined }
  | ({ kind: 'open' } & OpenSurvey)

export type DraftLookup =
  | { kind: 'noDraft' }
  | { kind: 'submitted' }
  | {
      kind: 'draft'
      key: string
      answers: Answers
      pages: number[]
      invitationId: number | null
      facilitatorId: number | null
      paperSerial: string | null
    }

export type PageOutcome =
  | {
      kind: 'invalid'
      questions: Question[]
      answers: Answers
      form: Record<string, unknown>
      errors: FieldError[]
    }
  | { kind: 'next'; page: number }
  | { kind: 'incomplete'; page: number }
  | { kind: 'submitted' }
  /** Another entry of the same paper questionnaire got in first: nothing stored, the draft kept. */
  | { kind: 'paperTaken' }

export type CodeOutcome =
  { kind: 'malformed' | 'unknown' | 'otherWave' | 'used' } | { kind: 'started'; key: string; page: number }

// Drafts nobody touched for this long are removed.
const DRAFT_LIFETIME_MS = 30 * 24 * 3600 * 1000

/** The citizen's path through a wave: landing, pages kept in a draft, and one stored response. */
export function createSurveyService(
  db: Db,
  invitations: InvitationService,
  now: () => Date = () => new Date(),
) {
  // An open wave's questionnaire is frozen, so it is read once per process (drafts are never answered).
  const frozenQuestionnaires = new Map<number, Promise<Questionnaire>>()
  const questionnaireOf = (waveId: number) => {
    let cached = frozenQuestionnaires.get(waveId)
    if (!cached) {
      if (frozenQuestionnaires.size > 200) frozenQuestionnaires.clear()
      cached = repo.loadQuestionnaire(db, waveId)
      cached.catch(() => frozenQuestionnaires.delete(waveId))
      frozenQuestionnaires.set(waveId, cached)
    }
    return cached
  }

  /** The series' current wave; given the respondent's key, their draft comes in the same query. */
  async function find(organizationSlug: string, seriesCode: string, key?: string): Promise<SurveyLookup> {
    const found = await repo.findSeriesWithCurrentWave(
      db,
      organizationSlug,
      seriesCode,
      key ? hashKey(key) : undefined,
    )
    if (!found) return { kind: 'notFound' }
    const { series, wave } = found
    if (!wave || !takesAnswersAt(wave, now())) return { kind: 'notOpen', series, wave }
    const questionnaire = await questionnaireOf(wave.id)
    if (questionnaire.questions.length === 0) return { kind: 'notOpen', series, wave }
    return {
      kind: 'open',
      series,
      wave,
      questionnaire,
      ...(key ? { prefetched: { key, draft: found.draft } } : {}),
    }
  }

  /** A new draft (the facilitator's, and the paper's number, when given): its key and first page. */
  async function newDraft(
    survey: OpenSurvey,
    facilitatorId: number | null = null,
    paperSerial: string | null = null,
  ): Promise<{ key: string; firstPage: number }> {
    const key = randomBytes(24).toString('base64url')
    await repo.deleteStaleDrafts(db, new Date(now().getTime() - DRAFT_LIFETIME_MS))
    await repo.createDraft(db, hashKey(key), survey.wave.id, null, facilitatorId, paperSerial)
    return { key, firstPage: shownPages(survey.questionnaire, {})[0] ?? 1 }
  }

  async function draft(survey: OpenSurvey, key: string | undefined): Promise<DraftLookup> {
    if (!key) return { kind: 'noDraft' }
    const keyHash = hashKey(key)
    const found = survey.prefetched?.key === key ? survey.prefetched.draft : await repo.findDraft(db, keyHash)
    if (!found || found.waveId !== survey.wave.id) {
      const submitted = (await repo.responseExists(db, keyHash)) || (await invitations.usedByKeyHash(keyHash))
      return submitted ? { kind: 'submitted' } : { kind: 'noDraft' }
    }
    const answers = keepVisibleAnswers(survey.questionnaire, found.answers as Answers)
    return {
      kind: 'draft',
      key,
      answers,
      pages: shownPages(survey.questionnaire, answers),
      invitationId: found.invitationId,
      facilitatorId: found.facilitatorId,
      paperSerial: found.paperSerial,
    }
  }

  return {
    find,
    draft,

    listOpen: () => repo.listOpenSeries(db, now()),

    /** A wave's questionnaire, as respondents meet it. */
    questionnaireOf: (waveId: number) => repo.loadQuestionnaire(db, waveId),

    /**
     * Stores responses read from a file in one transaction (a row already imported is skipped, so a
     * re-run stores nothing twice) and tallies them at once, so the first reader of the results does
     * not wait; returns how many were new.
     */
    async importResponses(
      questionnaire: Questionnaire,
      responses: ParsedResponse[],
      progress: (step: 'stored' | 'tallied', done: number) => void = () => {},
    ): Promise<number> {
      const stored = await storeResponses(db, questionnaire, responses, (done) => progress('stored', done))
      await foldNewResponses(db, questionnaire.waveId, (done) => progress('tallied', done))
      return stored
    },

    /**
     * Starts typing in a paper questionnaire: refused when its number was already typed in for this
     * wave (a second entry would count one person twice).
     */
    async startPaperEntry(
      survey: OpenSurvey,
      staffId: number,
      serial: string,
    ): Promise<{ kind: 'taken' } | { kind: 'started'; key: string; firstPage: number }> {
      if (await repo.paperSerialTaken(db, survey.wave.id, serial)) return { kind: 'taken' }
      return { kind: 'started', ...(await newDraft(survey, staffId, serial)) }
    },

    /**
     * Starts a new response (a facilitator's assisted interview when one is given); returns the key for
     * the respondent's cookie and the first page.
     */
    start: (survey: OpenSurvey, facilitatorId: number | null = null) => newDraft(survey, facilitatorId),

    /**
     * Starts or resumes the response of an invitation code: its draft is keyed by the code, so progress
     * made on another device is there, and the person continues at the first page left unanswered.
     */
    async startWithCode(survey: OpenSurvey, typed: string): Promise<CodeOutcome> {
      const check = await invitations.check(typed, survey.wave.id)
      if (check.kind !== 'valid') return { kind: check.kind }
      await markStarted(db, check.invitation.id)
      await repo.createDraft(db, check.keyHash, survey.wave.id, check.invitation.id)
      const current = await draft(survey, check.key)
      if (current.kind !== 'draft') return { kind: 'used' }
      const page =
        current.pages.find((p) =>
          questionsOnPage(survey.questionnaire, p, current.answers).every(
            (q) => current.answers[q.code] === undefined,
          ),
        ) ??
        current.pages.at(-1) ??
        1
      return { kind: 'started', key: check.key, page }
    },

    questionsOnPage: (survey: OpenSurvey, page: number, answers: Answers) =>
      questionsOnPage(survey.questionnaire, page, answers),

    /** Checks one page's answers, keeps them in the draft, and submits the response after the last page. */
    async answerPage(
      survey: OpenSurvey,
      current: Extract<DraftLookup, { kind: 'draft' }>,
      page: number,
      form: Record<string, unknown>,
      language: Language,
    ): Promise<PageOutcome> {
      const questions = questionsOnPage(survey.questionnaire, page, current.answers)
      const { answers: pageAnswers, errors } = readPageAnswers(questions, form)
      if (errors.length > 0) return { kind: 'invalid', questions, answers: current.answers, form, errors }

      const answers: Answers = { ...current.answers }
      for (const question of questions) delete answers[question.code]
      Object.assign(answers, pageAnswers)
      const kept = keepVisibleAnswers(survey.questionnaire, answers)
      const keyHash = hashKey(current.key)
      const nextPage = shownPages(survey.questionnaire, kept).find((p) => p > page)
      const complete = nextPage === undefined ? checkComplete(survey.questionnaire, kept) : undefined
      // The last page of a complete response goes straight into the response; the draft is deleted.
      if (!complete?.ok) await repo.saveDraftAnswers(db, keyHash, kept)
      if (!complete) return { kind: 'next', page: nextPage! }
      if (!complete.ok) return { kind: 'incomplete', page: complete.page }
      try {
        await submit(survey.questionnaire, keyHash, current, complete.answers, language)
      } catch (error) {
        if (current.paperSerial !== null && isPaperSerialTaken(error)) {
          await repo.saveDraftAnswers(db, keyHash, kept)
          return { kind: 'paperTaken' }
        }
        throw error
      }
      return { kind: 'submitted' }
    },
  }

  // One transaction: the response, all its answers, and the draft's removal; a repeat inserts nothing.
  // An invitation's response is stored once by using the invitation up (its row lock orders racing
  // browsers) and gets a random key, so nothing in it leads back to the code.
  async function submit(
    questionnaire: Questionnaire,
    keyHash: string,
    {
      invitationId,
      facilitatorId,
      paperSerial,
    }: { invitationId: number | null; facilitatorId: number | null; paperSerial: string | null },
    answers: Answers,
    language: Language,
  ) {
    await db.transaction().execute(async (trx) => {
      const invited = invitationId === null ? undefined : await completeOnce(trx, invitationId)
      const responseId =
        invitationId !== null && !invited
          ? undefined
          : await repo.insertResponseOnce(trx, {
              waveId: questionnaire.waveId,
              language,
              channel: paperSerial !== null ? 'paper' : facilitatorId === null ? 'web' : 'assisted',
              idempotencyKey: invited ? randomBytes(24).toString('base64url') : keyHash,
              ...(invited ? { invited } : {}),
              facilitatorId,
              paperSerial,
            })
      if (responseId !== undefined) {
        await repo.insertAnswers(trx, responseId, questionnaire.waveId, answerRows(questionnaire, answers))
      }
      await repo.deleteDraft(trx, keyHash)
    })
  }
}

export type SurveyService = ReturnType<typeof createSurveyService>

// Two entries of one paper questionnaire racing: the unique index on (wave, number) refused the second.
const isPaperSerialTaken = (error: unknown) =>
  (error as { code?: string; constraint?: string }).code === '23505' &&
  (error as { constraint?: string }).constraint === 'response_paper_serial'
