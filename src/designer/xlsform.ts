import type ExcelJS from 'exceljs'
import type { QuestionDraft } from '../questionnaire/questionnaire.repository.ts'
import {
  inAnsweringOrder,
  QUESTION_CODE,
  questionMessages,
  type Question,
} from '../questionnaire/questionnaire.ts'
import {
  gridHeaderOf,
  isXlsFormKeyword,
  questionType,
  sameGrid,
  xlsFormTypeOf,
} from '../questionnaire/question-types/index.ts'
import { LANGUAGES, type Language, type Translated } from '../questionnaire/translated.ts'
import { inspectXlsx } from './xlsx-guard.ts'
import { isOptionCode } from '../questionnaire/option-codes.ts'
import { readCondition, writeCondition, type Condition } from '../questionnaire/conditions.ts'
import { conditionProblem } from '../questionnaire/publishing-rules.ts'
import { specifyCode, specifyQuestion, withOtherOption } from '../questionnaire/other-specify.ts'

// XLSForm (as used by KoboToolbox and ODK) to and from a wave's questionnaire.

const LANGUAGE_LABELS: Record<Language, string> = {
  es: 'Español (es)',
  fr: 'Français (fr)',
  pt: 'Português (pt)',
}
// exceljs took a quarter of loading the app's and the CLI's modules (0.4 s): loaded when a workbook is read or written.
const loadExcelJS = async () => (await import('exceljs')).default

export const XLSFORM_MAX_BYTES = 5 * 1024 * 1024
const MAX_ROWS = 2000
const MAX_CELL = 4000

export interface XlsFormProblem {
  sheet: string
  row: number
  /** The reason in English (operators' command line); `key` and `params` name it for the UI's languages. */
  reason: string
  key: XlsFormProblemKey
  params: Record<string, string | number>
}

const MESSAGES = {
  tooLarge: 'the file is larger than 5 MB',
  notXlsx: 'the file is not an .xlsx workbook',
  unreadable: 'the file is not a readable .xlsx workbook',
  noSheet: 'the workbook has no "{{sheet}}" sheet',
  choiceName: 'choice name "{{value}}" must be 1-40 letters, digits or _ . + - (no spaces or quotes)',
  choiceTwice: 'choice "{{value}}" appears twice in list "{{list}}"',
  unsupportedType:
    'type "{{value}}" is not supported (repeats, calculations, locations, media, times): the row was left out',
  questionName:
    'name "{{value}}" must start with a lowercase letter and use only lowercase letters, digits and _ (at most 40)',
  nameTwice: 'name "{{value}}" is used twice',
  sourceLabel: 'the label in the source language ({{language}}) is empty',
  missingList: 'the choice list "{{value}}" is missing from the choices sheet',
  constraint: 'constraint "{{value}}" is not supported: use bounds such as ". >= 0 and . <= 120"',
  range: 'range "{{value}}" is not supported: only start=0 end=10 step=1 (a 0-10 rating)',
  unknownType: 'type "{{value}}" is not supported',
  constraintNotNumber: 'constraints are supported on number questions only',
  relevant:
    'relevant "{{value}}" cannot be followed (from character {{at}}): use and, or, not(), selected(), =, !=, <, >, <=, >= between an earlier answer and a value; the row was left out',
  relevantEarlier:
    'relevant refers to "{{value}}", which must be a question that comes before it: the row was left out',
  relevantNoAnswer: 'relevant refers to "{{value}}", which takes no answer: the row was left out',
  relevantOption:
    'relevant names choice "{{value}}", which is not a choice of "{{question}}": the row was left out',
  groupLeftOut: 'row "{{value}}" is inside a group whose relevant cannot be followed: it was left out',
  noQuestions: 'the form has no questions',
  tooManyRows: 'the sheet has {{count}} rows; at most {{max}} are read',
  tooManyColumns: 'a sheet uses column {{column}}; at most {{max}} columns are read',
  tooManyCells: 'a sheet has more than {{max}} cells',
  unpackedTooLarge: 'the workbook unpacks to more than {{max}} MB',
  longCell: 'cell {{cell}} is longer than {{max}} characters',
  uploadUnreadable: 'the upload could not be read',
  chooseFile: 'choose an .xlsx file',
  insideRepeat: 'row "{{value}}" is inside a repeat, which is not supported: it was left out',
  languageColumn: 'column "{{value}}" is in a language Pulso does not serve (es, fr, pt): it was left out',
  orOther:
    'question "{{value}}": its "or_other" text question cannot be named {{value}}_other (too long, or taken); the "other" choice is kept without it',
  choiceFilter: 'choice_filter "{{value}}" is not supported: every choice of the list is offered',
} as const
export type XlsFormProblemKey = keyof typeof MESSAGES

