import ExcelJS from 'exceljs'

/** A workbook built row by row, sheet by sheet: forms as other tools, or hostile people, write them. */
export async function workbook(sheets: Record<string, unknown[][]>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  for (const [name, rows] of Object.entries(sheets)) {
    const sheet = wb.addWorksheet(name)
    for (const row of rows) sheet.addRow(row)
  }
  return Buffer.from(await wb.xlsx.writeBuffer())
}
