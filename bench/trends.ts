// The trend page over three waves of BENCH_TREND_RESPONSES (default 1,000,000) responses each, on the
// real PostgreSQL server: how long tallying a bulk import takes, the page cold (a fresh process, or
// right after a change) and when nothing changed.
import autocannon from 'autocannon'
import express from 'express'
import { sql } from 'kysely'
import { type Db } from '../src/db/database.ts'
import { DEMO_INDICATORS, demoMargins } from '../src/demo/demo-data.ts'
import { perceptionQuestionnaire } from '../src/demo/perception-questionnaire.ts'
import { insertQuestions, insertWave } from '../src/questionnaire/questionnaire.repository.ts'
import { foldNewResponses, replaceMargins, saveIndicator } from '../src/results/results.repository.ts'
import { listen } from './listen.ts'
import { benchApp, benchSchema, benchSeries } from './setup.ts'
import { listenForResultsChanges } from '../src/results/results-changes.ts'
import { loadQuestionnaire } from '../src/survey/survey.repository.ts'

const YEARS = [2024, 2025, 2026]

const seconds = async <T>(work: () => Promise<T>) => {
  const begin = performance.now()
  await work()
  return (performance.now() - begin) / 1000
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** Answers for every respondent of a wave, drawn in SQL (awareness and interest rising year to year). */
export async function generateWave(db: Db, waveId: number, year: number, count: number) {
  await sql`insert into response (wave_id, language, channel, idempotency_key, submitted_at)
    select ${waveId}, (array['es', 'es', 'es', 'fr', 'pt'])[1 + floor(random() * 5)::int], 'imported',
      'bench-' || ${waveId} || '-' || i, make_date(${year}, 10, 1)
    from generate_series(1, ${count}) i`.execute(db)
  const questionnaire = await loadQuestionnaire(db, waveId)
  const lift = (year - 2024) * 0.05
  for (const q of questionnaire.questions) {
    const answered = q.isProfile ? 0.98 : 0.9
    const codes = q.options.map((o) => o.code)
    if (q.type === 'multiple_choice') {
      for (const code of codes)
        await sql`insert into answer (response_id, wave_id, question_id, option_code)
          select id, wave_id, ${q.id}, ${code} from response where wave_id = ${waveId} and random() < 0.3`.execute(
          db,
        )
    } else if (q.type === 'scale_0_10' || q.type === 'number') {
      await sql`insert into answer (response_id, wave_id, question_id, value_number)
        select id, wave_id, ${q.id}, least(10, floor(random() * (11 + ${lift * 10}::float8))::int)
        from response where wave_id = ${waveId} and random() < ${answered}`.execute(db)
    } else if (codes.length > 0) {
      // The first options are drawn a little less each year (for yes/no: "yes" more, for scales: higher).
      const pick =
        q.type === 'yes_no'
          ? sql`case when random() < ${0.35 + lift} then 'yes' when random() < 0.9 then 'no' else 'dont_know' end`
          : sql`(${sql.val(codes)}::text[])[1 + floor(random() * ${codes.length})::int]`
      await sql`insert into answer (response_id, wave_id, question_id, option_code, value_number)
        select id, wave_id, ${q.id}, code, case when code ~ '^[0-9]+$' then code::float8 end
        from (select id, wave_id, ${pick} as code from response where wave_id = ${waveId} and random() < ${answered}) r`.execute(
        db,
      )
    }
  }
}

/** Three closed waves of the demo questionnaire with its margins and indicators, drawn in SQL. */
export async function trendSeries(db: Db, responsesPerWave: number) {
  const seriesId = await benchSeries(db)
  for (const [position, indicator] of DEMO_INDICATORS.entries())
    await saveIndicator(db, seriesId, { ...indicator, position })
  const waveIds: number[] = []
  let generating = 0
  for (const year of YEARS) {
    const waveId = await insertWave(db, { seriesId, year, status: 'closed' })
    waveIds.push(waveId)
    await insertQuestions(db, waveId, perceptionQuestionnaire)
    await replaceMargins(db, waveId, demoMargins(year))
    generating += await seconds(() => generateWave(db, waveId, year, responsesPerWave))
  }
  await sql`analyze`.execute(db)
  return { waveIds, generating }
}

export async function trendBenchmark(url: string, responsesPerWave: number) {
  const { db, drop } = await benchSchema(url, 'bench_trends')
  try {
    const { waveIds, generating } = await trendSeries(db, responsesPerWave)
    const answers = await sql<{ n: number }>`select count(*)::int as n from answer`.execute(db)

    // Tallying: what `responses:import` does after storing a file (and a reader after live submissions).
    const tallying: number[] = []
    for (const waveId of waveIds) tallying.push(await seconds(() => foldNewResponses(db, waveId)))

    const page = '/s/bench-city/perception/results?by=district'
    const appOf = () => benchApp(db)
    const get = async (base: string) => {
      const res = await fetch(base + page)
      if (res.status !== 200) throw new Error(`the trend page answered ${res.status}`)
      return res.text()
    }

    // Cold: a fresh process (nothing in memory), five times.
    const cold: number[] = []
    for (let i = 0; i < 5; i++) {
      const server = await listen(appOf())
      cold.push(await seconds(() => get(server.url)))
      server.close()
    }

    // Nothing changed: one reader at a time, then 10 at once.
    const server = await listen(appOf())
    await get(server.url)
    const warm: number[] = []
    for (let i = 0; i < 100; i++) warm.push(await seconds(() => get(server.url)))
    const loaded = await autocannon({ url: server.url + page, connections: 10, duration: 5 })
    await new Promise((resolve) => setTimeout(resolve, 1000)) // let the last requests finish

    // A change since the last computation: one response imported into the last wave, then new margins.
    const lastWave = waveIds.at(-1)!
    const afterResponses: number[] = []
    for (let i = 0; i < 5; i++) {
      await sql`insert into response (wave_id, language, channel, idempotency_key)
        values (${lastWave}, 'es', 'imported', ${`bench-late-${i}`})`.execute(db)
      afterResponses.push(await seconds(() => get(server.url)))
    }
    const afterResponse = percentile(afterResponses, 50)
    await replaceMargins(db, lastWave, demoMargins(2027))
    const afterMargins = await seconds(() => get(server.url))
    server.close()

    return {
      responsesPerWave,
      answers: answers.rows[0]!.n,
      generating,
      tallying,
      cold,
      warm: { p50: percentile(warm, 50), p99: percentile(warm, 99) },
      loaded: {
        rps: loaded.requests.average,
        p50: loaded.latency.p50,
        p99: loaded.latency.p99,
        non2xx: loaded.non2xx,
      },
      afterResponse,
      afterMargins,
    }
  } finally {
    await drop()
  }
}

type Load = { rps: number; p50: number; p99: number; non2xx: number; errors: number }
const loadOf = async (target: string, seconds: number, headers: Record<string, string>): Promise<Load> => {
  const r = await autocannon({ url: target, connections: 50, duration: seconds, headers })
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  }
}

