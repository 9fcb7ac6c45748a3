import type { Question } from '../../questionnaire.ts'
import { inLanguage, type Language } from '../../translated.ts'
import {
  asStrings,
  basics,
  controlView,
  fail,
  paperView,
  MANY,
  ok,
  single,
  type ControlView,
  type MicrodataField,
  type ParseResult,
  type QuestionTypeModule,
} from '../question-type.ts'

/** One option among the question's. */
export function parseOneOption(raw: unknown, question: Question): ParseResult {
  const value = single(raw)
  if (value === undefined) return ok(null)
  if (value === MANY) return fail('oneAnswerOnly')
  if (!question.options.some((o) => o.code === value)) return fail('unknownOption')
  return ok(value)
}

/** Radios or checkboxes for `options`, checked where the raw input (or kept answer) says so. */
export function choicesControl(
  partial: string,
  question: Question,
  raw: unknown,
  options: { code: string; label: string }[],
): ControlView {
  const current = asStrings(raw)
  const id = `q-${question.code}`
  return controlView(partial, true, {
    choices: options.map((o, index) => ({
      id: index === 0 ? id : `${id}-${index + 1}`,
      value: o.code,
      label: o.label,
      checked: current.includes(o.code),
    })),
  })
}

const labelled = (question: Question, language: Language) =>
  question.options.map((o) => ({ code: o.code, label: inLanguage(o.label, language) }))

/** A column holding one option code, among those any wave of the series offered. */
const oneCodeField = (question: Question, optionCodes: string[], description: string): MicrodataField => ({
  name: question.code,
  type: 'string',
  description,
  constraints: { enum: optionCodes },
})

/**
 * What the types answered with one option share; `type`, `reads` and anything else (defaults, checks)
 * are the type's own.
 */
export function oneOptionType(
  own: Pick<QuestionTypeModule, 'type' | 'xlsForm'> & Partial<QuestionTypeModule>,
): QuestionTypeModule {
  return {
    ...basics,
    hasOptions: true,
    requiredError: 'selectOne',
    parse: parseOneOption,
    toRows: (value) => [{ option_code: String(value), value_number: null, value_text: null }],
    control: (question, raw, language) =>
      choicesControl('question-types/shared/radios', question, raw, labelled(question, language)),
    paper: (question, language) =>
      paperView('question-types/shared/paper-choices', {
        choices: labelled(question, language),
        instruction: { key: 'paper.tickOne', params: {} },
      }),
    microdata: { published: true, field: oneCodeField },
    results: { share: true, mean: false, ratingScale: undefined, story: false },
    ...own,
  }
}

export { labelled }
