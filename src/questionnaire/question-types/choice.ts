import type { Question } from '../questionnaire.ts'
import { fail, MANY, ok, single, type QuestionTypeModule } from './question-type.ts'

function parseOneOption(raw: unknown, question: Question) {
  const value = single(raw)
  if (value === undefined) return ok(null)
  if (value === MANY) return fail('oneAnswerOnly')
  if (!question.options.some((o) => o.code === value)) return fail('unknownOption')
  return ok(value)
}

/** One option among several. */
export const singleChoice: QuestionTypeModule = {
  type: 'single_choice',
  hasOptions: true,
  requiredError: 'selectOne',
  parse: parseOneOption,
  toRows: (value) => [{ option_code: String(value), value_number: null, value_text: null }],
}

/** Yes, no, or don't know. */
export const yesNo: QuestionTypeModule = { ...singleChoice, type: 'yes_no' }

/** A 5-point agreement or interest scale (codes 1 to 5), with an optional "don't know". */
export const scale5: QuestionTypeModule = {
  ...singleChoice,
  type: 'scale_5',
  toRows: (value) => {
    const level = Number(value)
    return [
      { option_code: String(value), value_number: Number.isInteger(level) ? level : null, value_text: null },
    ]
  },
}

/** Any number of options; stored as one row per chosen option. */
export const multipleChoice: QuestionTypeModule = {
  type: 'multiple_choice',
  hasOptions: true,
  requiredError: 'selectAtLeastOne',
  parse(raw, question) {
    const given = raw === undefined || raw === null || raw === '' ? [] : Array.isArray(raw) ? raw : [raw]
    if (given.some((v) => typeof v !== 'string')) return fail('unknownOption')
    const codes = [...new Set((given as string[]).map((v) => v.trim()).filter((v) => v !== ''))]
    if (codes.length === 0) return ok(null)
    if (codes.some((code) => !question.options.some((o) => o.code === code))) return fail('unknownOption')
    // Keep the questionnaire's order, whatever order the browser sent.
    return ok(question.options.map((o) => o.code).filter((code) => codes.includes(code)))
  },
  toRows: (value) =>
    (value as string[]).map((code) => ({ option_code: code, value_number: null, value_text: null })),
}
