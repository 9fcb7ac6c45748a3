import type { AnswerValue, Question, QuestionType } from '../questionnaire.ts'

/** Keys of the localized messages a question type can give back (under `errors.` in locales/). */
export type AnswerErrorKey =
  | 'selectOne'
  | 'selectAtLeastOne'
  | 'enterNumber'
  | 'enterText'
  | 'unknownOption'
  | 'oneAnswerOnly'
  | 'notANumber'
  | 'numberBetween'
  | 'numberAtLeast'
  | 'numberAtMost'
  | 'textTooLong'
  | 'textInvalid'

export type ParseResult =
  | { ok: true; value: AnswerValue | null }
  | { ok: false; error: AnswerErrorKey; params?: Record<string, string | number> }

/** How an answer is kept in the `answer` table: one row per value. */
export interface AnswerRow {
  option_code: string | null
  value_number: number | null
  value_text: string | null
}

/** One question type: how its input is read, checked and stored. */
export interface QuestionTypeModule {
  type: QuestionType
  /** Whether the question's options are stored with it (and must have stable codes). */
  hasOptions: boolean
  /** The message shown when a required question is left empty. */
  requiredError: AnswerErrorKey
  /** Reads raw form input (or a value kept in a draft); null means "not answered". */
  parse(raw: unknown, question: Question): ParseResult
  toRows(value: AnswerValue, question: Question): AnswerRow[]
}

export const ok = (value: AnswerValue | null): ParseResult => ({ ok: true, value })
export const fail = (error: AnswerErrorKey, params?: Record<string, string | number>): ParseResult =>
  params ? { ok: false, error, params } : { ok: false, error }

/** A single scalar form value, or undefined when the input was absent or empty. */
export function single(raw: unknown): string | undefined | typeof MANY {
  if (Array.isArray(raw)) {
    if (raw.length === 0) return undefined
    if (raw.length > 1) return MANY
    raw = raw[0]
  }
  if (typeof raw === 'number') return String(raw)
  if (typeof raw !== 'string') return raw === undefined || raw === null ? undefined : MANY
  const trimmed = raw.trim()
  return trimmed === '' ? undefined : trimmed
}
export const MANY = Symbol('many values')
