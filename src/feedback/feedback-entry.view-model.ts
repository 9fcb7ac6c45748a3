import type { TFunction } from 'i18next'
import { questionType } from '../questionnaire/question-types/index.ts'
import { inLanguage, type Language } from '../questionnaire/translated.ts'
import type { FeedbackEntry } from './feedback.service.ts'
import { flaggedPieces } from './personal-data.ts'

/**
 * What a moderator sees of one piece of feedback: each answer in words (an option's label in the
 * reader's language, else the number or text given), and each story with what looks like personal data
 * marked, to be redacted before it is approved.
 */
export function feedbackEntryViewModel(input: {
  found: FeedbackEntry
  error: { field: string; message: string } | undefined
  language: Language
  t: TFunction
}) {
  const { found, error, language: lang, t } = input
  return {
    title: `${error ? t('common.errorPrefix') + ' ' : ''}${t('projects.entry.title', { id: found.entry.id })}`,
    entry: found.entry,
    answers: found.answers.map((a) => ({
      question: inLanguage(a.question.text, lang),
      value: a.rows
        .map((r) => {
          const option = a.question.options.find((o) => o.code === r.optionCode)
          return option
            ? inLanguage(option.label, lang)
            : (r.valueText ?? (r.valueNumber === null ? r.optionCode : String(r.valueNumber)))
        })
        .join(', '),
      story: questionType(a.question.type).results.story,
    })),
    stories: found.stories.map((s) => ({
      code: s.question.code,
      question: inLanguage(s.question.text, lang),
      text: s.text,
      pieces: flaggedPieces(s.text),
      flagged: s.flags.length,
    })),
    flaggedTotal: found.stories.reduce((n, s) => n + s.flags.length, 0),
    error,
    errorLinks: error ? [{ href: `#f-${error.field}`, text: error.message }] : [],
  }
}
