import type { TFunction } from 'i18next'
import { fieldName, type FieldError } from '../questionnaire/answer-validation.ts'
import type { Answers, Question } from '../questionnaire/questionnaire.ts'
import { inLanguage, type Language } from '../questionnaire/translated.ts'
import { LONG_TEXT_MAX, SHORT_TEXT_MAX } from '../questionnaire/question-types/text.ts'

export interface ChoiceView {
  id: string
  value: string
  label: string
  checked: boolean
}

export interface QuestionView {
  code: string
  id: string
  name: string
  control: 'radios' | 'checkboxes' | 'scale' | 'number' | 'short_text' | 'long_text' | 'note'
  label: string
  help: string
  required: boolean
  error: string | undefined
  choices: ChoiceView[]
  value: string
  maxLength: number | undefined
}

export interface ErrorLink {
  href: string
  text: string
}

const CONTROL: Record<Question['type'], QuestionView['control']> = {
  single_choice: 'radios',
  yes_no: 'radios',
  scale_5: 'radios',
  multiple_choice: 'checkboxes',
  scale_0_10: 'scale',
  number: 'number',
  short_text: 'short_text',
  long_text: 'long_text',
  note: 'note',
}

function asStrings(value: unknown): string[] {
  if (value === undefined || value === null) return []
  return (Array.isArray(value) ? value : [value]).filter((v) => typeof v !== 'object').map(String)
}

/**
 * What a question page shows: each question with its label, choices, value (the submitted input after
 * a failed POST, else the kept answer) and error, plus the summary linking to each faulty field.
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
    const id = `q-${question.code}`
    const raw: unknown = input.form ? input.form[name] : input.answers[question.code]
    const current = asStrings(raw)
    const fieldError = errors.find((e) => e.question === question.code)
    const control = CONTROL[question.type]
    const options =
      question.type === 'scale_0_10'
        ? Array.from({ length: 11 }, (_, level) => ({ code: String(level), label: String(level) }))
        : question.options.map((o) => ({ code: o.code, label: inLanguage(o.label, language) }))
    return {
      code: question.code,
      id,
      name,
      control,
      label: inLanguage(question.text, language),
      help: inLanguage(question.help, language),
      required: question.required,
      error: fieldError ? t(`errors.${fieldError.error}`, fieldError.params ?? {}) : undefined,
      choices: options.map((o, index) => ({
        id: index === 0 ? id : `${id}-${index + 1}`,
        value: o.code,
        label: o.label,
        checked: current.includes(o.code),
      })),
      value: current[0] ?? '',
      maxLength:
        question.type === 'short_text'
          ? SHORT_TEXT_MAX
          : question.type === 'long_text'
            ? LONG_TEXT_MAX
            : undefined,
    }
  })
  const errorLinks = questions
    .filter((q) => q.error)
    .map((q) => ({ href: `#${q.id}`, text: `${q.label}: ${q.error}` }))
  return { questions, errorLinks }
}
