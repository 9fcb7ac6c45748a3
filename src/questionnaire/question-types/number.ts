import { fail, MANY, ok, single, type QuestionTypeModule } from './question-type.ts'

// Digits with an optional decimal part; a comma is accepted as the decimal mark (es, fr, pt).
const NUMBER_PATTERN = /^-?\d{1,12}([.,]\d{1,6})?$/

function readNumber(raw: unknown): number | undefined | 'invalid' {
  const value = single(raw)
  if (value === undefined) return undefined
  if (value === MANY || !NUMBER_PATTERN.test(value)) return 'invalid'
  return Number(value.replace(',', '.'))
}

/** A number within the question's bounds. */
export const numberQuestion: QuestionTypeModule = {
  type: 'number',
  hasOptions: false,
  requiredError: 'enterNumber',
  parse(raw, question) {
    const value = readNumber(raw)
    if (value === undefined) return ok(null)
    if (value === 'invalid') return fail('notANumber')
    const { min, max } = question
    if (min !== null && max !== null && (value < min || value > max))
      return fail('numberBetween', { min, max })
    if (min !== null && value < min) return fail('numberAtLeast', { min })
    if (max !== null && value > max) return fail('numberAtMost', { max })
    return ok(value)
  },
  toRows: (value) => [{ option_code: null, value_number: Number(value), value_text: null }],
}

/** A rating from 0 to 10, whole numbers only. */
export const scale0to10: QuestionTypeModule = {
  type: 'scale_0_10',
  hasOptions: false,
  requiredError: 'selectOne',
  parse(raw) {
    const value = readNumber(raw)
    if (value === undefined) return ok(null)
    if (value === 'invalid' || !Number.isInteger(value) || value < 0 || value > 10)
      return fail('unknownOption')
    return ok(value)
  },
  toRows: (value) => [{ option_code: null, value_number: Number(value), value_text: null }],
}
