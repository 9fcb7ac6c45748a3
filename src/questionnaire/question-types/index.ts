import type { Answers, Question, Questionnaire } from '../questionnaire.ts'
import { multipleChoice } from './multiple-choice/index.ts'
import { dateQuestion } from './date/index.ts'
import { integerQuestion } from './integer/index.ts'
import { likert } from './likert/index.ts'
import { rank } from './rank/index.ts'
import { longText } from './long-text/index.ts'
import { note } from './note/index.ts'
import { numberQuestion } from './number/index.ts'
import type { AnswerRow, QuestionTypeModule, XlsFormRow } from './question-type.ts'
import { scale0to10 } from './scale-0-10/index.ts'
import { scale5 } from './scale-5/index.ts'
import { shortText } from './short-text/index.ts'
import { singleChoice } from './single-choice/index.ts'
import { yesNo } from './yes-no/index.ts'

// The registry: every question type Pulso knows. Adding one is its folder, its locale keys and a line here.

/** Every type by its name, in the order the designer offers them. */
const REGISTRY = {
  single_choice: singleChoice,
  multiple_choice: multipleChoice,
  scale_5: scale5,
  scale_0_10: scale0to10,
  likert,
  rank,
  yes_no: yesNo,
  number: numberQuestion,
  integer: integerQuestion,
  date: dateQuestion,
  short_text: shortText,
  long_text: longText,
  note,
} satisfies Record<string, QuestionTypeModule>
export type QuestionType = keyof typeof REGISTRY
export const QUESTION_TYPES = Object.keys(REGISTRY) as [QuestionType, ...QuestionType[]]
const MODULES: readonly QuestionTypeModule[] = Object.values(REGISTRY)

/** The module that reads, checks, stores, shows and exports answers of this type. */
export function questionType(type: QuestionType): QuestionTypeModule {
  const module: QuestionTypeModule | undefined = REGISTRY[type]
  // Only a type removed from the registry while questions of it are stored gets here.
  if (!module) throw new Error(`question type "${type}" is not in the registry`)
  return module
}

/**
 * The type an XLSForm row is read as: a type that asks for something particular of the row (a likert
 * list of 1-5, yes/no codes) before one that takes any row of its keyword (`fallback`).
 */
export function xlsFormTypeOf(
  row: XlsFormRow,
): QuestionTypeModule | { problem: 'range'; value: string } | undefined {
  const candidates = MODULES.filter((m) => m.xlsForm.keywords.includes(row.keyword))
  for (const module of [
    ...candidates.filter((m) => !m.xlsForm.fallback),
    ...candidates.filter((m) => m.xlsForm.fallback),
  ]) {
    const reading = module.xlsForm.reads(row)
    if (reading === true) return module
    if (reading !== false) return reading
  }
  return undefined
}

/** Whether b continues a's grid: a type drawn in grids, on the same page, with the same options. */
export function sameGrid(
  a: Pick<Question, 'type' | 'page' | 'options'>,
  b: Pick<Question, 'type' | 'page' | 'options'>,
): boolean {
  return (
    questionType(a.type).grid !== undefined &&
    a.type === b.type &&
    a.page === b.page &&
    JSON.stringify(a.options) === JSON.stringify(b.options)
  )
}

/** The grid header an XLSForm row is, by its keyword and appearance (`select_one` with `label`). */
export const gridHeaderOf = (keyword: string, appearance: string) =>
  MODULES.find((m) => m.xlsForm.gridHeader?.appearance === appearance && m.xlsForm.keywords.includes(keyword))
    ?.xlsForm.gridHeader

/** Whether some type is read from this XLSForm keyword. */
export const isXlsFormKeyword = (keyword: string) => MODULES.some((m) => m.xlsForm.keywords.includes(keyword))

/** The types whose module says yes (for SQL filters such as "the rating questions"). */
export const typesWhere = (test: (module: QuestionTypeModule) => boolean): QuestionType[] =>
  MODULES.filter(test).map((m) => m.type)

/** A whole response's answers as stored rows (one per answer, and per chosen option), with question ids. */
export function answerRows(
  questionnaire: Questionnaire,
  answers: Answers,
): (AnswerRow & { question_id: number })[] {
  return questionnaire.questions.flatMap((question) => {
    const value = answers[question.code]
    if (value === undefined) return []
    return questionType(question.type)
      .toRows(value, question)
      .map((row) => ({ ...row, question_id: question.id }))
  })
}

export type {
  AnswerErrorKey,
  AnswerRow,
  ControlView,
  PaperView,
  ParseResult,
  QuestionTypeModule,
  XlsFormRow,
} from './question-type.ts'
