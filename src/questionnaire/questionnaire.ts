import type { QuestionType } from './question-types/index.ts'
import type { Translated } from './translated.ts'
import { conditionHolds, questionsIn, type Condition } from './conditions.ts'

export { QUESTION_TYPES, type QuestionType } from './question-types/index.ts'

/** A question's code: what stays the same from year to year, and names its column in files. */
export const QUESTION_CODE = /^[a-z][a-z0-9_]{0,39}$/

/** Show a question only when earlier answers pass this test (conditions.ts). */
export type ShowIf = Condition

/**
 * A question's own words for its errors (XLSForm's required_message and constraint_message), per
 * language; where a language has none, the usual message is shown.
 */
export interface QuestionMessages {
  required?: Partial<Translated>
  constraint?: Partial<Translated>
}

/** Messages without their empty languages, and without an empty kind (stored as {} when none). */
export function questionMessages(given: {
  required?: Partial<Translated>
  constraint?: Partial<Translated>
}): QuestionMessages {
  const messages: QuestionMessages = {}
  for (const kind of ['required', 'constraint'] as const) {
    const texts = Object.fromEntries(Object.entries(given[kind] ?? {}).filter(([, text]) => text))
    if (Object.keys(texts).length > 0) messages[kind] = texts
  }
  return messages
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
  messages: QuestionMessages
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
  return !question.showIf || conditionHolds(question.showIf, keptAnswers)
}

/**
 * One screen of a page: the whole page, or, where a question depends on another of the same page, the
 * part up to that other question. Without JavaScript a reader sees a question only once the answers it
 * depends on are sent; with it the page's parts are shown together (public/conditions.js). Written
 * "2" for a page's first part, "2.3" for its third.
 */
export type Step = string

export const stepOf = (page: number, part: number): Step => (part === 1 ? `${page}` : `${page}.${part}`)
export const STEP_PATTERN = /^([1-9]\d{0,2})(?:\.([2-9]|[1-9]\d))?$/
export function pageAndPart(step: Step): { page: number; part: number } {
  const [page, part] = step.split('.')
  return { page: Number(page), part: part ? Number(part) : 1 }
}

/** Whether step a comes after step b. */
export function comesAfter(a: Step, b: Step): boolean {
  const x = pageAndPart(a)
  const y = pageAndPart(b)
  return x.page > y.page || (x.page === y.page && x.part > y.part)
}

/** A page's questions cut into parts: a part ends before a question depending on one already in it. */
export function pageParts(questionnaire: Questionnaire, page: number): readonly (readonly Question[])[] {
  return layoutOf(questionnaire).parts.get(page) ?? []
}

// Pages and parts depend on the questions alone, and every question page and submission asks for them:
// worked out once per questions array (a questionnaire is never changed in place once built), and
// shared by every caller, hence read-only.
type Layout = { pages: readonly number[]; parts: ReadonlyMap<number, readonly (readonly Question[])[]> }
const layouts = new WeakMap<readonly Question[], Layout>()
function layoutOf(questionnaire: Questionnaire): Layout {
  let layout = layouts.get(questionnaire.questions)
  if (!layout) {
    const parts = new Map<number, Question[][]>()
    for (const page of new Set(questionnaire.questions.map((q) => q.page)))
      parts.set(page, cutIntoParts(questionnaire.questions.filter((q) => q.page === page)))
    layout = { pages: [...parts.keys()].sort((a, b) => a - b), parts }
    layouts.set(questionnaire.questions, layout)
  }
  return layout
}

function cutIntoParts(pageQuestions: Question[]): Question[][] {
  const parts: Question[][] = []
  let current: Question[] = []
  for (const question of pageQuestions) {
    const reads = question.showIf ? questionsIn(question.showIf) : []
    if (reads.some((code) => current.some((q) => q.code === code))) {
      parts.push(current)
      current = []
    }
    current.push(question)
  }
  if (current.length > 0) parts.push(current)
  return parts
}

/** The steps that have at least one question shown, in order. */
export function shownSteps(questionnaire: Questionnaire, answers: Answers): Step[] {
  const kept = keepVisibleAnswers(questionnaire, answers)
  const { pages, parts } = layoutOf(questionnaire)
  const steps: Step[] = []
  for (const page of pages)
    parts.get(page)!.forEach((part, index) => {
      if (part.some((q) => isShown(q, kept))) steps.push(stepOf(page, index + 1))
    })
  return steps
}

/** The questions of a step and of the rest of its page, part by part (shown together with JavaScript). */
export function partsFrom(questionnaire: Questionnaire, step: Step): (readonly Question[])[] {
  const { page, part } = pageAndPart(step)
  return pageParts(questionnaire, page).slice(part - 1)
}

/** Questions in the order a respondent meets them: page by page, then as placed on the page. */
export const inAnsweringOrder = <Q extends Pick<Question, 'page' | 'position'>>(
  questions: readonly Q[],
): Q[] => [...questions].sort((a, b) => a.page - b.page || a.position - b.position)

/** The questions shown on one step, given the answers so far. */
export function questionsOnStep(questionnaire: Questionnaire, step: Step, answers: Answers): Question[] {
  const kept = keepVisibleAnswers(questionnaire, answers)
  return (partsFrom(questionnaire, step)[0] ?? []).filter((q) => isShown(q, kept))
}

/** The questions results can be broken down by: profile questions with options. */
export function breakdownQuestions(questionnaire: Questionnaire): Question[] {
  return questionnaire.questions.filter((q) => q.isProfile && q.options.length > 0)
}
