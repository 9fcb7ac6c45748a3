import type { TFunction } from 'i18next'
import { inAnsweringOrder, type Question } from '../questionnaire/questionnaire.ts'
import { questionType, type PaperView } from '../questionnaire/question-types/index.ts'
import { inLanguage, type Language } from '../questionnaire/translated.ts'
import type { WaveContext } from './designer.service.ts'
import { conditionInWords } from '../questionnaire/condition-words.ts'

export const PAPER_SIZES = ['a4', 'letter'] as const
export type PaperSize = (typeof PAPER_SIZES)[number]

/**
 * The paper questionnaire of a wave in one language: its pages as the respondent meets them, each
 * question numbered (notes are not), with its code small in the margin for whoever types it in, its
 * answer space as its type prints it, and its condition in words ("only if you answered … to 3").
 */
export function paperViewModel(input: {
  context: WaveContext
  organizationName: string
  language: Language
  size: PaperSize
  t: TFunction
}) {
  const { context: c, language, t } = input
  const ordered = inAnsweringOrder(c.questions)
  const numbers = new Map<string, number>()
  for (const q of ordered) if (questionType(q.type).takesAnswer) numbers.set(q.code, numbers.size + 1)
  const optionLabel = (question: string, code: string) => {
    const option = ordered.find((other) => other.code === question)?.options.find((o) => o.code === code)
    return option ? inLanguage(option.label, language) : code
  }
  const condition = (q: Question) => {
    const showIf = q.showIf
    if (!showIf) return undefined
    // The usual case reads as a sentence of its own: "only if you answered «Yes» to question 3".
    if ('anyOf' in showIf)
      return t('paper.onlyIf', {
        values: showIf.anyOf
          .map((code) => `«${optionLabel(showIf.question, code)}»`)
          .join(` ${t('paper.or')} `),
        number: numbers.get(showIf.question),
      })
    return t('paper.onlyIfCondition', {
      condition: conditionInWords(showIf, {
        question: (code) => t('conditions.questionNumber', { number: numbers.get(code) ?? code }),
        option: optionLabel,
        t,
      }),
    })
  }
  const pages = [...new Set(ordered.map((q) => q.page))]
  const seriesTitle = inLanguage(c.series.title, language)
  return {
    lang: language,
    t,
    size: input.size,
    title: t('paper.documentTitle', { series: seriesTitle, year: c.wave.year }),
    seriesTitle,
    year: c.wave.year,
    organizationName: input.organizationName,
    pages: pages.map((page) => ({
      page,
      questions: ordered
        .filter((q) => q.page === page)
        .map((q) => {
          const paper: PaperView = questionType(q.type).paper(q, language)
          return {
            code: q.code,
            number: numbers.get(q.code),
            text: inLanguage(q.text, language),
            help: inLanguage(q.help, language),
            required: q.required,
            condition: condition(q),
            instruction: paper.instruction ? t(paper.instruction.key, paper.instruction.params) : '',
            paper,
          }
        }),
    })),
  }
}
