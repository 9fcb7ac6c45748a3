import type { AnswerValue, Question, QuestionOption, QuestionType } from '../questionnaire.ts'
import type { Language } from '../translated.ts'
import type { Translated } from '../translated.ts'

/** The errors of an answer outside the question's bounds: XLSForm's constraint_message replaces them. */
export const CONSTRAINT_ERRORS: readonly AnswerErrorKey[] = ['numberBetween', 'numberAtLeast', 'numberAtMost']

/** Keys of the localized messages a question type can give back (under `errors.` in locales/). */
export type AnswerErrorKey =
  | 'selectOne'
  | 'selectAtLeastOne'
  | 'enterNumber'
  | 'enterText'
  | 'enterDate'
  | 'unknownOption'
  | 'oneAnswerOnly'
  | 'notANumber'
  | 'notAWholeNumber'
  | 'notADate'
  | 'numberBetween'
  | 'numberAtLeast'
  | 'numberAtMost'
  | 'textTooLong'
  | 'textInvalid'
  | 'rankEvery'

export type ParseResult =
  | { ok: true; value: AnswerValue | null }
  | { ok: false; error: AnswerErrorKey; params?: Record<string, string | number> }

/** How an answer is kept in the `answer` table: one row per value. */
export interface AnswerRow {
  option_code: string | null
  value_number: number | null
  value_text: string | null
}

/** A choice of a radio or checkbox control, as the page shows it. */
export interface ChoiceView {
  id: string
  value: string
  label: string
  checked: boolean
}

/** One input of a control made of several (a date's day, month and year). */
export interface PartView {
  id: string
  /** Its field is the question's, followed by `-` and this (`a_born-day`). */
  part: string
  /** The locale key of its label (`questionTypes.date.day`). */
  labelKey: string
  value: string
  width: 2 | 4
}

/**
 * What a question's control shows. `partial` names the template (under a views folder) that draws the
 * control; `grouped` controls are a fieldset with a legend, the others an input with its label.
 */
export interface ControlView {
  partial: string
  grouped: boolean
  /** Notes take no answer: their text is shown alone. */
  answerable: boolean
  choices: ChoiceView[]
  layout: 'list' | 'scale'
  parts: PartView[]
  value: string
  maxLength: number | undefined
  inputMode: 'decimal' | 'numeric' | undefined
}

/**
 * How a question is printed on the paper questionnaire: the template drawing its answer space
 * (boxes to tick, boxes for digits, lines to write on), and the instruction printed with it.
 */
export interface PaperView {
  /** Under a views folder; empty for a question that takes no answer (a note). */
  partial: string
  choices: { code: string; label: string }[]
  /** Boxes in a row (11 for a 0-10 rating) rather than a list. */
  layout: 'list' | 'row'
  /** How many boxes for a number's digits, and after its decimal comma (es, fr and pt write a comma). */
  boxes: number
  decimals: number
  /** How many lines to write on. */
  lines: number
  /** The locale key of the instruction (`paper.tickOne`), with its values. */
  instruction: { key: string; params: Record<string, string | number> } | undefined
}

/** An XLSForm survey row as the reader sees it, once the choice list of a select is found. */
export interface XlsFormRow {
  /** The type's first word, in lower case (`select_one`, `integer`, `text`…). */
  keyword: string
  appearance: string
  parameters: string
  /** The options of the row's choice list (empty when it names none). */
  options: QuestionOption[]
}

/** The XLSForm cells a question is written as (bounds are written by the writer from min and max). */
export interface XlsFormCells {
  type: string
  appearance?: string
  parameters?: string
}

/** A microdata column's Frictionless field description. */
export interface MicrodataField {
  name: string
  type: string
  description: string
  constraints?: Record<string, unknown>
}

/**
 * One question type, whole: how its answer is read, checked, stored and shown, how it travels in
 * XLSForm and microdata, what results it supports and what it needs before publishing. Adding a type is
 * a folder with its module, its locale keys and a line in the registry.
 */
