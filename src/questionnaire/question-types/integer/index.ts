import type { QuestionTypeModule } from '../question-type.ts'
import { parseBoundedNumber, typedNumber } from '../shared/numbers.ts'

/** A whole number within the question's bounds (an age, a count of people). */
export const integerQuestion: QuestionTypeModule = {
  ...typedNumber,
  type: 'integer',
  parse: (raw, question) => parseBoundedNumber(raw, question, true),
  paper: typedNumber.numberPaper(true),
  control: typedNumber.numberControl('numeric'),
  xlsForm: { keywords: ['integer'], reads: () => true, write: () => ({ type: 'integer' }) },
  microdata: {
    published: true,
    field: (q, _codes, description) => ({ name: q.code, type: 'integer', description }),
  },
  // Bounds of a whole number are whole: a bound of 2.5 would accept nothing the form can tell.
  publishChecks: (q) =>
    [q.min, q.max].every((bound) => bound === null || Number.isInteger(bound)) ? undefined : 'boundsInvalid',
}
