import type { Question } from './questionnaire.ts'
import { testsIn, type Condition } from './conditions.ts'
import { questionType } from './question-types/index.ts'
import { LANGUAGES, type Language, type Translated } from './translated.ts'
import { translatableFields, translationStatus } from './translation-status.ts'

export type PublishProblem =
  | { kind: 'noQuestions' }
  | { kind: 'anotherWaveOpen'; year: number }
  | { kind: 'seriesTitleMissing'; language: Language }
  | {
      kind: 'translationMissing' | 'translationOutdated'
      question: string
      field: string
      language: Language
    }
  | { kind: 'optionsMissing'; question: string }
  | { kind: 'scaleOptions'; question: string }
  | { kind: 'boundsInvalid'; question: string }
  | { kind: 'conditionInvalid'; question: string }
  | { kind: 'breakUnconfirmed'; question: string; previousYear: number }

export interface DesignerQuestion extends Question {
  stamps: Record<string, string>
  breakInSeries: boolean
}

type Comparable = Pick<Question, 'type' | 'text' | 'options'>

export type ConditionProblem =
  | { kind: 'conditionEarlier'; value: string }
  | { kind: 'conditionNoAnswer'; value: string }
  | { kind: 'conditionOption'; value: string; question: string }

/**
 * Why a condition cannot be followed: it must read only questions met before (on an earlier page, or
 * higher on the same page) that take answers, and a choice test must name one of their options.
 */
export function conditionProblem(
  condition: Condition,
  earlier: readonly Pick<Question, 'code' | 'type' | 'options'>[],
): ConditionProblem | undefined {
  for (const test of testsIn(condition)) {
    const target = earlier.find((q) => q.code === test.question)
    if (!target) return { kind: 'conditionEarlier', value: test.question }
    if (!questionType(target.type).takesAnswer) return { kind: 'conditionNoAnswer', value: test.question }
    if ('anyOf' in test) {
      const unknown = test.anyOf.find((code) => !target.options.some((o) => o.code === code))
      if (unknown !== undefined) return { kind: 'conditionOption', value: unknown, question: test.question }
    }
  }
  return undefined
}

/** What differs between a carried-over question and the same code in the previous wave. */
export function seriesDifferences(
  current: Comparable,
  previous: Comparable,
  sourceLanguage: Language,
): string[] {
  const differences: string[] = []
  if (current.type !== previous.type) differences.push('type')
  if ((current.text[sourceLanguage] ?? '').trim() !== (previous.text[sourceLanguage] ?? '').trim())
    differences.push('wording')
  const options = (q: Comparable) =>
    q.options.map((o) => `${o.code}=${(o.label[sourceLanguage] ?? '').trim()}`).join('|')
  if (options(current) !== options(previous)) differences.push('options')
  return differences
}

/** Why a questionnaire may not be opened yet; an empty list means it may. */
export function publishProblems(input: {
  questions: DesignerQuestion[]
  previous: Question[] | undefined
  previousYear: number | undefined
  seriesTitle: Partial<Translated>
  sourceLanguage: Language
  otherOpenWaveYear: number | undefined
}): PublishProblem[] {
  const { questions, sourceLanguage } = input
  const problems: PublishProblem[] = []
  if (input.otherOpenWaveYear !== undefined)
    problems.push({ kind: 'anotherWaveOpen', year: input.otherOpenWaveYear })
  for (const language of LANGUAGES) {
    if (!input.seriesTitle[language]?.trim()) problems.push({ kind: 'seriesTitleMissing', language })
  }
  if (questions.length === 0) problems.push({ kind: 'noQuestions' })
  const previousByCode = new Map((input.previous ?? []).map((q) => [q.code, q]))

  for (const [index, q] of questions.entries()) {
    for (const { field, text } of translatableFields(q)) {
      for (const language of LANGUAGES) {
        const status = translationStatus(text, field, language, sourceLanguage, q.stamps)
        if (status === 'missing')
          problems.push({ kind: 'translationMissing', question: q.code, field, language })
        if (status === 'outdated')
          problems.push({ kind: 'translationOutdated', question: q.code, field, language })
      }
    }
    if (questionType(q.type).hasOptions && q.options.length < 2)
      problems.push({ kind: 'optionsMissing', question: q.code })
    const ownProblem = questionType(q.type).publishChecks(q)
    if (ownProblem) problems.push({ kind: ownProblem, question: q.code })
    if (q.min !== null && q.max !== null && q.min > q.max)
      problems.push({ kind: 'boundsInvalid', question: q.code })
    if (q.showIf && conditionProblem(q.showIf, questions.slice(0, index)))
      problems.push({ kind: 'conditionInvalid', question: q.code })
    const previous = previousByCode.get(q.code)
    if (previous && !q.breakInSeries && seriesDifferences(q, previous, sourceLanguage).length > 0) {
      problems.push({ kind: 'breakUnconfirmed', question: q.code, previousYear: input.previousYear! })
    }
  }
  return problems
}
