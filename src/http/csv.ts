/** One CSV field: quoted when it holds a comma, a quote or a line break; empty for null. */
export const csvCell = (v: unknown) => {
  if (v === null || v === undefined) return ''
  const text = String(v)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** One CSV record, ended as RFC 4180 says. */
export const csvLine = (values: unknown[]) => values.map(csvCell).join(',') + '\r\n'

/** Free text that a spreadsheet would run as a formula (=, +, -, @) is kept as text by a leading quote. */
export const spreadsheetSafe = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text)
