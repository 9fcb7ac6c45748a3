import type { Db } from '../db/database.ts'
import { breakdownQuestions, type Question } from '../questionnaire/questionnaire.ts'
import { loadQuestionnaire } from '../survey/survey.repository.ts'

/**
 * What results can be broken down by, the same on the pages, in the files, the API and the CLI:
 * the profile questions (with options) of the newest wave the reader sees, and the language of answer.
 * `waves` are those shown (wave-rules.wavesShown), oldest first.
 */
export async function breakdownsOf(
  db: Db,
  waves: readonly { id: number }[],
): Promise<{ questions: Question[]; codes: string[] }> {
  const latest = waves.at(-1)
  const questions = latest ? breakdownQuestions(await loadQuestionnaire(db, latest.id)) : []
  return { questions, codes: [...questions.map((q) => q.code), 'language'] }
}
