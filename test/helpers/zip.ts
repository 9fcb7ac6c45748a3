import yauzl from 'yauzl'

/** Every entry of a zip, as text. */
export function unzip(buffer: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error)
      const entries = new Map<string, string>()
      zip.on('entry', (entry: yauzl.Entry) =>
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e)
          const chunks: Buffer[] = []
          stream.on('data', (c: Buffer) => chunks.push(c))
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks).toString('utf8'))
            zip.readEntry()
          })
        }),
      )
      zip.on('end', () => resolve(entries))
      zip.readEntry()
    })
  })
}

/** A supertest parser that keeps a binary body (a zip) as one Buffer. */
export function binary(
  response: import('superagent').Response,
  callback: (error: Error | null, body: unknown) => void,
): void {
  const chunks: Buffer[] = []
  response.on('data', (c: Buffer) => chunks.push(c))
  response.on('end', () => callback(null, Buffer.concat(chunks)))
}

/** Downloads a zip with a client's cookies and answers its status and every entry, as text. */
export async function downloadZip(
  agent: ReturnType<typeof import('supertest').agent>,
  url: string,
): Promise<{ status: number; files: Map<string, string> }> {
  const res = await agent.get(url).buffer(true).parse(binary)
  return { status: res.status, files: res.status === 200 ? await unzip(res.body as Buffer) : new Map() }
}
