// Benchmarks: `npm run bench` (needs the PostgreSQL server at BENCH_DATABASE_URL, default the local one).
// Each figure is measured against a baseline in the same run, so ratios mean something on a noisy machine.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import ejs from 'ejs'
import express from 'express'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { createApp } from '../src/app.ts'
import { openDatabase } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { perceptionQuestionnaire } from '../src/demo/perception-questionnaire.ts'
import {
  insertOrganization,
  insertQuestions,
  insertSeries,
  insertWave,
} from '../src/questionnaire/questionnaire.repository.ts'
import { createServices } from '../src/services.ts'
import { listen } from './listen.ts'
import { trendBenchmark } from './trends.ts'

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const seconds = Number(process.env.BENCH_SECONDS ?? 10)

async function load(target: string, headers: Record<string, string> = {}) {
  const result = await autocannon({ url: target, connections: 50, duration: seconds, headers })
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  }
}

async function surveyPageBenchmark() {
  const schema = `bench_${randomBytes(4).toString('hex')}`
  const admin = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
  })
  await sql`create schema ${sql.id(schema)}`.execute(admin)
  const db = openDatabase({ kind: 'postgres', url, searchPath: schema, poolSize: 10 })
  try {
    await migrateToLatest(db, schema)
    const organizationId = await insertOrganization(db, { slug: 'bench-city', name: 'Bench City' })
    const seriesId = await insertSeries(db, {
      organizationId,
      code: 'perception',
      title: { es: 'Percepción', fr: 'Perception', pt: 'Perceção' },
    })
    const waveId = await insertWave(db, { seriesId, year: 2026, status: 'open' })
    await insertQuestions(db, waveId, perceptionQuestionnaire)
    const app = createApp(createServices(db, { secret: 'x'.repeat(32) }), {
      production: true,
      trustProxy: 'false',
      submitRateLimit: { limit: 1_000_000, windowMs: 60_000 },
      log: () => {},
    })
    const server = await listen(app)
    // A citizen's first question page, with its cookies: the page the press announcement sends people to.
    const start = await fetch(`${server.url}/s/bench-city/perception`)
    const cookies = start.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
    const token = /name="_csrf" value="([^"]+)"/.exec(await start.text())![1]!
    const started = await fetch(`${server.url}/s/bench-city/perception/start`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(token)}`,
    })
    const allCookies = [cookies, ...started.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ')
    const pageUrl = `${server.url}/s/bench-city/perception/p/1`
    const html = await (await fetch(pageUrl, { headers: { cookie: allCookies } })).text()

    // Baseline: bare Express + EJS rendering the same HTML from memory.
    const template = ejs.compile('<%- html %>')
    const bare = express()
    bare.get('/', (_req, res) => {
      res.type('html').send(template({ html }))
    })
    const baseline = await listen(bare)
    const base = await load(baseline.url)
    const ours = await load(pageUrl, { cookie: allCookies })
    baseline.close()
    server.close()
    return { base, ours, bytes: Buffer.byteLength(html) }
  } finally {
    await db.destroy()
    await sql`drop schema ${sql.id(schema)} cascade`.execute(admin)
    await admin.destroy()
  }
}

async function coldStart() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulso-bench-'))
  const begin = performance.now()
  const db = openDatabase({ kind: 'pglite', dataDir: dir })
  await migrateToLatest(db)
  const first = performance.now() - begin
  const rss = process.memoryUsage().rss
  await db.destroy()
  const again = performance.now()
  const reopened = openDatabase({ kind: 'pglite', dataDir: dir })
  await sql`select 1`.execute(reopened)
  const reopen = performance.now() - again
  await reopened.destroy()
  rmSync(dir, { recursive: true, force: true })
  return { first, reopen, rss }
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
console.log(
  `Pulso benchmarks — ${new Date().toISOString()} — ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
)
// `npm run bench` runs them all; `npm run bench -- trends page cold` runs some.
const only = new Set(process.argv.slice(2))
const wanted = (name: string) => only.size === 0 || only.has(name)

if (wanted('page')) {
  const page = await surveyPageBenchmark()
  console.log(`Survey page (${page.bytes} bytes), ${seconds} s at 50 connections:`)
  console.log(
    `  bare Express + EJS from memory: ${page.base.rps.toFixed(0)} req/s, p50 ${page.base.p50} ms, p99 ${page.base.p99} ms`,
  )
  console.log(
    `  Pulso (session, draft, questionnaire from PostgreSQL): ${page.ours.rps.toFixed(0)} req/s, p50 ${page.ours.p50} ms, p99 ${page.ours.p99} ms, non-2xx ${page.ours.non2xx}, errors ${page.ours.errors}`,
  )
  console.log(`  ratio ${(page.ours.rps / page.base.rps).toFixed(2)} (target ≥ 0.5)`)
}
if (wanted('cold')) {
  const cold = await coldStart()
  console.log(
    `Embedded PGlite: fresh data folder + migrations ${(cold.first / 1000).toFixed(1)} s, reopen ${(cold.reopen / 1000).toFixed(1)} s, RSS ${(cold.rss / 2 ** 20).toFixed(0)} MiB`,
  )
}
if (wanted('trends')) {
  const n = Number(process.env.BENCH_TREND_RESPONSES ?? 1_000_000)
  const r = await trendBenchmark(url, n)
  const s = (x: number) => `${x.toFixed(2)} s`
  const ms = (x: number) => `${(x * 1000).toFixed(0)} ms`
  console.log(
    `Trend page, 3 waves × ${n.toLocaleString('en')} responses (${r.answers.toLocaleString('en')} answer rows), all indicators overall and by district, weights recomputed:`,
  )
  console.log(
    `  generating the data in SQL: ${s(r.generating)}; tallying each wave once (as responses:import does): ${r.tallying.map(s).join(', ')}`,
  )
  console.log(`  cold (fresh process, 5 runs): ${r.cold.map(ms).join(', ')} (target < 1 s)`)
  console.log(`  nothing changed, one reader: p50 ${ms(r.warm.p50)}, p99 ${ms(r.warm.p99)} (target < 50 ms)`)
  console.log(
    `  nothing changed, 10 readers for 5 s: ${r.loaded.rps.toFixed(0)} req/s, p50 ${r.loaded.p50} ms, p99 ${r.loaded.p99} ms, non-2xx ${r.loaded.non2xx}`,
  )
  console.log(
    `  after one more response in a wave (median of 5): ${ms(r.afterResponse)}; after new margins: ${ms(r.afterMargins)}`,
  )
}