export const XLSFORM_PROBLEM_KEYS = Object.keys(MESSAGES) as XlsFormProblemKey[]

/** A problem found in a sheet's row (row 0: the file or the sheet as a whole). */
export function xlsFormProblem(
  sheet: string,
  row: number,
  key: XlsFormProblemKey,
  params: Record<string, string | number> = {},
): XlsFormProblem {
  const reason = MESSAGES[key].replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(params[name] ?? ''))
  return { sheet, row, reason, key, params }
}

export type XlsFormReading =
  | { ok: true; title: Partial<Translated>; questions: QuestionDraft[]; warnings: XlsFormProblem[] }
  | { ok: false; problems: XlsFormProblem[] }

/** Writes a questionnaire as an XLSForm workbook: survey, choices and settings sheets, labels in three languages. */
export async function writeXlsForm(input: {
  formId: string
  title: Partial<Translated>
  year: number
  sourceLanguage: Language
  questions: Question[]
}): Promise<Buffer> {
  const workbook = new (await loadExcelJS()).Workbook()
  const survey = workbook.addWorksheet('survey')
  const choices = workbook.addWorksheet('choices')
  const settings = workbook.addWorksheet('settings')
  const labels = (prefix: string) => LANGUAGES.map((l) => `${prefix}::${LANGUAGE_LABELS[l]}`)
  survey.addRow([
    'type',
    'name',
    ...labels('label'),
    ...labels('hint'),
    'required',
    ...labels('required_message'),
    'relevant',
    'constraint',
    ...labels('constraint_message'),
    'appearance',
    'parameters',
    'pulso_profile',
  ])
  choices.addRow(['list_name', 'name', ...labels('label')])
  // form_title is the standard column (the source language). pyxform refuses form_title::language
  // columns, so the three titles travel in Pulso's own columns, which other tools leave alone.
  settings.addRow([
    'form_title',
    ...LANGUAGES.map((l) => `pulso_title_${l}`),
    'form_id',
    'version',
    'default_language',
  ])
  settings.addRow([
    input.title[input.sourceLanguage] ?? '',
    ...LANGUAGES.map((l) => input.title[l] ?? ''),
    input.formId,
    String(input.year),
    LANGUAGE_LABELS[input.sourceLanguage],
  ])

  // A question added to page 2 later is still written on page 2.
  const ordered = inAnsweringOrder(input.questions)
  let page: number | undefined
  let previous: Question | undefined
  for (const q of ordered) {
    if (q.page !== page) {
      if (page !== undefined) survey.addRow(['end_group'])
      survey.addRow(['begin_group', `page_${q.page}`])
      page = q.page
    }
    const { type, appearance, parameters, constraint } = xlsType(q)
    // The first question of a grid is preceded by the grid's header row (the scale, for ODK).
    const header = questionType(q.type).xlsForm.gridHeader
    if (header && !(previous && sameGrid(previous, q)))
      survey.addRow([
        type,
        `${q.code}_scale`,
        ...LANGUAGES.map((l) => header.label[l]),
        ...LANGUAGES.map(() => ''),
        '',
        ...LANGUAGES.map(() => ''),
        q.showIf ? writeCondition(q.showIf) : '',
        '',
        ...LANGUAGES.map(() => ''),
        header.appearance,
        '',
        '',
      ])
    previous = q
    survey.addRow([
      type,
      q.code,
      ...LANGUAGES.map((l) => q.text[l] ?? ''),
      ...LANGUAGES.map((l) => q.help[l] ?? ''),
      q.required ? 'yes' : '',
      ...LANGUAGES.map((l) => q.messages.required?.[l] ?? ''),
      q.showIf ? writeCondition(q.showIf) : '',
      constraint,
      ...LANGUAGES.map((l) => q.messages.constraint?.[l] ?? ''),
      appearance,
      parameters,
      q.isProfile ? 'yes' : '',
    ])
    for (const o of q.options) choices.addRow([q.code, o.code, ...LANGUAGES.map((l) => o.label[l] ?? '')])
  }
  if (page !== undefined) survey.addRow(['end_group'])
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

// A type's own cells; the constraint holds the bounds of the types that have them.
function xlsType(q: Question): { type: string; appearance: string; parameters: string; constraint: string } {
  const module = questionType(q.type)
  const cells = module.xlsForm.write(q)
  const bounds = module.hasBounds
    ? [q.min !== null ? `. >= ${q.min}` : '', q.max !== null ? `. <= ${q.max}` : ''].filter(Boolean)
    : []
  return {
    type: cells.type,
    appearance: cells.appearance ?? '',
    parameters: cells.parameters ?? '',
    constraint: bounds.join(' and '),
  }
}

const UNSUPPORTED = new Set([
  'begin_repeat',
  'begin repeat',
  'end_repeat',
  'end repeat',
  'calculate',
  'geopoint',
  'geotrace',
  'geoshape',
  'image',
  'audio',
  'video',
  'file',
  'barcode',
  'time',
  'datetime',
  'start',
  'end',
  'today',
  'deviceid',
  'acknowledge',
  'hidden',
  'select_one_from_file',
  'select_multiple_from_file',
  'background-audio',
])

/** Reads an XLSForm workbook; every unsupported or malformed row is reported and nothing is returned then. */
export async function readXlsForm(file: Buffer, sourceLanguage: Language): Promise<XlsFormReading> {
  const problems: XlsFormProblem[] = []
  if (file.length > XLSFORM_MAX_BYTES) return { ok: false, problems: [xlsFormProblem('-', 0, 'tooLarge')] }
  // An .xlsx file is a zip archive: refuse anything else before parsing.
  if (file.length < 4 || file.readUInt32LE(0) !== 0x04034b50) {
    return { ok: false, problems: [xlsFormProblem('-', 0, 'notXlsx')] }
  }
  // Unpacked sizes, rows and columns are checked before the reader builds anything.
  const refusal = await inspectXlsx(file)
  if (refusal)
    return {
      ok: false,
      problems: [xlsFormProblem('-', 0, refusal.key, 'params' in refusal ? refusal.params : {})],
    }
  const excel = await loadExcelJS()
  const workbook = new excel.Workbook()
  try {
    await workbook.xlsx.load(file as unknown as ArrayBuffer)
  } catch {
    return {
      ok: false,
      problems: [xlsFormProblem('-', 0, 'unreadable')],
    }
  }
  // Sheet names in any case (KoboToolbox writes "survey", hand-made forms "Survey"); a form without
  // selects needs no choices sheet.
  const warnings: XlsFormProblem[] = []
  const survey = readSheet(excel, workbook, 'survey', problems, warnings)
  const choices = readSheet(excel, workbook, 'choices', problems, warnings) ?? []
  const settings = readSheet(excel, workbook, 'settings', problems, warnings) ?? []
  if (!sheetNamed(workbook, 'survey'))
    problems.push(xlsFormProblem('survey', 0, 'noSheet', { sheet: 'survey' }))
  if (!survey || problems.length > 0) return { ok: false, problems }
  // A row Pulso cannot read faithfully is left out, named with its reason; the rest is imported.
  const leaveOut = (
    sheet: string,
    row: number,
    key: XlsFormProblemKey,
    params: Record<string, string | number> = {},
  ) => warnings.push(xlsFormProblem(sheet, row, key, params))

  const lists = new Map<string, { code: string; label: Translated; row: number }[]>()
  for (const { row, cells } of choices) {
    const list = cells.list_name ?? ''
    const code = cells.name ?? ''
    if (!list && !code) continue
    // Kept exactly as written (case, -, +, .): answers exported by other tools must still match.
    if (!isOptionCode(code)) {
      leaveOut('choices', row, 'choiceName', { value: code })
      continue
    }
    const entries = lists.get(list) ?? []
    if (entries.some((e) => e.code === code)) {
      leaveOut('choices', row, 'choiceTwice', { value: code, list })
      continue
    }
    entries.push({ code, label: translated(cells, 'label', sourceLanguage), row })
    lists.set(list, entries)
  }

  const questions: QuestionDraft[] = []
  let page = 1
  let pageUsed = false
  let depth = 0
  let repeats = 0
  // Each open group's relevant (null: one Pulso cannot follow, so its questions are left out).
  const groupConditions: (Condition | null | undefined)[] = []
  const groupCondition = (relevant: string | undefined, row: number) => {
    if (!relevant?.trim()) return undefined
    const reading = readCondition(relevant)
    if (!reading.ok) {
      leaveOut('survey', row, 'relevant', { value: relevant, at: reading.at + 1 })
      return null
    }
    return reading.condition
  }
  for (const { row, cells } of survey) {
    const rawType = (cells.type ?? '').trim().replace(/\s+/g, ' ')
    if (!rawType) continue
    // "select_one list", "select one from list" and "select_one list or_other" are all a select.
    const select = /^select[_ ](one|multiple)(?: from)? (\S+)( or_other| or specify other| or other)?$/i.exec(
      rawType,
    )
    const [keyword = '', listName] = select
      ? [`select_${select[1]!.toLowerCase()}`, select[2]]
      : rawType.split(' ')
    const kind = keyword.toLowerCase()
    const skip = (key: XlsFormProblemKey, params: Record<string, string | number> = {}) =>
      leaveOut('survey', row, key, params)
    if (kind === 'begin_group' || (kind === 'begin' && listName?.toLowerCase() === 'group')) {
      // A group inside a group stays on its page.
      depth += 1
      groupConditions.push(groupCondition(cells.relevant, row))
      if (depth > 1) continue
      // Pulso's own groups say their page (page_5); others are numbered in order.
      const numbered = Number(/^page_(\d{1,2})$/.exec(cells.name ?? '')?.[1] ?? NaN)
      const next = pageUsed ? page + 1 : page
      page = numbered >= next ? numbered : next
      pageUsed = false
      continue
    }
    if (kind === 'end_group' || (kind === 'end' && listName?.toLowerCase() === 'group')) {
      depth = Math.max(0, depth - 1)
      groupConditions.pop()
      continue
    }
    // A repeat and every row inside it are left out (Pulso asks each question once).
    if (kind === 'begin_repeat' || (kind === 'begin' && listName?.toLowerCase() === 'repeat')) {
      repeats += 1
      skip('unsupportedType', { value: rawType })
      continue
    }
    if (kind === 'end_repeat' || (kind === 'end' && listName?.toLowerCase() === 'repeat')) {
      repeats = Math.max(0, repeats - 1)
      continue
    }
    if (repeats > 0) {
      skip('insideRepeat', { value: cells.name ?? rawType })
      continue
    }
    if ((UNSUPPORTED.has(kind) && !isXlsFormKeyword(kind)) || kind === 'begin' || kind === 'end') {
      skip('unsupportedType', { value: rawType })
      continue
    }
    const code = (cells.name ?? '').trim()
    if (!QUESTION_CODE.test(code)) {
      skip('questionName', { value: code })
      continue
    }
    if (questions.some((q) => q.code === code)) {
      skip('nameTwice', { value: code })
      continue
    }
    const text = translated(cells, 'label', sourceLanguage)
    if (!text[sourceLanguage]) {
      skip('sourceLabel', { language: sourceLanguage })
      continue
    }
    const appearance = (cells.appearance ?? '').trim().toLowerCase()
    let options: QuestionDraft['options'] = []
    let min: number | null = null
    let max: number | null = null
    if (kind === 'select_one' || kind === 'select_multiple' || kind === 'rank') {
      const list = listName ? lists.get(listName) : undefined
      if (!list || list.length === 0) {
        skip('missingList', { value: listName ?? '' })
        continue
      }
      options = list.map(({ code: c, label }) => ({ code: c, label }))
      if (select?.[3]) options = withOtherOption(options)
      if (cells.choice_filter) skip('choiceFilter', { value: cells.choice_filter })
    }
    const parameters = (cells.parameters ?? '').replace(/\s+/g, ' ').trim()
    // A grid's header row: the scale for ODK, not a question. One with words of its own (a question
    // stem) is kept as a note, so nothing it says is lost.
    const header = gridHeaderOf(kind, appearance)
    if (header && text[sourceLanguage] === header.label[sourceLanguage]) continue
    if (header) options = []
    const reading = header
      ? questionType('note')
      : xlsFormTypeOf({ keyword: kind, appearance, parameters, options })
    if (!reading) {
      skip('unknownType', { value: rawType })
      continue
    }
    if ('problem' in reading) {
      skip(reading.problem, { value: reading.value })
      continue
    }
    const type = reading.type
    // A constraint Pulso cannot read is dropped (the question is kept, without it), and said.
    if (reading.hasBounds) {
      const bounds = readConstraint(cells.constraint ?? '', type === 'integer')
      if (!bounds) skip('constraint', { value: cells.constraint ?? '' })
      else ({ min, max } = bounds)
    } else if (cells.constraint) skip('constraintNotNumber')
    const required = /^(yes|true|true\(\))$/i.test((cells.required ?? '').trim())
    const relevant = (cells.relevant ?? '').trim()
    // A condition Pulso cannot follow leaves the question out: nobody may see a question that does not apply.
    if (groupConditions.includes(null)) {
      skip('groupLeftOut', { value: code })
      continue
    }
    let own: Condition | undefined
    if (relevant) {
      const reading = readCondition(relevant)
      if (!reading.ok) {
        skip('relevant', { value: relevant, at: reading.at + 1 })
        continue
      }
      own = reading.condition
    }
    // A group's relevant applies to every question in it, as in ODK Collect.
    const tests = [...groupConditions, own].filter((c): c is Condition => !!c)
    const showIf: QuestionDraft['showIf'] =
      tests.length === 0 ? null : tests.length === 1 ? tests[0]! : { all: tests }
    const problem = showIf
      ? conditionProblem(
          showIf,
          questions.map((q) => ({ ...q, options: q.options ?? [] })),
        )
      : undefined
    if (problem) {
      const key = {
        conditionEarlier: 'relevantEarlier',
        conditionNoAnswer: 'relevantNoAnswer',
        conditionOption: 'relevantOption',
      } as const
      skip(key[problem.kind], { ...problem })
      continue
    }
    // Outside any group a question has a screen of its own, as in ODK Collect and KoboToolbox.
    if (depth === 0 && pageUsed) page += 1
    questions.push({
      code,
      type,
      page,
      required: reading.takesAnswer && required,
      text,
      help: withoutEmpty(translated(cells, 'hint', sourceLanguage)),
      showIf,
      messages: questionMessages({
        required:
          reading.takesAnswer && required ? translated(cells, 'required_message', sourceLanguage) : {},
        // A constraint message goes with the bounds Pulso read; an unread constraint takes its message with it.
        constraint:
          min !== null || max !== null ? translated(cells, 'constraint_message', sourceLanguage) : {},
      }),
      isProfile: /^(yes|true)$/i.test((cells.pulso_profile ?? '').trim()),
      min,
      max,
      options,
    })
    pageUsed = true
    // or_other, as pyxform builds it: an "other" choice, and a text question shown when it is chosen
    // (on the same page: with JavaScript it opens at once, without it the page is sent in two parts).
    if (select?.[3]) {
      const specify = specifyCode(code)
      if (!specify || questions.some((q) => q.code === specify)) skip('orOther', { value: code })
      else questions.push(specifyQuestion(code, page))
    }
  }
  // Nothing usable: refused, with every row that was left out and why.
  if (questions.length === 0)
    return { ok: false, problems: [...warnings, xlsFormProblem('survey', 0, 'noQuestions')] }
  const settingsRow = settings?.[0]?.cells ?? {}
  const title = withoutEmpty(
    Object.fromEntries(LANGUAGES.map((l) => [l, settingsRow[`pulso_title_${l}`] ?? ''])) as Translated,
  )
  // Files exported before 2026-12 held the titles in form_title::language columns.
  const older = translated(settingsRow, 'form_title', sourceLanguage)
  for (const l of LANGUAGES) if (!title[l] && older[l]) title[l] = older[l]
  return { ok: true, title, questions, warnings }
}

/** A sheet by its name in any case. */
function sheetNamed(workbook: ExcelJS.Workbook, name: string) {
  return workbook.worksheets.find((sheet) => sheet.name.trim().toLowerCase() === name)
}

/** Rows of a sheet as header -> text, with the 1-based row number; formulas and huge cells are refused. */
function readSheet(
  excel: typeof ExcelJS,
  workbook: ExcelJS.Workbook,
  name: string,
  problems: XlsFormProblem[],
  warnings: XlsFormProblem[],
) {
  const sheet = sheetNamed(workbook, name)
  if (!sheet) return undefined
  if (sheet.rowCount > MAX_ROWS) {
    problems.push(xlsFormProblem(name, 0, 'tooManyRows', { count: sheet.rowCount, max: MAX_ROWS }))
    return undefined
  }
  const headers: string[] = []
  const rows: { row: number; cells: Record<string, string> }[] = []
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values: string[] = []
    row.eachCell({ includeEmpty: true }, (cell, column) => {
      // A formula is read as the value the spreadsheet last computed, as pyxform reads it.
      const value = cell.type === excel.ValueType.Formula ? (cell.result ?? '') : cell.text
      const text = typeof value === 'object' ? cell.text : String(value)
      if (text.length > MAX_CELL) {
        warnings.push(xlsFormProblem(name, rowNumber, 'longCell', { cell: cell.address, max: MAX_CELL }))
        return
      }
      values[column - 1] = text.trim()
    })
    if (headers.length === 0) {
      values.forEach((v, i) => {
        headers[i] = normalizeHeader(v ?? '')
        // label::English (en): a language Pulso does not serve is left out, once per column.
        if (headers[i].endsWith('::other'))
          warnings.push(xlsFormProblem(name, rowNumber, 'languageColumn', { value: v ?? '' }))
      })
      return
    }
    const cells: Record<string, string> = {}
    headers.forEach((h, i) => {
      if (h && values[i]) cells[h] = values[i]!
    })
    rows.push({ row: rowNumber, cells })
  })
  return rows
}

