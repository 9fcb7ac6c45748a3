import { createHash, createHmac, randomInt } from 'node:crypto'
import { csvLine } from '../http/csv.ts'

// Crockford's base 32: no I, L, O or U, so a code read aloud or copied from a letter is not mistaken.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** The most codes one batch makes (a district's letters, typically a few hundred). */
export const MAX_BATCH = 20_000
/** 12 symbols of 5 bits: 60 bits, far beyond guessing under the code entry's rate limits. */
export const CODE_LENGTH = 12

/** A new invitation code, e.g. `7KQ2-M9XD-4RTB`. */
export function newCode(): string {
  let code = ''
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)]
  return formatCode(code)
}

/** Groups a code in fours, as printed on letters. */
export function formatCode(normalized: string): string {
  return normalized.match(/.{1,4}/g)!.join('-')
}

/**
 * A code as typed by hand, made canonical: case, spaces and dashes do not matter, and the letters
 * people confuse with digits (O, I, L) read as the digits. Undefined when it cannot be a code.
 */
export function normalizeCode(typed: string): string | undefined {
  const code = typed
    .toUpperCase()
    .replace(/[\s\-_.]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
  if (code.length !== CODE_LENGTH) return undefined
  for (const c of code) if (!ALPHABET.includes(c)) return undefined
  return code
}

/**
 * The key a code's respondent carries in their cookie (the same on every device, so progress follows
 * the code), derived with the database's pepper so a stored hash cannot be matched to a guessed code
 * without it.
 */
export function respondentKey(pepper: string, normalizedCode: string): string {
  return createHmac('sha256', pepper)
    .update(`invitation:${normalizedCode}`)
    .digest()
    .subarray(0, 24)
    .toString('base64url')
}

/**
 * What is stored of a code: the hash of its respondent key, made as the survey hashes any draft's
 * key, so it is also the key of the code's draft.
 */
export function respondentKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('base64url')
}

/** The codes of a batch as CSV (RFC 4180): code, the address printed on its letter, stratum. */
export function invitationsToCsv(codes: string[], surveyUrl: string, stratum: string | null): string {
  return (
    csvLine(['code', 'url', 'stratum']) +
    codes.map((c) => csvLine([c, `${surveyUrl}/i/${c}`, stratum])).join('')
  )
}
