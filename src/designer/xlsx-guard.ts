import yauzl from 'yauzl'

/** What a workbook may unpack to before anything parses it (an XLSForm of 2,000 rows is about 2 MB). */
export const XLSX_LIMITS = {
  unpackedBytes: 25 * 1024 * 1024,
  entries: 200,
  rows: 2000,
  columns: 100,
  cells: 200_000,
}

export type XlsxRefusal =
  | { key: 'unreadable' }
  | { key: 'unpackedTooLarge'; params: { max: number } }
  | { key: 'tooManyRows'; params: { sheet: string; count: number; max: number } }
  | { key: 'tooManyColumns'; params: { sheet: string; column: string; max: number } }
  | { key: 'tooManyCells'; params: { sheet: string; max: number } }

const columnNumber = (letters: string) => [...letters].reduce((n, c) => n * 26 + c.charCodeAt(0) - 64, 0)

/** The worksheets' shape, read from their XML: the highest row and column a cell names, and the cells. */
function measureSheet(xml: string) {
  let maxRow = 0
  let maxColumn = 0
  let maxColumnName = ''
  for (const m of xml.matchAll(/<(?:\w+:)?row\b[^>]*?\br="(\d+)"/g)) maxRow = Math.max(maxRow, Number(m[1]))
  for (const m of xml.matchAll(/<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"/g)) {
    const column = columnNumber(m[1]!)
    if (column > maxColumn) [maxColumn, maxColumnName] = [column, m[1]!]
    maxRow = Math.max(maxRow, Number(m[2]))
  }
  const cells = xml.match(/<(?:\w+:)?c[\s>/]/g)?.length ?? 0
  return { maxRow, maxColumn, maxColumnName, cells }
}

/**
 * Checks a workbook from its zip archive before any parser sees it: every entry is unpacked as a
 * stream and counted (the sizes a zip declares can lie), stopping at the limit; each worksheet's rows,
 * columns and cells are measured from its XML. A reader that builds every cell would otherwise grow
 * to gigabytes on a 51 KB file with one cell in column XFD, or on a 4 MB file that unpacks to 4 GB.
 */
export function inspectXlsx(file: Buffer): Promise<XlsxRefusal | undefined> {
  return new Promise((resolve) => {
    yauzl.fromBuffer(file, { lazyEntries: true, validateEntrySizes: true }, (openError, zip) => {
      if (openError || !zip) return resolve({ key: 'unreadable' })
      let unpacked = 0
      let entries = 0
      let settled = false
      const finish = (refusal: XlsxRefusal | undefined) => {
        if (settled) return
        settled = true
        zip.close()
        resolve(refusal)
      }
      const tooLarge = {
        key: 'unpackedTooLarge',
        params: { max: XLSX_LIMITS.unpackedBytes / 1024 / 1024 },
      } as const
      zip.on('error', () => finish({ key: 'unreadable' }))
      zip.on('end', () => finish(undefined))
      zip.on('entry', (entry: yauzl.Entry) => {
        entries += 1
        if (entries > XLSX_LIMITS.entries) return finish(tooLarge)
        if (unpacked + entry.uncompressedSize > XLSX_LIMITS.unpackedBytes) return finish(tooLarge)
        const sheet = /^xl\/worksheets\/([^/]+)\.xml$/.exec(entry.fileName)?.[1]
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return finish({ key: 'unreadable' })
          const chunks: Buffer[] = []
          stream.on('data', (chunk: Buffer) => {
            unpacked += chunk.length
            if (unpacked > XLSX_LIMITS.unpackedBytes) {
              stream.destroy()
              return finish(tooLarge)
            }
            if (sheet) chunks.push(chunk)
          })
          stream.on('error', () => finish({ key: 'unreadable' }))
          stream.on('end', () => {
            if (settled) return
            if (sheet) {
              const shape = measureSheet(Buffer.concat(chunks).toString('utf8'))
              if (shape.maxRow > XLSX_LIMITS.rows)
                return finish({
                  key: 'tooManyRows',
                  params: { sheet, count: shape.maxRow, max: XLSX_LIMITS.rows },
                })
              if (shape.maxColumn > XLSX_LIMITS.columns)
                return finish({
                  key: 'tooManyColumns',
                  params: { sheet, column: shape.maxColumnName, max: XLSX_LIMITS.columns },
                })
              if (shape.cells > XLSX_LIMITS.cells)
                return finish({ key: 'tooManyCells', params: { sheet, max: XLSX_LIMITS.cells } })
            }
            zip.readEntry()
          })
        })
      })
      zip.readEntry()
    })
  })
}
