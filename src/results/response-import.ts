import type { AnswerErrorKey } from '../questionnaire/question-types/question-type.ts'
import { createHash } from 'node:crypto'
import { parse } from 'csv-parse/sync'
import type { Db } from '../db/database.ts'
import type { Channel } from '../db/schema.ts'
import type { Answers, Questionnaire } from '../questionnaire/questionnaire.ts'
import { answerRows, questionType } from '../questionnaire/question-types/index.ts'
import { isLanguage } from '../questionnaire/translated.ts'

// What an operator reads of a cell refused (the CLI speaks English, the citizens' pages their language).
const ANSWER_ERRORS_IN_ENGLISH: Record<AnswerErrorKey, (p: Record<string, string | number>) => string> = {
  selectOne: () => 'choose one option',
  selectAtLeastOne: () => 'choose at least one option',
  enterNumber: () => 'a number is needed',
  enterText: () => 'a text is needed',
  enterDate: () => 'a date is needed',
  unknownOption: (p) => `not an option of this question (its options: ${p.options})`,
  oneAnswerOnly: () => 'one answer only',
  notANumber: () => 'not a number',
  notAWholeNumber: () => 'not a whole number',
  notADate: () => 'not a date (write 2025-10-01)',
  numberBetween: (p) => `not a number from ${p.min} to ${p.max}`,
  numberAtLeast: (p) => `below the minimum, ${p.min}`,
  numberAtMost: (p) => `above the maximum, ${p.max}`,
  textTooLong: () => 'the text is too long',
  textInvalid: () => 'the text holds characters that cannot be stored',
  rankEvery: () => 'every option must have a rank',
}

export interface ImportProblem {
  row: number
  column: string
  reason: string
}

const EXTRA_COLUMNS = new Set(['external_id', 'language', 'channel', 'submitted_at'])
const CHANNELS = new Set(['web', 'assisted', 'paper', 'imported'])
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/

export interface ParsedResponse {
  key: string
  language: string
  channel: Channel
  submittedAt: Date | undefined
  answers: Answers
}

/**
 * Reads a CSV of responses collected elsewhere (paper, telephone, KoboToolbox) against a wave's
 * questionnaire: header = question codes (plus external_id, language, channel, submitted_at),
 * values = option codes (several separated by spaces), numbers or text; empty = not answered.
 */
export function readResponsesCsv(
  text: string,
  questionnaire: Questionnaire,
  waveId: number,
): { ok: true; responses: ParsedResponse[]; emptyRows: number[] } | { ok: false; problems: ImportProblem[] } {
  let records: string[][]
  try {
    records = parse(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: false,
      trim: true,
    })
  } catch (error) {
    return {
      ok: false,
      problems: [{ row: 0, column: '', reason: `not a readable CSV file: ${(error as Error).message}` }],
    }
  }
  const [header, ...rows] = records
  if (!header) return { ok: false, problems: [{ row: 0, column: '', reason: 'the file is empty' }] }
  const problems: ImportProblem[] = []
  const byCode = new Map(questionnaire.questions.map((q) => [q.code, q]))
  header.forEach((column) => {
    if (!byCode.has(column) && !EXTRA_COLUMNS.has(column))
      problems.push({ row: 1, column, reason: 'not a question code of this wave' })
  })
  if (new Set(header).size !== header.length)
    problems.push({ row: 1, column: '', reason: 'a column appears twice' })
  if (problems.length) return { ok: false, problems }

  const responses: ParsedResponse[] = []
  const emptyRows: number[] = []
  const seenIds = new Set<string>()
  // How many rows of this file had each content so far: the k-th copy of a content gets key k.
  const copies = new Map<string, number>()
  rows.forEach((values, index) => {
    const rowNumber = index + 2
    // A row of empty cells (",,") is nobody's response: reported, never stored.
    if (values.every((v) => v === '')) return emptyRows.push(rowNumber)
    const cell = (column: string) => values[header.indexOf(column)] ?? ''
    const answers: Answers = {}
    for (const [i, column] of header.entries()) {
      const question = byCode.get(column)
      const raw = values[i] ?? ''
      if (!question || raw === '') continue
      const module = questionType(question.type)
      const result = module.parse(module.cellInput(raw), question)
      if (!result.ok)
        problems.push({
          row: rowNumber,
          column,
          reason: `"${raw.slice(0, 40)}": ${ANSWER_ERRORS_IN_ENGLISH[result.error]({ ...result.params, options: question.options.map((o) => o.code).join(', ') })}`,
        })
      else if (result.value !== null) answers[column] = result.value
    }
    const language = cell('language') || 'es'
    if (!isLanguage(language))
      problems.push({ row: rowNumber, column: 'language', reason: `"${language}" is not es, fr or pt` })
    const channel = cell('channel') || 'imported'
    if (!CHANNELS.has(channel))
      problems.push({
        row: rowNumber,
        column: 'channel',
        reason: `"${channel}" is not web, assisted, paper or imported`,
      })
    const submitted = cell('submitted_at')
    let submittedAt: Date | undefined
    if (submitted) {
      submittedAt = new Date(submitted)
      if (!ISO_8601.test(submitted) || Number.isNaN(submittedAt.getTime())) {
        problems.push({
          row: rowNumber,
          column: 'submitted_at',
          reason: `"${submitted}" is not an ISO 8601 date`,
        })
      }
    }
    const externalId = cell('external_id')
    if (externalId && seenIds.has(externalId))
      problems.push({ row: rowNumber, column: 'external_id', reason: `"${externalId}" appears twice` })
    seenIds.add(externalId)
    // Rows imported before are skipped: by external id, or else by content, so the same rows in another
    // file (a re-downloaded export, other column order, rows added) are stored once; a file's k-th copy
    // of one content is a response of its own.
    let key = `import:${waveId}:id:${externalId}`
    if (!externalId) {
      const content = contentKey({ language, channel, submitted, answers })
      const copy = (copies.get(content) ?? 0) + 1
      copies.set(content, copy)
      key = `import:${waveId}:content:${content}:${copy}`
    }
    responses.push({ key, language, channel: channel as Channel, submittedAt, answers })
  })
  if (problems.length) return { ok: false, problems }
  return { ok: true, responses, emptyRows }
}

