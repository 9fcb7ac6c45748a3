import { once } from 'node:events'
import { get, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync, brotliDecompressSync } from 'node:zlib'
import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// When the results make the news: the public results page comes from memory with an ETag (304 when
// the reader's copy is current) and compressed; every text response is compressed; static files have
// addresses that change with their content and are cached for a year.
let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>

beforeAll(async () => {
  t = await createTestApp()
  fixture = await loadTrendFixture(t.services.db, { statuses: { 2025: 'open' } })
})
afterAll(() => t.close())

// Raw bytes, as they travel (supertest would decompress them).
async function raw(url: string, headers: Record<string, string>) {
  const server = t.app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  try {
    return await new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) =>
        get({ host: '127.0.0.1', port, path: url, headers }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
          )
        }).on('error', reject),
    )
  } finally {
    server.close()
  }
}

describe('the public results page', () => {
  it('answers with an ETag, 304 when the copy is current, and the same page compressed either way', async () => {
    const url = `${fixture.url}/results?lang=fr&by=district`
    const plain = await raw(url, { 'Accept-Encoding': 'identity' })
    expect(plain.status).toBe(200)
    const etag = plain.headers.etag!
    expect(etag).toMatch(/^"[\w-]+"$/)
    expect(plain.headers['cache-control']).toBe('no-cache')
    expect(plain.headers.vary).toMatch(/Accept-Encoding/)
    const html = plain.body.toString()
    expect(html).toContain('<html lang="fr">')

    const br = await raw(url, { 'Accept-Encoding': 'gzip, deflate, br' })
    expect(br.headers['content-encoding']).toBe('br')
    expect(brotliDecompressSync(br.body).toString()).toBe(html)
    expect(br.body.length).toBeLessThan(html.length / 4)
    const gzip = await raw(url, { 'Accept-Encoding': 'gzip' })
    expect(gzip.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gzip.body).toString()).toBe(html)
    expect(gzip.headers.etag).toBe(etag)

    const revalidated = await request(t.app).get(url).set('If-None-Match', etag)
    expect(revalidated.status).toBe(304)
    expect(revalidated.text ?? '').toBe('')
  })

  it('is kept per language and breakdown, and a change to the results gives a new page and ETag', async () => {
    const url = `${fixture.url}/results?lang=es`
    const first = await request(t.app).get(url)
    const other = await request(t.app).get(`${fixture.url}/results?lang=pt`)
    expect(other.headers.etag).not.toBe(first.headers.etag)
    expect(other.text).toContain('<html lang="pt-BR">')
    const byDistrict = await request(t.app).get(`${url}&by=district`)
    expect(byDistrict.headers.etag).not.toBe(first.headers.etag)
    // The minimum group size moves the results version: the kept page is not shown again.
    await sql`update survey_series set min_group_size = 1000 where id = ${fixture.seriesId}`.execute(
      t.services.db,
    )
    const changed = await request(t.app).get(url).set('If-None-Match', first.headers.etag!)
    expect(changed.status).toBe(200)
    expect(changed.headers.etag).not.toBe(first.headers.etag)
    expect(changed.text).not.toBe(first.text)
    await sql`update survey_series set min_group_size = 30 where id = ${fixture.seriesId}`.execute(
      t.services.db,
    )
  })
})

describe('every text response', () => {
  it('is compressed when the reader accepts it: pages, the stylesheet, the API', async () => {
    for (const url of ['/', fixture.url, '/static/pulso.css', '/api/v1/openapi.json']) {
      const res = await raw(url, { 'Accept-Encoding': 'gzip, br' })
      expect(res.status, url).toBe(200)
      expect(res.headers['content-encoding'], url).toMatch(/^(br|gzip)$/)
    }
  })
})

describe('static files', () => {
  it('are linked under addresses that carry their version, cached for a year; others revalidate', async () => {
    const home = await request(t.app).get('/')
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(home.text)![1]!
    expect(href).toMatch(/^\/static\/pulso\.css\?v=[\w-]{10}$/)
    const versioned = await request(t.app).get(href)
    expect(versioned.status).toBe(200)
    expect(versioned.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const stale = await request(t.app).get('/static/pulso.css?v=old')
    expect(stale.headers['cache-control']).toBe('no-cache')
    // No favicon request to fail: the icon is in the page.
    expect(home.text).toMatch(/<link rel="icon" href="data:image\/svg\+xml,/)
  })
})