// "label::Español (es)", "label::es" and "label" (the source language) all name a label column.
function normalizeHeader(header: string): string {
  const lower = header.trim().toLowerCase().replace(/\s+/g, ' ')
  const match = /^(label|hint|form_title|required_message|constraint_message)\s*::\s*(.+)$/.exec(lower)
  if (!match) return lower.replace(/ /g, '_')
  const [, kind, language] = match
  const code =
    /\((es|fr|pt)\)$/.exec(language!)?.[1] ?? (/^(es|fr|pt)$/.test(language!) ? language : undefined)
  return code ? `${kind}::${code}` : `${kind}::other`
}

function translated(
  cells: Record<string, string>,
  kind: 'label' | 'hint' | 'form_title' | 'required_message' | 'constraint_message',
  sourceLanguage: Language,
): Translated {
  const text = Object.fromEntries(LANGUAGES.map((l) => [l, cells[`${kind}::${l}`] ?? ''])) as Translated
  if (!text[sourceLanguage] && cells[kind]) text[sourceLanguage] = cells[kind]!
  return text
}

/**
 * Bounds from a constraint of simple comparisons joined by `and` (`. >= 16 and . <= 110`, either way
 * round); on whole numbers a strict bound is the next whole number (`. > 0` is `. >= 1`). Anything
 * else (or, a strict bound on decimals, another question) cannot be kept as bounds: null.
 */
