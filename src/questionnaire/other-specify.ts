import type { QuestionDraft } from './questionnaire.repository.ts'
import { QUESTION_CODE, type Question } from './questionnaire.ts'
import type { Translated } from './translated.ts'

/**
 * "Other, please specify", as XLSForm's or_other builds it: an option `other` on a single or multiple
 * choice, and a short text question `<code>_other` on the same page, shown when `other` is chosen
 * (with JavaScript at once, without it on the next part of the page). The designer and the XLSForm
 * import build the same pair, so it travels both ways as two ordinary rows.
 */
export const OTHER_OPTION = { code: 'other', label: { es: 'Otro', fr: 'Autre', pt: 'Outro' } } as const
const SPECIFY_TEXT: Translated = { es: 'Especifique cuál', fr: 'Précisez', pt: 'Especifique qual' }

/** The code of the question asking which other; undefined when it would be too long a code. */
export function specifyCode(code: string): string | undefined {
  const specify = `${code}_other`
  return QUESTION_CODE.test(specify) ? specify : undefined
}

/** The options with `other` last (added when missing). */
export const withOtherOption = <O extends { code: string; label: Translated }>(options: O[]) =>
  options.some((o) => o.code === OTHER_OPTION.code)
    ? options
    : [...options, { code: OTHER_OPTION.code, label: { ...OTHER_OPTION.label } } as O]

/** The question asking which other, for a choice question of this code on this page. */
export function specifyQuestion(code: string, page: number): QuestionDraft & { code: string } {
  return {
    code: specifyCode(code)!,
    type: 'short_text',
    page,
    required: false,
    text: { ...SPECIFY_TEXT },
    help: {},
    showIf: { question: code, anyOf: [OTHER_OPTION.code] },
    messages: {},
    isProfile: false,
    min: null,
    max: null,
    options: [],
  }
}

/** Whether `follower` is the question asking which other for `question` (as built here or by or_other). */
export function asksWhichOther(
  question: Pick<Question, 'code'>,
  follower: Pick<Question, 'code' | 'showIf'>,
): boolean {
  const showIf = follower.showIf
  return (
    follower.code === specifyCode(question.code) &&
    showIf !== null &&
    'anyOf' in showIf &&
    showIf.question === question.code &&
    showIf.anyOf.length === 1 &&
    showIf.anyOf[0] === OTHER_OPTION.code
  )
}
