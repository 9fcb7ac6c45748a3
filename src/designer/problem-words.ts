import type { TFunction } from 'i18next'
import type { PublishProblem } from '../questionnaire/publishing-rules.ts'
import { inLanguage, type Language } from '../questionnaire/translated.ts'
import type { WaveContext } from './designer.service.ts'

const SHORT = 60
const shorten = (text: string) => (text.length > SHORT ? `${text.slice(0, SHORT - 1).trimEnd()}…` : text)

/** A question as people recognize it: its text, shortened, then its code (`«¿Le interesa…?» (interest)`). */
export function questionInWords(c: WaveContext, code: string, language: Language): string {
  const question = c.questions.find((q) => q.code === code)
  const text = question
    ? inLanguage(question.text, language) || inLanguage(question.text, c.sourceLanguage)
    : ''
  return text ? `«${shorten(text)}» (${code})` : code
}

/** A translatable field of a question in words: its text, its help, or one of its options by label. */
export function fieldInWords(c: WaveContext, code: string, field: string, language: Language, t: TFunction) {
  if (!field.startsWith('option.')) return t(`designer.fields.${field === 'help' ? 'help' : 'text'}`)
  const option = c.questions.find((q) => q.code === code)?.options.find((o) => o.code === field.slice(7))
  const label = option ? inLanguage(option.label, language) || inLanguage(option.label, c.sourceLanguage) : ''
  return t('designer.fields.option', { option: label ? `«${shorten(label)}»` : field.slice(7) })
}

/** What stops a wave from opening, in the reader's words. */
export function problemInWords(c: WaveContext, p: PublishProblem, language: Language, t: TFunction): string {
  return t(`designer.problems.${p.kind}`, {
    ...p,
    ...('question' in p ? { question: questionInWords(c, p.question, language) } : {}),
    ...('field' in p ? { field: fieldInWords(c, p.question, p.field, language, t) } : {}),
    language: 'language' in p ? t(`designer.problems.languages.${p.language}`) : '',
  })
}
