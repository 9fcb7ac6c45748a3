import type { Question } from '../../questionnaire.ts'
import {
  asStrings,
  basics,
  controlView,
  fail,
  MANY,
  ok,
  paperView,
  single,
  type ParseResult,
} from '../question-type.ts'

// Digits with an optional decimal part; a comma is accepted as the decimal mark (es, fr, pt).
const NUMBER_PATTERN = /^-?\d{1,12}([.,]\d{1,6})?$/

/** A number typed in a form or a file, 'invalid' when it is not one. */
export function readNumber(raw: unknown): number | undefined | 'invalid' {
  const value = single(raw)
  if (value === undefined) return undefined
  if (value === MANY || !NUMBER_PATTERN.test(value)) return 'invalid'
  return Number(value.replace(',', '.'))
}

/** A number within the question's bounds (whole when `whole`). */
export function parseBoundedNumber(raw: unknown, question: Question, whole: boolean): ParseResult {
  const value = readNumber(raw)
  if (value === undefined) return ok(null)
  if (value === 'invalid') return fail('notANumber')
  if (whole && !Number.isInteger(value)) return fail('notAWholeNumber')
  const { min, max } = question
  if (min !== null && max !== null && (value < min || value > max)) return fail('numberBetween', { min, max })
  if (min !== null && value < min) return fail('numberAtLeast', { min })
  if (max !== null && value > max) return fail('numberAtMost', { max })
  return ok(value)
}

/** What the typed-number types share: a short input, bounds, a stored number, means. */
export const typedNumber = {
  ...basics,
  hasBounds: true,
  requiredError: 'enterNumber' as const,
  toRows: (value: unknown) => [{ option_code: null, value_number: Number(value), value_text: null }],
  results: { share: false, mean: true, ratingScale: undefined, story: false },
  /** Boxes for the digits of the largest allowed number (4 without a maximum), and the bounds said. */
  numberPaper: (whole: boolean) => (question: Question) => {
    const { min, max } = question
    const digits = max === null ? 4 : Math.max(1, String(Math.trunc(Math.abs(max))).length)
    return paperView('question-types/shared/paper-boxes', {
      boxes: digits,
      decimals: whole ? 0 : 2,
      instruction:
        min !== null && max !== null
          ? { key: 'paper.numberBetween', params: { min, max } }
          : { key: whole ? 'paper.wholeNumber' : 'paper.number', params: {} },
    })
  },
  numberControl: (inputMode: 'decimal' | 'numeric') => (_question: Question, raw: unknown) =>
    controlView('question-types/shared/number-input', false, { value: asStrings(raw)[0] ?? '', inputMode }),
}
