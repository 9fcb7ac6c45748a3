import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../db/database.ts'
import type { Channel } from '../db/schema.ts'
import { checkComplete, readPageAnswers, type FieldError } from '../questionnaire/answer-validation.ts'
import { answerRows } from '../questionnaire/question-types/index.ts'
import {
  comesAfter,
  isShown,
  keepVisibleAnswers,
  pageAndPart,
  partsFrom,
  questionsOnStep,
  shownSteps,
  stepOf,
  type Step,
} from '../questionnaire/questionnaire.ts'
import type { Answers, Question, Questionnaire } from '../questionnaire/questionnaire.ts'
import type { Language } from '../questionnaire/translated.ts'
import { completeOnce, markStarted } from '../invitations/invitations.repository.ts'
import type { InvitationService } from '../invitations/invitations.service.ts'
import * as repo from './survey.repository.ts'
import type { DraftRecord, RefusedStep, SeriesRecord, WaveRecord } from './survey.repository.ts'
import { takesAnswersAt } from '../series/wave-rules.ts'
import { storeResponses, type ParsedResponse } from '../results/response-import.ts'
import { foldNewResponses } from '../results/results.repository.ts'
import { questionsIn } from '../questionnaire/conditions.ts'
import type { PageLayout } from './question-page.view-model.ts'
import { replaceUnstorable } from '../questionnaire/unstorable-text.ts'

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
      pages: Step[]
      invitationId: number | null
      facilitatorId: number | null
      paperSerial: string | null
      refused: RefusedStep | null
    }

type Draft = Extract<DraftLookup, { kind: 'draft' }>

/** A step read with errors: shown again as it was sent (with JavaScript, the whole page). */
export interface RefusedRead {
  questions: Question[]
  /** With JavaScript, the rest of the page came too: its questions, the ones not shown among them. */
  wholePage?: { hidden: Question[] }
  answers: Answers
  form: Record<string, unknown>
  errors: FieldError[]
}

export type PageOutcome =
  /** Kept in the draft as typed; the step's address shows it again with its errors. */
  | { kind: 'refused'; page: Step }
  | { kind: 'next'; page: Step }
  | { kind: 'incomplete'; page: Step }
  | { kind: 'submitted' }
  /** Another entry of the same paper questionnaire got in first: nothing stored, the draft kept. */
  | { kind: 'paperTaken' }

export type CodeOutcome =
  { kind: 'malformed' | 'unknown' | 'otherWave' | 'used' } | { kind: 'started'; key: string; page: Step }

/** The answers on other pages that these questions' conditions read, for the page's script. */
function answersRead(questions: Question[], answers: Answers): Answers {
  const onPage = new Set(questions.map((q) => q.code))
  const known: Answers = {}
  for (const question of questions)
    for (const code of question.showIf ? questionsIn(question.showIf) : [])
      if (!onPage.has(code) && answers[code] !== undefined) known[code] = answers[code]
  return known
}

/** A refused form as the draft can keep it: characters no text column stores become U+FFFD. */
const storable = (form: Record<string, string | string[]>): Record<string, string | string[]> =>
  Object.fromEntries(
    Object.entries(form).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.map(replaceUnstorable) : replaceUnstorable(value),
    ]),
  )