/**
 * After a press release: the public results page of a 3 × `responsesPerWave` series, read by 50
 * connections with a browser's Accept-Encoding, against bare Express sending the same bytes (and
 * headers) from memory; interleaved rounds, medians.
 */
export async function publicResultsBenchmark(
  url: string,
  responsesPerWave: number,
  seconds: number,
  rounds = 3,
) {
  const { db, schema, drop } = await benchSchema(url, 'bench_results')
  // As the server runs on PostgreSQL: the kept page is answered while the change feed hears nothing.
  const changes = listenForResultsChanges({ url, searchPath: schema })
  try {
    const { waveIds } = await trendSeries(db, responsesPerWave)
    for (const waveId of waveIds) await foldNewResponses(db, waveId)
    const page = '/s/bench-city/perception/results?by=district&lang=es'
    const headers = { 'accept-encoding': 'gzip, deflate, br' }
    const server = await listen(benchApp(db, changes))
    const first = await fetch(server.url + page, { headers })
    if (first.status !== 200) throw new Error(`the results page answered ${first.status}`)
    const html = await first.text()
    // The bytes as they travel: fetch decodes them, so they are read again without decoding.
    const encoding = first.headers.get('content-encoding') ?? 'identity'
    const wire = await new Promise<Buffer>((resolve, reject) => {
      void import('node:http').then(({ get }) =>
        get(server.url + page, { headers }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve(Buffer.concat(chunks)))
        }).on('error', reject),
      )
    })
    const bare = express()
    bare.set('etag', false)
    bare.get('/', (_req, res) => {
      res.set({
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Encoding': encoding,
        'Cache-Control': 'no-cache',
        ETag: first.headers.get('etag') ?? '',
      })
      res.send(wire)
    })
    const baseline = await listen(bare)
    const measured: { base: Load; ours: Load }[] = []
    for (let round = 0; round < rounds; round++)
      measured.push({
        base: await loadOf(baseline.url, seconds, headers),
        ours: await loadOf(server.url + page, seconds, headers),
      })
    baseline.close()
    server.close()
    const median = (pick: (r: (typeof measured)[number]) => Load) =>
      measured.map(pick).sort((a, b) => a.rps - b.rps)[Math.floor(measured.length / 2)]!
    return {
      htmlBytes: Buffer.byteLength(html),
      wireBytes: wire.length,
      encoding,
      base: median((r) => r.base),
      ours: median((r) => r.ours),
      ratios: measured.map((r) => r.ours.rps / r.base.rps).sort((a, b) => a - b),
    }
  } finally {
    await changes.close()
    await drop()
  }
}