/** A response's content, whatever the column order: a hash of its answers in code order and its metadata. */
function contentKey(row: { language: string; channel: string; submitted: string; answers: Answers }): string {
  const answers = Object.keys(row.answers)
    .sort()
    .map((code) => [code, row.answers[code]])
  return createHash('sha256')
    .update(JSON.stringify([row.language, row.channel, row.submitted, answers]))
    .digest('base64url')
    .slice(0, 22)
}

const BATCH = 500

/** Stores parsed responses in one transaction; returns how many were new. */
export async function storeResponses(
  db: Db,
  questionnaire: Questionnaire,
  responses: ParsedResponse[],
  progress?: (done: number, total: number) => void,
): Promise<number> {
  let stored = 0
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < responses.length; start += BATCH) {
      const batch = responses.slice(start, start + BATCH)
      const inserted = await trx
        .insertInto('response')
        .values(
          batch.map((r) => ({
            wave_id: questionnaire.waveId,
            language: r.language,
            channel: r.channel,
            idempotency_key: r.key,
            ...(r.submittedAt ? { submitted_at: r.submittedAt } : {}),
          })),
        )
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning(['id', 'idempotency_key'])
        .execute()
      const idByKey = new Map(inserted.map((row) => [row.idempotency_key, row.id]))
      const rows = batch.flatMap((r) => {
        const id = idByKey.get(r.key)
        if (id === undefined) return []
        return answerRows(questionnaire, r.answers).map((row) => ({
          ...row,
          response_id: id,
          wave_id: questionnaire.waveId,
        }))
      })
      if (rows.length) await trx.insertInto('answer').values(rows).execute()
      stored += inserted.length
      progress?.(Math.min(start + BATCH, responses.length), responses.length)
    }
  })
  return stored
}

const MARGIN_MESSAGES = {
  unreadable: 'not a readable CSV file',
  header: 'the header must be variable,level,population',
  notQuestion: '"{{value}}" is not a question of this wave',
  notChoice: '"{{value}}" is not a choice question',
  notOption: '"{{value}}" is not an option of {{variable}}',
  notPositive: '"{{value}}" is not a positive number',
  twice: '{{variable}} = {{value}} appears twice',
  totalsDiffer: 'the variables add up to different totals ({{value}})',
} as const

/** A margins file's problem: English for the CLI, a key and values for the pages' languages. */
export type MarginProblem = ImportProblem & {
  key: keyof typeof MARGIN_MESSAGES
  params: Record<string, string>
}

const marginProblem = (
  row: number,
  column: string,
  key: keyof typeof MARGIN_MESSAGES,
  params: Record<string, string> = {},
): MarginProblem => ({
  row,
  column,
  key,
  params,
  reason: MARGIN_MESSAGES[key].replace(/\{\{(\w+)\}\}/g, (_, name: string) => params[name] ?? ''),
})

/** Reads `variable,level,population` rows, checked against the wave's profile questions. */
export function readMarginsCsv(
  text: string,
  questionnaire: Questionnaire,
):
  | { ok: true; margins: { variable: string; level: string; population: number }[] }
  | { ok: false; problems: MarginProblem[] } {
  let records: string[][]
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true })
  } catch {
    return { ok: false, problems: [marginProblem(0, '', 'unreadable')] }
  }
  const [header, ...rows] = records
  if (!header || header.join(',') !== 'variable,level,population')
    return { ok: false, problems: [marginProblem(1, '', 'header')] }
  const problems: MarginProblem[] = []
  const margins: { variable: string; level: string; population: number }[] = []
  rows.forEach(([variable = '', level = '', population = ''], index) => {
    const row = index + 2
    const question = questionnaire.questions.find((q) => q.code === variable)
    if (!question) return problems.push(marginProblem(row, 'variable', 'notQuestion', { value: variable }))
    if (!question.options.length)
      return problems.push(marginProblem(row, 'variable', 'notChoice', { value: variable }))
    if (!question.options.some((o) => o.code === level))
      problems.push(marginProblem(row, 'level', 'notOption', { value: level, variable }))
    const value = Number(population)
    if (!/^\d+(\.\d+)?$/.test(population) || !(value > 0))
      problems.push(marginProblem(row, 'population', 'notPositive', { value: population }))
    if (margins.some((m) => m.variable === variable && m.level === level))
      problems.push(marginProblem(row, 'level', 'twice', { variable, value: level }))
    margins.push({ variable, level, population: value })
  })
  // Every variable must add up to the same population. An option without a total ("prefer not to
  // say", "don't know") is fine: its respondents are raked as a level of their own.
  const totals = new Map<string, number>()
  for (const m of margins) totals.set(m.variable, (totals.get(m.variable) ?? 0) + m.population)
  const distinct = [...new Set([...totals.values()].map((t) => Math.round(t)))]
  if (distinct.length > 1)
    problems.push(marginProblem(0, 'population', 'totalsDiffer', { value: distinct.join(', ') }))
  if (problems.length) return { ok: false, problems }
  return { ok: true, margins }
}
