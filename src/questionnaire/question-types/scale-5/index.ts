import type { Question } from '../../questionnaire.ts'
import { oneOptionType } from '../shared/choices.ts'
import { dontKnow } from '../shared/dont-know.ts'

const LEVELS = '1,2,3,4,5'
const levels = (q: Pick<Question, 'options'>) =>
  q.options
    .map((o) => o.code)
    .filter((c) => c !== dontKnow.code)
    .join(',')

/** A 5-point agreement or interest scale (codes 1 to 5), with an optional "don't know". */
export const scale5 = oneOptionType({
  type: 'scale_5',
  toRows: (value) => {
    const level = Number(value)
    return [
      { option_code: String(value), value_number: Number.isInteger(level) ? level : null, value_text: null },
    ]
  },
  defaultOptions: () => [
    { code: '1', label: { es: 'Muy en desacuerdo', fr: 'Pas du tout d’accord', pt: 'Discordo totalmente' } },
    { code: '2', label: { es: 'En desacuerdo', fr: 'Plutôt pas d’accord', pt: 'Discordo' } },
    {
      code: '3',
      label: {
        es: 'Ni de acuerdo ni en desacuerdo',
        fr: 'Ni d’accord ni pas d’accord',
        pt: 'Nem concordo nem discordo',
      },
    },
    { code: '4', label: { es: 'De acuerdo', fr: 'Plutôt d’accord', pt: 'Concordo' } },
    { code: '5', label: { es: 'Muy de acuerdo', fr: 'Tout à fait d’accord', pt: 'Concordo totalmente' } },
    dontKnow,
  ],
  xlsForm: {
    keywords: ['select_one'],
    reads: (row) => row.appearance === 'likert' && levels(row) === LEVELS,
    write: (q) => ({ type: `select_one ${q.code}`, appearance: 'likert' }),
  },
  results: { share: true, mean: true, ratingScale: [1, 5], story: false },
  publishChecks: (q) => (levels(q) === LEVELS ? undefined : 'scaleOptions'),
})
