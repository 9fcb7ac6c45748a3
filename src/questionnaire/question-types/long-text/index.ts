import { freeTextType } from '../shared/free-text.ts'

/** A story or a comment, in several lines. */
export const longText = freeTextType({
  type: 'long_text',
  max: 4000,
  lines: 5,
  partial: 'question-types/long-text/textarea',
  xlsForm: {
    keywords: ['text'],
    reads: (row) => row.appearance === 'multiline',
    write: () => ({ type: 'text', appearance: 'multiline' }),
  },
})