/** The field public/conditions.js adds when it shows the rest of a page with its first part. */
export const WHOLE_PAGE_FIELD = '_whole_page'

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
  ): Promise<{ key: string; firstPage: Step }> {
    const key = randomBytes(24).toString('base64url')
    await repo.deleteStaleDrafts(db, new Date(now().getTime() - DRAFT_LIFETIME_MS))
    await repo.createDraft(db, hashKey(key), survey.wave.id, null, facilitatorId, paperSerial)
    return { key, firstPage: shownSteps(survey.questionnaire, {})[0] ?? '1' }
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
      pages: shownSteps(survey.questionnaire, answers),
      invitationId: found.invitationId,
      facilitatorId: found.facilitatorId,
      paperSerial: found.paperSerial,
      refused: found.refused,
    }
  }

  /**
   * Reads one step's answers (with JavaScript, the rest of its page's too), each part with the answers
   * before it, so a question shown by an answer sent with it counts.
   */
  function readStep(survey: OpenSurvey, current: Draft, page: Step, form: Record<string, unknown>) {
    const wholePage = form[WHOLE_PAGE_FIELD] === '1'
    const parts = partsFrom(survey.questionnaire, page).slice(0, wholePage ? undefined : 1)
    const answers: Answers = { ...current.answers }
    const questions: Question[] = []
    const hidden: Question[] = []
    const errors: FieldError[] = []
    for (const part of parts) {
      for (const question of part) delete answers[question.code]
      const before = keepVisibleAnswers(survey.questionnaire, answers)
      const read = readPageAnswers(
        part.filter((q) => isShown(q, before)),
        form,
      )
      for (const question of part) (isShown(question, before) ? questions : hidden).push(question)
      errors.push(...read.errors)
      Object.assign(answers, read.answers)
    }
    const refused: RefusedRead | undefined =
      errors.length > 0
        ? {
            questions,
            ...(wholePage ? { wholePage: { hidden } } : {}),
            answers: current.answers,
            form,
            errors,
          }
        : undefined
    return { refused, answers, partCount: parts.length }
  }

  /** The step the respondent left off at: the one refused, else the first with nothing answered. */
  function resumeStep(survey: OpenSurvey, current: Draft): Step {
    if (current.refused && current.pages.includes(current.refused.step)) return current.refused.step
    return (
      current.pages.find((p) =>
        questionsOnStep(survey.questionnaire, p, current.answers).every(
          (q) => current.answers[q.code] === undefined,
        ),
      ) ??
      current.pages.at(-1) ??
      '1'
    )
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
    ): Promise<{ kind: 'taken' } | { kind: 'started'; key: string; firstPage: Step }> {
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
      return { kind: 'started', key: check.key, page: resumeStep(survey, current) }
    },

    resumeStep,

    /** Whether a draft holds anything the respondent would lose by starting again. */
    hasProgress: (current: Draft) => current.refused !== null || Object.keys(current.answers).length > 0,

    /**
     * Discards the draft's answers and starts again at the first page: an invitation's draft is emptied
     * (its code keys it), any other is replaced by a new one for the same facilitator or paper number.
     */
    async startAgain(survey: OpenSurvey, current: Draft): Promise<{ key: string; firstPage: Step }> {
      const keyHash = hashKey(current.key)
      if (current.invitationId !== null) {
        await repo.saveDraftAnswers(db, keyHash, {}, { clearRefused: true })
        return { key: current.key, firstPage: shownSteps(survey.questionnaire, {})[0] ?? '1' }
      }
      await repo.deleteDraft(db, keyHash)
      return newDraft(survey, current.facilitatorId, current.paperSerial)
    },

    /** What a step shows: as last refused (its typed values and errors) if it was, else its answers. */
    stepLayout(survey: OpenSurvey, current: Draft, page: Step): PageLayout {
      if (current.refused?.step !== page) return this.pageLayout(survey, page, current.answers)
      const { form, errors } = current.refused
      const read = readStep(survey, current, page, form).refused
      return read
        ? this.refusedPageLayout(survey, page, { ...read, errors })
        : { ...this.pageLayout(survey, page, current.answers), form, errors }
    },

    /** What a step shows: its questions, and the rest of its page for the script to show with them. */
    pageLayout(survey: OpenSurvey, page: Step, answers: Answers): PageLayout {
      const [first = [], ...rest] = partsFrom(survey.questionnaire, page)
      const later = rest.flat()
      return {
        questions: first.filter((q) => isShown(q, answers)),
        later,
        known: answersRead(later, answers),
        answers,
      }
    },

    /** A step refused with errors, shown again as it was sent (with JavaScript: the whole page). */
    refusedPageLayout(survey: OpenSurvey, page: Step, refused: RefusedRead): PageLayout {
      const { form, errors, answers } = refused
      if (!refused.wholePage) return { ...this.pageLayout(survey, page, answers), form, errors }
      const { hidden } = refused.wholePage
      return {
        questions: partsFrom(survey.questionnaire, page)
          .flat()
          .filter((q) => refused.questions.includes(q) || hidden.includes(q)),
        hidden: hidden.map((q) => q.code),
        later: [],
        known: answersRead(hidden, answers),
        wholePage: true,
        answers,
        form,
        errors,
      }
    },

    /**
     * Checks one step's answers (with JavaScript, the rest of its page's too), keeps them in the draft,
     * and submits the response after the last step.
     */
    async answerPage(
      survey: OpenSurvey,
      current: Draft,
      page: Step,
      form: Record<string, string | string[]>,
      language: Language,
    ): Promise<PageOutcome> {
      const keyHash = hashKey(current.key)
      const { refused, answers, partCount } = readStep(survey, current, page, form)
      // Kept as typed (a comment written there is not lost), shown again after the redirect.
      if (refused) {
        const { _csrf: _token, ...typed } = form
        await repo.saveRefusedStep(db, keyHash, { step: page, form: storable(typed), errors: refused.errors })
        return { kind: 'refused', page }
      }

      const kept = keepVisibleAnswers(survey.questionnaire, answers)
      // What was typed on a refused step stays until that step is accepted (the respondent may go back first).
      const accepted = { clearRefused: current.refused?.step === page }
      const { page: number, part } = pageAndPart(page)
      const lastSent = stepOf(number, part + Math.max(partCount, 1) - 1)
      const nextPage = shownSteps(survey.questionnaire, kept).find((p) => comesAfter(p, lastSent))
      const complete = nextPage === undefined ? checkComplete(survey.questionnaire, kept) : undefined
      // The last page of a complete response goes straight into the response; the draft is deleted.
      if (!complete?.ok) await repo.saveDraftAnswers(db, keyHash, kept, accepted)
      if (!complete) return { kind: 'next', page: nextPage! }
      if (!complete.ok) return { kind: 'incomplete', page: complete.page }
      try {
        await submit(survey.questionnaire, keyHash, current, complete.answers, language)
      } catch (error) {
        if (current.paperSerial !== null && isPaperSerialTaken(error)) {
          await repo.saveDraftAnswers(db, keyHash, kept, accepted)
          return { kind: 'paperTaken' }
        }
        throw error
      }
      return { kind: 'submitted' }
    },
  }

  // Atomic: the response, all its answers, and the draft's removal; a repeat inserts nothing. An open
  // response is one statement; an invitation's response is stored once by using the invitation up
  // (its row lock orders racing browsers) and gets a random key, so nothing leads back to the code.
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
    const channel: Channel = paperSerial !== null ? 'paper' : facilitatorId === null ? 'web' : 'assisted'
    const rows = answerRows(questionnaire, answers)
    if (invitationId === null) {
      const { waveId } = questionnaire
      const response = { waveId, language, channel, idempotencyKey: keyHash, facilitatorId, paperSerial }
      await repo.storeResponseOnce(db, response, rows, keyHash)
      return
    }
    await db.transaction().execute(async (trx) => {
      const invited = await completeOnce(trx, invitationId)
      const responseId = !invited
        ? undefined
        : await repo.insertResponseOnce(trx, {
            waveId: questionnaire.waveId,
            language,
            channel,
            idempotencyKey: randomBytes(24).toString('base64url'),
            invited,
            facilitatorId,
            paperSerial,
          })
      if (responseId !== undefined) await repo.insertAnswers(trx, responseId, questionnaire.waveId, rows)
      await repo.deleteDraft(trx, keyHash)
    })
  }
}

export type SurveyService = ReturnType<typeof createSurveyService>

// Two entries of one paper questionnaire racing: the unique index on (wave, number) refused the second.
const isPaperSerialTaken = (error: unknown) =>
  (error as { code?: string; constraint?: string }).code === '23505' &&
  (error as { constraint?: string }).constraint === 'response_paper_serial'
