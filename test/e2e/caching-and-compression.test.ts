import { once } from 'node:events'
import { get, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync, brotliDecompressSync } from 'node:zlib'
import { sql, type KyselyPlugin } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { createLogger } from '../../src/logger.ts'
import { listenForResultsChanges } from '../../src/results/results-changes.ts'
import { createServices } from '../../src/services.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { testDatabaseKind, testDatabaseUrl } from '../helpers/test-database.ts'
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

describe('after a press release', () => {
  // The app over the same schema with every query it makes counted (a Kysely plugin on its pool).
  function countedApp() {
    const counted = { queries: 0 }
    const plugin: KyselyPlugin = {
      transformQuery: (args) => {
        counted.queries++
        return args.node
      },
      transformResult: (args) => Promise.resolve(args.result),
    }
    const changes = testDatabaseUrl
      ? listenForResultsChanges({ url: testDatabaseUrl, searchPath: t.database.schema })
      : undefined
    const services = createServices(t.services.db.withPlugin(plugin), {
      secret: 'test-secret-test-secret-test-secret!',
      ...(changes ? { resultsChanges: changes } : {}),
    })
    const app = createApp(services, {
      production: true,
      trustProxy: 'false',
      submitRateLimit: { limit: 100_000, windowMs: 60_000 },
      logger: createLogger({ level: 'silent' }),
    })
    return { app, counted, close: async () => changes?.close() }
  }

  it('renders a page once for many readers arriving together, then answers it from memory', async () => {
    const url = `${fixture.url}/results?lang=fr&by=age_band`
    const alone = countedApp()
    expect((await request(alone.app).get(url)).status).toBe(200)
    const oneRendering = alone.counted.queries
    await alone.close()
    expect(oneRendering).toBeGreaterThan(3)

    // A fresh instance (nothing kept) as thirty readers open the page at once.
    const rush = countedApp()
    try {
      const pages = await Promise.all(Array.from({ length: 30 }, () => request(rush.app).get(url)))
      expect(new Set(pages.map((p) => p.status))).toEqual(new Set([200]))
      expect(new Set(pages.map((p) => p.headers.etag)).size).toBe(1)
      // Each reader looks the series up at most once; the page itself is made once.
      expect(rush.counted.queries).toBeLessThanOrEqual(oneRendering + 30)

      rush.counted.queries = 0
      for (let i = 0; i < 20; i++) expect((await request(rush.app).get(url)).status).toBe(200)
      // On a server, the change feed vouches for the kept page: no query at all. Embedded, one
      // query per view (the series and its version), as one process serves everything.
      expect(rush.counted.queries).toBe(testDatabaseKind === 'postgres' ? 0 : 20)
    } finally {
      await rush.close()
    }
  })

  it('shows, on the next view of a kept page, what another instance changed', async () => {
    const reader = countedApp()
    const elsewhere = t.database.reopen()
    const url = `${fixture.url}/results?lang=fr`
    const view = async () => {
      const res = await request(reader.app).get(url)
      expect(res.status).toBe(200)
      return res.text
    }
    try {
      const first = await view()
      expect(await view()).toBe(first)
      // The organization's French name, given on another instance.
      await sql`update organization set names = names || '{"fr": "Ville Témoin"}'::jsonb
        where id = (select organization_id from survey_series where id = ${fixture.seriesId})`.execute(
        elsewhere,
      )
      const renamed = await view()
      expect(renamed).toContain('Ville Témoin')
      // A wave closed there: published here at once.
      expect(renamed).not.toContain('2025')
      await sql`update wave set status = 'closed' where id = ${fixture.waveIds[2025]!}`.execute(elsewhere)
      const closed = await view()
      expect(closed).toContain('2025')
      await sql`update wave set status = 'open' where id = ${fixture.waveIds[2025]!}`.execute(elsewhere)
      expect(await view()).not.toContain('2025')
    } finally {
      await reader.close()
      if (testDatabaseKind === 'postgres') await elsewhere.destroy()
    }
  })

  it('stays current when the change feed’s connection is lost, and hears again once it is back', async () => {
    if (testDatabaseKind !== 'postgres') return
    const reader = countedApp()
    const url = `${fixture.url}/results?lang=es`
    try {
      expect((await request(reader.app).get(url)).status).toBe(200)
      // The server ends the feed's connection (a restart, a failover, an administrator).
      const ended = await sql<{
        ended: boolean
      }>`select pg_terminate_backend(pid) as ended from pg_stat_activity
        where application_name = ${`pulso results feed ${t.database.schema}`}`.execute(t.services.db)
      expect(ended.rows.length).toBeGreaterThan(0)
      await sql`update survey_series set min_group_size = 1000 where id = ${fixture.seriesId}`.execute(
        t.services.db,
      )
      const meanwhile = await request(reader.app).get(url)
      expect(meanwhile.status).toBe(200)
      expect(meanwhile.text).toContain('1000')
      await sql`update survey_series set min_group_size = 30 where id = ${fixture.seriesId}`.execute(
        t.services.db,
      )
      expect((await request(reader.app).get(url)).text).not.toContain('1000')
      // Listening again after a second: kept pages come from memory again.
      await new Promise((resolve) => setTimeout(resolve, 1200))
      await request(reader.app).get(url)
      reader.counted.queries = 0
      await request(reader.app).get(url)
      expect(reader.counted.queries).toBe(0)
    } finally {
      await reader.close()
    }
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
