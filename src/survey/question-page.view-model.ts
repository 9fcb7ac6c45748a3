import type { TFunction } from 'i18next'
import { fieldName, type FieldError } from '../questionnaire/answer-validation.ts'
import {
  pageAndPart,
  type Answers,
  type Question,
  type Questionnaire,
  type Step,
} from '../questionnaire/questionnaire.ts'
import { questionType, sameGrid, type ControlView } from '../questionnaire/question-types/index.ts'
import { CONSTRAINT_ERRORS } from '../questionnaire/question-types/question-type.ts'
import { inLanguage, type Language } from '../questionnaire/translated.ts'
import { questionsIn } from '../questionnaire/conditions.ts'

/** A question as its page shows it: what every question has, and its type's control. */
export interface QuestionView extends ControlView {
  code: string
  id: string
  name: string
  label: string
  help: string
  required: boolean
  error: string | undefined
  /** The condition for the page's script (JSON), when the answers on this page decide it. */
  showIf?: string
  /** Sent with the whole page and hidden by its answers: the script shows it again when they change. */
  hidden?: boolean
  /** The page's only question: its label is the page's h1. */
  heading?: boolean
}

/** The questions a step shows, and the rest of its page that the script shows with them. */
export interface PageLayout {
  questions: Question[]
  /** Codes of questions drawn hidden (a whole page sent with JavaScript, refused). */
  hidden?: string[]
  /** The page's later parts, kept in a template that only the script uses. */
  later?: Question[]
  /** Answers on earlier pages that the conditions here read. */
  known?: Answers
  /** The page was sent whole (with JavaScript), and is shown whole again. */
  wholePage?: boolean
  answers: Answers
  form?: Record<string, unknown> | undefined
  errors?: FieldError[] | undefined
}

/**
 * How far along a respondent is, never moving backwards nor changing its total as answers show or
 * skip pages: the how-manieth page they are on (pages, not their parts), and the share of the
 * questionnaire's pages before this one (a skipped page counts as done).
 */
export function pageProgress(
  questionnaire: Questionnaire,
  shown: Step[],
  step: Step,
): { pageNumber: number; done: number } {
  const page = pageAndPart(step).page
  const index = shown.indexOf(step)
  const seen = new Set(shown.slice(0, index + 1).map((s) => pageAndPart(s).page))
  const allPages = [...new Set(questionnaire.questions.map((q) => q.page))].sort((a, b) => a - b)
  const before = allPages.filter((p) => p < page).length
  return { pageNumber: seen.size, done: allPages.length ? before / allPages.length : 0 }
}

/** Statements sharing one scale, drawn as one table by their type's grid template. */
export interface GridView {
  id: string
  partial: string
  /** The scale's labels, as column headings. */
  columns: string[]
  rows: QuestionView[]
}

/** What a page draws in order: a question, or a grid of them. */
export type PageBlock =
  { question: QuestionView; grid?: undefined } | { grid: GridView; question?: undefined }

export interface ErrorLink {
  href: string
  text: string
}

/**
 * What a question page shows: each question with its label, its type's control holding the value (the
 * submitted input after a failed POST, else the kept answer) and its error, plus the summary linking to
 * each faulty field.
 */
export function questionPageViewModel(input: PageLayout & { language: Language; t: TFunction }): {
  questions: QuestionView[]
  blocks: PageBlock[]
  later: PageBlock[]
  known: string
  wholePage: boolean
  followsAnswers: boolean
  errorLinks: ErrorLink[]
  /** A page of one question has that question as its heading (GOV.UK's pattern), else the page title. */
  questionIsHeading: boolean
} {
  const { language, t } = input
  const errors = input.errors ?? []
  // Conditions the script follows: those reading a question of this page.
  const onPage = new Set([...input.questions, ...(input.later ?? [])].map((q) => q.code))
  // The question's own words for the error (required_message, constraint_message), else the usual ones.
  const errorText = (question: Question, fieldError: FieldError) => {
    const own =
      fieldError.error === questionType(question.type).requiredError
        ? question.messages.required?.[language]
        : CONSTRAINT_ERRORS.includes(fieldError.error)
          ? question.messages.constraint?.[language]
          : undefined
    return own ?? t(`errors.${fieldError.error}`, fieldError.params ?? {})
  }
  const view = (question: Question, form: Record<string, unknown> | undefined): QuestionView => {
    const name = fieldName(question.code)
    const module = questionType(question.type)
    const raw: unknown = form ? module.formInput(form, name) : input.answers[question.code]
    const fieldError = errors.find((e) => e.question === question.code)
    const followed = question.showIf && questionsIn(question.showIf).some((code) => onPage.has(code))
    return {
      ...(followed ? { showIf: JSON.stringify(question.showIf) } : {}),
      ...(input.hidden?.includes(question.code) ? { hidden: true } : {}),
      ...module.control(question, raw, language),
      code: question.code,
      id: `q-${question.code}`,
      name,
      label: inLanguage(question.text, language),
      help: inLanguage(question.help, language),
      required: question.required,
      error: fieldError ? errorText(question, fieldError) : undefined,
    }
  }
  const questions = input.questions.map((q) => view(q, input.form))
  const later = (input.later ?? []).map((q) => view(q, undefined))
  // Questions of a grid type one after another, with the same options, share one table.
  const blocks = (source: Question[], views: QuestionView[]): PageBlock[] => {
    const out: PageBlock[] = []
    for (let i = 0; i < source.length;) {
      const grid = questionType(source[i]!.type).grid
      let end = i + 1
      while (grid && end < source.length && sameGrid(source[i]!, source[end]!)) end++
      if (grid && end - i > 1)
        out.push({
          grid: {
            id: `grid-${source[i]!.code}`,
            partial: grid.partial,
            columns: views[i]!.choices.map((c) => c.label),
            rows: views.slice(i, end),
          },
        })
      else out.push({ question: views[i]! })
      i = grid && end - i > 1 ? end : i + 1
    }
    return out
  }
  const errorLinks = questions
    .filter((q) => q.error)
    // "¿Lo conocía?: Elija una respuesta", never "…internacional.: Elija…".
    .map((q) => ({
      href: `#${q.id}`,
      text: `${q.label.replace(/[\s.:;,]+$/u, '')}${t('common.labelSeparator')}${q.error}`,
    }))
  const pageBlocks = blocks(input.questions, questions)
  const only = pageBlocks.length === 1 && later.length === 0 ? pageBlocks[0]!.question : undefined
  const questionIsHeading = only !== undefined && only.answerable
  if (only && questionIsHeading) only.heading = true
  return {
    questions,
    questionIsHeading,
    blocks: pageBlocks,
    later: blocks(input.later ?? [], later),
    known: JSON.stringify(input.known ?? {}),
    wholePage: input.wholePage ?? false,
    followsAnswers: later.length > 0 || questions.some((q) => q.showIf),
    errorLinks,
  }
}
