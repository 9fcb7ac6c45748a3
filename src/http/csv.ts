/**
 * Text a spreadsheet would run as a formula, made inert: a leading quote before =, +, -, @ (or a tab,
 * return or space before one) at the start of the text and after every ";" — the list separator of
 * es/fr/pt spreadsheets, which opens a comma-separated file by splitting at ";" and ignoring quotes.
 * Numbers are never passed here, so "-0.5" stays a number.
 */
export const spreadsheetText = (text: string) => text.replace(/(^|;)(?=[\s"]*[=+\-@])/g, "$1'")

/** What a CSV cell or worksheet cell holds. */
export type CellValue = string | number | boolean | bigint | null | undefined

/**
 * One CSV field: text guarded against formulas, then quoted when it holds a separator (, or ;), a quote
 * or a line break; numbers and booleans as they are; empty for null.
 */
export const csvCell = (v: CellValue) => {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  const text = spreadsheetText(v)
  return /[",;\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** One CSV record, ended as RFC 4180 says. */
export const csvLine = (values: readonly CellValue[]) => values.map(csvCell).join(',') + '\r\n'

/** A worksheet row's values: text guarded as in CSV files, numbers, booleans and empties as they are. */
export const sheetRow = (values: unknown[]) =>
  values.map((v) => (typeof v === 'string' ? spreadsheetText(v) : v))
