import { basics, fail, ok, paperView, type QuestionTypeModule } from '../question-type.ts'
import { choicesControl } from '../shared/choices.ts'
import { readNumber } from '../shared/numbers.ts'

const LEVELS = Array.from({ length: 11 }, (_, level) => ({ code: String(level), label: String(level) }))

/** A rating from 0 to 10, whole numbers only. */
export const scale0to10: QuestionTypeModule = {
  ...basics,
  type: 'scale_0_10',
  requiredError: 'selectOne',
  parse(raw) {
    const value = readNumber(raw)
    if (value === undefined) return ok(null)
    if (value === 'invalid' || !Number.isInteger(value) || value < 0 || value > 10)
      return fail('unknownOption')
    return ok(value)
  },
  toRows: (value) => [{ option_code: null, value_number: Number(value), value_text: null }],
  control: (question, raw) => ({
    ...choicesControl('question-types/shared/radios', question, raw, LEVELS),
    // Eleven small choices in one row, rather than a list.
    layout: 'scale',
  }),
  paper: () =>
    paperView('question-types/shared/paper-choices', {
      choices: LEVELS,
      layout: 'row',
      instruction: { key: 'paper.tickOne', params: {} },
    }),
  xlsForm: {
    keywords: ['range'],
    reads: (row) =>
      /^start=0 end=10( step=1)?$/.test(row.parameters) || { problem: 'range', value: row.parameters },
    write: () => ({ type: 'range', parameters: 'start=0 end=10 step=1' }),
  },
  microdata: {
    published: true,
    field: (q, _codes, description) => ({
      name: q.code,
      type: 'integer',
      description,
      constraints: { minimum: 0, maximum: 10 },
    }),
  },
  results: { share: false, mean: true, ratingScale: [0, 10], story: false },
}
