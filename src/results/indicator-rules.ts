import type { Questionnaire } from '../questionnaire/questionnaire.ts'
import { questionType } from '../questionnaire/question-types/index.ts'

/** What an indicator is defined as, before it is checked against the series' latest questionnaire. */
export interface IndicatorDraft {
  code: string
  questionCode: string
  kind: 'share' | 'mean'
  successCodes: string[]
  excludedCodes: string[]
}

export type IndicatorProblem =
  | { field: 'question'; key: 'notInLatestWave'; params: { question: string } }
  | { field: 'kind'; key: 'meanNeedsNumber'; params: Record<string, never> }
  | { field: 'success'; key: 'shareNeedsSuccess'; params: Record<string, never> }
  | {
      field: 'success' | 'excluded'
      key: 'notAnOption'
      params: { code: string; question: string; options: string }
    }

/**
 * An indicator points at a question code of the latest wave, so it is computed the same way in every
 * wave that asks it: a mean needs numbers, a share at least one success, and every code must be an option.
 */
export function indicatorProblems(
  draft: IndicatorDraft,
  latest: Questionnaire | undefined,
): IndicatorProblem[] {
  const question = latest?.questions.find((q) => q.code === draft.questionCode)
  if (!question)
    return [{ field: 'question', key: 'notInLatestWave', params: { question: draft.questionCode } }]
  const problems: IndicatorProblem[] = []
  if (draft.kind === 'mean' && !questionType(question.type).results.mean)
    problems.push({ field: 'kind', key: 'meanNeedsNumber', params: {} })
  if (draft.kind === 'share' && draft.successCodes.length === 0)
    problems.push({ field: 'success', key: 'shareNeedsSuccess', params: {} })
  const options = question.options.map((o) => o.code)
  for (const [field, codes] of [
    ['success', draft.successCodes],
    ['excluded', draft.excludedCodes],
  ] as const)
    for (const code of codes)
      if (!options.includes(code)) {
        problems.push({
          field,
          key: 'notAnOption',
          params: { code, question: draft.questionCode, options: options.join(', ') },
        })
        break
      }
  return problems
}
