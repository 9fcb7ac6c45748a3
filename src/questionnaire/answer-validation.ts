import { keepVisibleAnswers, shownSteps, questionsOnStep, type Step } from './questionnaire.ts'
import type { Answers, Question, Questionnaire } from './questionnaire.ts'
import { questionType, type AnswerErrorKey } from './question-types/index.ts'

export interface FieldError {
  question: string
  error: AnswerErrorKey
  params?: Record<string, string | number>
}

/** The form field that carries a question's answer. */
export const fieldName = (code: string) => `a_${code}`

/** Reads the answers to one page's questions from submitted form fields. */
export function readPageAnswers(
  questions: Question[],
  form: Record<string, unknown>,
): { answers: Answers; errors: FieldError[] } {
  return readAnswers(questions, (question) =>
    questionType(question.type).formInput(form, fieldName(question.code)),
  )
}

/** Reads and checks each question's raw input (a form's, or an answer kept in a draft). */
function readAnswers(
  questions: Question[],
  rawOf: (question: Question) => unknown,
): { answers: Answers; errors: FieldError[] } {
  const answers: Answers = {}
  const errors: FieldError[] = []
  for (const question of questions) {
    const module = questionType(question.type)
    const result = module.parse(rawOf(question), question)
    if (!result.ok) {
      errors.push({
        question: question.code,
        error: result.error,
        ...(result.params ? { params: result.params } : {}),
      })
    } else if (result.value === null) {
      if (question.required && module.takesAnswer)
        errors.push({ question: question.code, error: module.requiredError })
    } else {
      answers[question.code] = result.value
    }
  }
  return { answers, errors }
}

/**
 * Checks a whole response before it is stored: hidden answers are dropped, every kept answer is valid
 * and every required question that is shown has one. Returns the first step that needs attention.
 */
export function checkComplete(
  questionnaire: Questionnaire,
  answers: Answers,
): { ok: true; answers: Answers } | { ok: false; page: Step } {
  const kept = keepVisibleAnswers(questionnaire, answers)
  for (const page of shownSteps(questionnaire, kept)) {
    const questions = questionsOnStep(questionnaire, page, kept)
    if (readAnswers(questions, (q) => kept[q.code]).errors.length > 0) return { ok: false, page }
  }
  return { ok: true, answers: kept }
}
