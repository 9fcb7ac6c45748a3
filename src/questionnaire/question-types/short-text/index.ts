import { freeTextType } from '../shared/free-text.ts'

/** A few words on one line. */
export const shortText = freeTextType({
  type: 'short_text',
  max: 200,
  lines: 1,
  partial: 'question-types/short-text/input',
  xlsForm: { keywords: ['text'], fallback: true, reads: () => true, write: () => ({ type: 'text' }) },
})
