import type { TFunction } from 'i18next'
import { fieldName, type FieldError } from '../questionnaire/answer-validation.ts'
import type { Answers, Question } from '../questionnaire/questionnaire.ts'
import { questionType, type ControlView } from '../questionnaire/question-types/index.ts'
import { inLanguage, type Language } from '../questionnaire/translated.ts'

/** A question as its page shows it: what every question has, and its type's control. */
export interface QuestionView extends ControlView {
  code: string
  id: string
  name: string
  label: string
  help: string
  required: boolean
  error: string | undefined
}

export interface ErrorLink {
  href: string
  text: string
}

/**
 * What a question page shows: each question with its label, its type's control holding the value (the
 * submitted input after a failed POST, else the kept answer) and its error, plus the summary linking to
 * each faulty field.
 */
export function questionPageViewModel(input: {
  questions: Question[]
  answers: Answers
  form?: Record<string, unknown> | undefined
  errors?: FieldError[] | undefined
  language: Language
  t: TFunction
}): { questions: QuestionView[]; errorLinks: ErrorLink[] } {
  const { language, t } = input
  const errors = input.errors ?? []
  const questions = input.questions.map((question): QuestionView => {
    const name = fieldName(question.code)
    const module = questionType(question.type)
    const raw: unknown = input.form ? module.formInput(input.form, name) : input.answers[question.code]
    const fieldError = errors.find((e) => e.question === question.code)
    return {
      ...module.control(question, raw, language),
      code: question.code,
      id: `q-${question.code}`,
      name,
      label: inLanguage(question.text, language),
      help: inLanguage(question.help, language),
      required: question.required,
      error: fieldError ? t(`errors.${fieldError.error}`, fieldError.params ?? {}) : undefined,
    }
  })
  const errorLinks = questions
    .filter((q) => q.error)
    .map((q) => ({ href: `#${q.id}`, text: `${q.label}: ${q.error}` }))
  return { questions, errorLinks }
}
