import { dontKnow } from '../shared/dont-know.ts'
import { oneOptionType } from '../shared/choices.ts'

const CODES = ['yes,no', 'yes,no,dont_know']

/** Yes, no, or don't know. */
export const yesNo = oneOptionType({
  type: 'yes_no',
  defaultOptions: () => [
    { code: 'yes', label: { es: 'Sí', fr: 'Oui', pt: 'Sim' } },
    { code: 'no', label: { es: 'No', fr: 'Non', pt: 'Não' } },
    dontKnow,
  ],
  xlsForm: {
    keywords: ['select_one'],
    reads: (row) => CODES.includes(row.options.map((o) => o.code).join(',')),
    write: (q) => ({ type: `select_one ${q.code}` }),
  },
})
