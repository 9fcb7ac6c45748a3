import { parse } from 'csv-parse/sync'
import { z } from 'zod'
import { localeOfTag, type Locale } from '../i18n/locales.ts'
import { MAX_BATCH } from '../invitations/invitation-codes.ts'
import { matchStratum } from '../invitations/strata.ts'

/** The largest address list one upload takes (a few hundred thousand characters of CSV). */
export const ADDRESS_LIST_MAX_BYTES = 2 * 1024 * 1024
/** Strata as the letters form takes them. */
export const STRATUM_PATTERN = /^[\p{L}\p{N} _.-]{1,60}$/u

export interface ListedPerson {
  address: string
  stratum: string | null
  locale: Locale
}

export type ListProblem =
  'empty' | 'unreadable' | 'tooMany' | 'email' | 'stratum' | 'stratumUnknown' | 'language' | 'repeated'

/** One kind of problem and the rows it was found on (rows as a spreadsheet numbers them). */
export interface GroupedProblem {
  problem: ListProblem
  rows: number[]
}

const email = z.email()

/**
 * Reads an address list (`email,stratum[,language]`, a header row optional) as staff export it from a
 * spreadsheet. Every row must be right, or nothing is taken: the problems come grouped by kind.
 * `portuguese` is what a bare `pt` means; `fallback` is the language of rows that give none.
 */
export function readAddressList(
  text: string,
  options: { fallback: Locale; portuguese: Locale; strata?: readonly string[] },
): { ok: true; people: ListedPerson[] } | { ok: false; problems: GroupedProblem[] } {
  let records: string[][]
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      // Spreadsheets in Spanish, French and Portuguese export with semicolons.
      delimiter: [',', ';'],
    })
  } catch {
    return { ok: false, problems: [{ problem: 'unreadable', rows: [] }] }
  }
  const headed = records[0]?.[0]?.toLowerCase().replace(/[^a-z]/g, '') === 'email'
  const firstRow = headed ? 2 : 1
  const rows = headed ? records.slice(1) : records
  if (rows.length === 0) return { ok: false, problems: [{ problem: 'empty', rows: [] }] }
  if (rows.length > MAX_BATCH) return { ok: false, problems: [{ problem: 'tooMany', rows: [] }] }
  const problems = new Map<ListProblem, number[]>()
  const flag = (problem: ListProblem, row: number) =>
    problems.set(problem, [...(problems.get(problem) ?? []), row])
  const seen = new Set<string>()
  const people: ListedPerson[] = []
  rows.forEach((record, i) => {
    const row = firstRow + i
    const [address = '', stratum = '', language = ''] = record
    if (!email.safeParse(address).success) flag('email', row)
    else if (seen.has(address.toLowerCase())) flag('repeated', row)
    seen.add(address.toLowerCase())
    const matched = matchStratum(stratum, options.strata ?? [])
    if (stratum !== '' && !STRATUM_PATTERN.test(stratum)) flag('stratum', row)
    else if (!matched.ok) flag('stratumUnknown', row)
    const asked = language === '' ? undefined : localeOfTag(language)
    if (language !== '' && !asked) flag('language', row)
    const locale = !asked ? options.fallback : asked.specific ? asked.locale : options.portuguese
    people.push({ address, stratum: matched.ok ? matched.stratum : null, locale })
  })
  if (problems.size > 0)
    return { ok: false, problems: [...problems].map(([problem, rows]) => ({ problem, rows })) }
  return { ok: true, people }
}
