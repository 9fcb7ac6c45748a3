import type { TFunction } from 'i18next'
import type { PublishProblem } from '../questionnaire/publishing-rules.ts'
import { questionStatusCounts } from '../questionnaire/translation-status.ts'
import { inLanguage, LANGUAGES, type Language } from '../questionnaire/translated.ts'
import { canClose, isEditable } from '../series/wave-rules.ts'
import type { WaveContext } from './designer.service.ts'
import type { XlsFormProblem } from './xlsform.ts'
import { problemInWords } from './problem-words.ts'

/**
 * A wave's page in the designer: its questions with their translation counts and their differences
 * from the previous wave, the totals per language, and what still stops it from opening, each problem
 * in words with a link to the field to fix.
 */
export function wavePageViewModel(input: {
  context: WaveContext
  base: string
  problems: PublishProblem[]
  differences: (question: WaveContext['questions'][number]) => string[]
  notice: string | undefined
  importProblems: XlsFormProblem[]
  leftOut: Omit<XlsFormProblem, 'reason'>[]
  language: Language
  t: TFunction
}) {
  const { context: c, base, t } = input
  const totals = Object.fromEntries(
    LANGUAGES.map((l) => [l, { source: 0, missing: 0, outdated: 0, reviewed: 0 }]),
  )
  const questions = c.questions.map((q) => {
    const counts = questionStatusCounts(q, c.sourceLanguage, q.stamps)
    for (const l of LANGUAGES)
      for (const [k, v] of Object.entries(counts[l])) (totals[l] as Record<string, number>)[k]! += v
    return { ...q, label: inLanguage(q.text, input.language), counts, differences: input.differences(q) }
  })
  return {
    title: `${inLanguage(c.series.title, input.language)} · ${c.wave.year}`,
    c,
    editable: isEditable(c.wave),
    closable: canClose(c.wave),
    base,
    questions,
    totals,
    problems: input.problems.map((p) => ({
      text: problemInWords(c, p, input.language, t),
      href:
        'question' in p
          ? `${base}/questions/${p.question}${'field' in p ? `#f-${fieldAnchor(c, p.question, p.field, p.language)}` : ''}`
          : p.kind === 'seriesTitleMissing'
            ? `/staff/series/${c.series.code}`
            : '#questions',
    })),
    notice: input.notice,
    importProblems: input.importProblems,
    leftOut: input.leftOut,
  }
}

// The id of the input that holds a text: text_fr, help_pt, or opt_fr_<row> for option labels.
function fieldAnchor(c: WaveContext, questionCode: string, field: string, language: Language): string {
  if (!field.startsWith('option.')) return `${field}_${language}`
  const question = c.questions.find((q) => q.code === questionCode)
  const row = question?.options.findIndex((o) => o.code === field.slice(7)) ?? 0
  return `opt_${language}_${Math.max(row, 0)}`
}
