import type { Answers, Questionnaire, QuestionType } from '../questionnaire.ts'
import { multipleChoice, scale5, singleChoice, yesNo } from './choice.ts'
import { numberQuestion, scale0to10 } from './number.ts'
import type { AnswerRow, QuestionTypeModule } from './question-type.ts'
import { longText, note, shortText } from './text.ts'

const modules: Record<QuestionType, QuestionTypeModule> = {
  single_choice: singleChoice,
  multiple_choice: multipleChoice,
  scale_5: scale5,
  scale_0_10: scale0to10,
  yes_no: yesNo,
  number: numberQuestion,
  short_text: shortText,
  long_text: longText,
  note,
}

/** The module that reads, checks and stores answers of this type. */
export function questionType(type: QuestionType): QuestionTypeModule {
  return modules[type]
}

/** A whole response's answers as stored rows (one per answer, and per chosen option), with question ids. */
export function answerRows(
  questionnaire: Questionnaire,
  answers: Answers,
): (AnswerRow & { question_id: number })[] {
  return questionnaire.questions.flatMap((question) => {
    const value = answers[question.code]
    if (value === undefined) return []
    return modules[question.type].toRows(value, question).map((row) => ({ ...row, question_id: question.id }))
  })
}

export type { AnswerErrorKey, AnswerRow, ParseResult, QuestionTypeModule } from './question-type.ts'
