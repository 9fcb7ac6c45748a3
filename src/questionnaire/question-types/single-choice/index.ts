import { oneOptionType } from '../shared/choices.ts'

/** One option among several. */
export const singleChoice = oneOptionType({
  type: 'single_choice',
  offersOther: true,
  xlsForm: {
    keywords: ['select_one'],
    fallback: true,
    reads: () => true,
    write: (q) => ({ type: `select_one ${q.code}` }),
  },
})
