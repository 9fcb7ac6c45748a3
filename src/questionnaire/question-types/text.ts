import { hasUnstorableCharacters } from '../unstorable-text.ts'
import { fail, MANY, ok, single, type QuestionTypeModule } from './question-type.ts'

export const SHORT_TEXT_MAX = 200
export const LONG_TEXT_MAX = 4000

// What no field may store, and U+FFFD too: in an answer it means the text was mangled on its way.
const unfit = (value: string) =>
  !value.isWellFormed() || hasUnstorableCharacters(value) || value.includes('\uFFFD')

function textType(type: 'short_text' | 'long_text', max: number): QuestionTypeModule {
  return {
    type,
    hasOptions: false,
    requiredError: 'enterText',
    parse(raw) {
      const value = single(raw)
      if (value === undefined) return ok(null)
      if (value === MANY) return fail('oneAnswerOnly')
      if (unfit(value)) return fail('textInvalid')
      const normalized = value.normalize('NFC').replace(/\r\n?/g, '\n')
      if ([...normalized].length > max) return fail('textTooLong', { max })
      return ok(normalized)
    },
    toRows: (value) => [{ option_code: null, value_number: null, value_text: String(value) }],
  }
}

export const shortText = textType('short_text', SHORT_TEXT_MAX)
export const longText = textType('long_text', LONG_TEXT_MAX)

/** Text shown to the respondent (an XLSForm note); it takes no answer. */
export const note: QuestionTypeModule = {
  type: 'note',
  hasOptions: false,
  requiredError: 'enterText',
  parse: () => ok(null),
  toRows: () => [],
}
