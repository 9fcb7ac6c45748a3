import { hasUnstorableCharacters } from '../../unstorable-text.ts'
import {
  asStrings,
  basics,
  controlView,
  fail,
  paperView,
  MANY,
  ok,
  single,
  type QuestionTypeModule,
} from '../question-type.ts'

// What no field may store, and U+FFFD too: in an answer it means the text was mangled on its way.
const unfit = (value: string) =>
  !value.isWellFormed() || hasUnstorableCharacters(value) || value.includes('\uFFFD')

/** A person's own words, at most `max` characters, drawn by `partial`. */
export function freeTextType(
  own: Pick<QuestionTypeModule, 'type' | 'xlsForm'> & { max: number; partial: string; lines: number },
): QuestionTypeModule {
  const { max, partial, lines, ...rest } = own
  return {
    ...basics,
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
    control: (_question, raw) =>
      controlView(partial, false, { value: asStrings(raw)[0] ?? '', maxLength: max }),
    paper: () => paperView('question-types/shared/paper-lines', { lines }),
    // Respondents of a survey never consented to their words being published.
    microdata: {
      published: false,
      field: (q, _codes, description) => ({ name: q.code, type: 'string', description }),
    },
    results: { share: false, mean: false, ratingScale: undefined, story: true },
    ...rest,
  }
}
