import type { QuestionTypeModule } from '../question-type.ts'
import { parseBoundedNumber, typedNumber } from '../shared/numbers.ts'

/** A number within the question's bounds, decimals allowed. */
export const numberQuestion: QuestionTypeModule = {
  ...typedNumber,
  type: 'number',
  parse: (raw, question) => parseBoundedNumber(raw, question, false),
  paper: typedNumber.numberPaper(false),
  control: typedNumber.numberControl('decimal'),
  xlsForm: { keywords: ['decimal'], reads: () => true, write: () => ({ type: 'decimal' }) },
  microdata: {
    published: true,
    field: (q, _codes, description) => ({ name: q.code, type: 'number', description }),
  },
}
