import type { QuestionType } from './question-types/index.ts'
import type { Translated } from './translated.ts'

export { QUESTION_TYPES, type QuestionType } from './question-types/index.ts'

/** Show a question only when an earlier answer includes one of these option codes. */
export interface ShowIf {
  question: string
  anyOf: string[]
}

export interface QuestionOption {
  code: string
  label: Translated
}

export interface Question {
  id: number
  code: string
  type: QuestionType
  page: number
  position: number
  required: boolean
  text: Translated
  help: Partial<Translated>
  showIf: ShowIf | null
  isProfile: boolean
  min: number | null
  max: number | null
  options: QuestionOption[]
}

/** The questions of one wave, in the order a respondent meets them. */
export interface Questionnaire {
  waveId: number
  questions: Question[]
}

/** A stored answer: an option code, several codes, a number or a text. */
export type AnswerValue = string | string[] | number
export type Answers = Record<string, AnswerValue>

function answerIncludes(value: AnswerValue | undefined, codes: string[]): boolean {
  if (value === undefined) return false
  const given = Array.isArray(value) ? value : [String(value)]
  return given.some((code) => codes.includes(code))
}

/**
 * The answers that still count: walking in order, a question whose condition fails is hidden and its
 * answer dropped, so a later question that depends on it is hidden too.
 */
export function keepVisibleAnswers(questionnaire: Questionnaire, answers: Answers): Answers {
  const kept: Answers = {}
  for (const question of questionnaire.questions) {
    if (!isShown(question, kept)) continue
    const value = answers[question.code]
    if (value !== undefined) kept[question.code] = value
  }
  return kept
}

/** Whether a question is shown, given the answers kept so far. */
export function isShown(question: Question, keptAnswers: Answers): boolean {
  if (!question.showIf) return true
  return answerIncludes(keptAnswers[question.showIf.question], question.showIf.anyOf)
}

/** The page numbers that have at least one question shown, in order. */
export function shownPages(questionnaire: Questionnaire, answers: Answers): number[] {
  const kept = keepVisibleAnswers(questionnaire, answers)
  const pages = new Set<number>()
  for (const question of questionnaire.questions) {
    if (isShown(question, kept)) pages.add(question.page)
  }
  return [...pages].sort((a, b) => a - b)
}

/** Questions in the order a respondent meets them: page by page, then as placed on the page. */
export const inAnsweringOrder = <Q extends Pick<Question, 'page' | 'position'>>(
  questions: readonly Q[],
): Q[] => [...questions].sort((a, b) => a.page - b.page || a.position - b.position)

/** The questions shown on one page, given the answers so far. */
export function questionsOnPage(questionnaire: Questionnaire, page: number, answers: Answers): Question[] {
  const kept = keepVisibleAnswers(questionnaire, answers)
  return questionnaire.questions.filter((q) => q.page === page && isShown(q, kept))
}

/** The questions results can be broken down by: profile questions with options. */
export function breakdownQuestions(questionnaire: Questionnaire): Question[] {
  return questionnaire.questions.filter((q) => q.isProfile && q.options.length > 0)
}