function readConstraint(
  expression: string,
  whole: boolean,
): { min: number | null; max: number | null } | null {
  if (!expression.trim()) return { min: null, max: null }
  let min: number | null = null
  let max: number | null = null
  const FLIP: Record<string, string> = { '>=': '<=', '<=': '>=', '>': '<', '<': '>' }
  for (const part of expression.split(/\s+and\s+/i)) {
    const number = '(-?\\d+(?:\\.\\d+)?)'
    const dotFirst = new RegExp(`^\\.\\s*(>=|<=|>|<)\\s*${number}$`).exec(part.trim())
    const numberFirst = new RegExp(`^${number}\\s*(>=|<=|>|<)\\s*\\.$`).exec(part.trim())
    const [op, text] = dotFirst
      ? [dotFirst[1]!, dotFirst[2]!]
      : numberFirst
        ? [FLIP[numberFirst[2]!]!, numberFirst[1]!]
        : []
    if (!op || text === undefined) return null
    let value = Number(text)
    if (op === '>' || op === '<') {
      if (!whole || !Number.isInteger(value)) return null
      value += op === '>' ? 1 : -1
    }
    if (op.startsWith('>')) min = min === null ? value : Math.max(min, value)
    else max = max === null ? value : Math.min(max, value)
  }
  return { min, max }
}

// An absent help text is stored as {}, as the designer stores it.
function withoutEmpty(text: Translated): Partial<Translated> {
  return Object.fromEntries(Object.entries(text).filter(([, value]) => value !== ''))
}