export interface QuestionTypeModule {
  type: QuestionType
  /** False for notes: shown to the respondent, never answered. */
  takesAnswer: boolean
  /** Whether the question's options are stored with it (and must have stable codes). */
  hasOptions: boolean
  /** Whether staff may set a minimum and a maximum (checked on publishing, written as a constraint). */
  hasBounds: boolean
  /**
   * Questions of this type one after another on a page, with the same options, are drawn together by
   * this template (a Likert grid); one alone is drawn by its control.
   */
  grid?: { partial: string }
  /** Whether the designer offers "Other, please specify" on it (an `other` option and a question asking which). */
  offersOther?: boolean
  /** The options a new question of this type starts with; staff may reword them. */
  defaultOptions(): QuestionOption[]
  /** The message shown when a required question is left empty. */
  requiredError: AnswerErrorKey
  /** This question's raw input in a submitted form (most types use one field, named `name`). */
  formInput(form: Record<string, unknown>, name: string): unknown
  /** A cell of an imported responses file as raw input. */
  cellInput(cell: string): unknown
  /** Reads raw input (a form's, a cell's, or a value kept in a draft); null means "not answered". */
  parse(raw: unknown, question: Question): ParseResult
  toRows(value: AnswerValue, question: Question): AnswerRow[]
  /** One stored row as a file shows it (microdata, feedback files); null when it is never written. */
  cellValue(row: AnswerRow): string | number | null
  /** The control showing the question, with `raw` (the input of a refused form, or the kept answer). */
  control(question: Question, raw: unknown, language: Language): ControlView
  /** The question on the paper questionnaire. */
  paper(question: Question, language: Language): PaperView
  xlsForm: {
    /** The XLSForm type keywords this type is read from. */
    keywords: readonly string[]
    /** Takes any row of its keywords that no more particular type took (one choice, one line of text). */
    fallback?: boolean
    /** Whether a row of one of those keywords is this type, or why it cannot be read. */
    reads(row: XlsFormRow): boolean | { problem: 'range'; value: string }
    write(question: Question): XlsFormCells
    /**
     * A grid's header row, written before its first question: a select of the grid's options with this
     * appearance and label (ODK draws the scale there), read back as the grid's header, not a question.
     */
    gridHeader?: { appearance: string; label: Translated }
  }
  microdata: {
    /** Whether answers are published in the microdata (never a person's own words). */
    published: boolean
    field(question: Question, optionCodes: string[], description: string): MicrodataField
  }
  results: {
    /** Indicators it supports: a share of chosen options, a mean of its numbers. */
    share: boolean
    mean: boolean
    /** A rating scale charted as means over time on projects' results (its ends). */
    ratingScale: [number, number] | undefined
    /** Answers in a person's own words: stories, never published without consent. */
    story: boolean
  }
  /** What this type needs before the questionnaire opens, beyond what every question needs. */
  publishChecks(question: Question): 'scaleOptions' | 'boundsInvalid' | undefined
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

/** The raw input as strings (a kept answer or a form's), for showing it back. */
export function asStrings(value: unknown): string[] {
  if (value === undefined || value === null) return []
  return (Array.isArray(value) ? value : [value]).filter((v) => typeof v !== 'object').map(String)
}

/** What most types share: one form field, a cell as it is, one stored value, no extra checks. */
export const basics = {
  takesAnswer: true,
  hasOptions: false,
  hasBounds: false,
  defaultOptions: (): QuestionOption[] => [],
  formInput: (form: Record<string, unknown>, name: string): unknown => form[name],
  cellInput: (cell: string): unknown => cell,
  cellValue: (row: AnswerRow) => row.option_code ?? row.value_number ?? row.value_text,
  publishChecks: (): undefined => undefined,
}

/** A paper answer space with nothing of its own yet: a template and defaults for the rest. */
export function paperView(partial: string, rest: Partial<PaperView> = {}): PaperView {
  return {
    partial,
    choices: [],
    layout: 'list',
    boxes: 0,
    decimals: 0,
    lines: 0,
    instruction: undefined,
    ...rest,
  }
}

/** A control with nothing of its own yet: a template and defaults for the rest. */
export function controlView(partial: string, grouped: boolean, rest: Partial<ControlView> = {}): ControlView {
  return {
    partial,
    grouped,
    answerable: true,
    choices: [],
    layout: 'list',
    parts: [],
    value: '',
    maxLength: undefined,
    inputMode: undefined,
    ...rest,
  }
}
