// Submissions per second at 50 connections on PostgreSQL: a citizen's last page, which stores the
// response, against a bare Express + pg handler that runs the same SQL statements without our
// middleware. Every request submits a different respondent's draft, so each one stores a response.
import { createHash } from 'node:crypto'
import autocannon from 'autocannon'
import express from 'express'
import { sql } from 'kysely'
import pg from 'pg'
import { listen } from './listen.ts'
import { benchApp, benchSchema, benchSurvey, cookiesOf } from './setup.ts'

const DRAFTS = 100_000
const hash = (key: string) => createHash('sha256').update(key).digest('base64url')
// A draft key as the survey's cookie holds it (32 characters), numbered per benchmark side.
const draftKey = (side: 'a' | 'b', i: number) => `${side}${String(i).padStart(31, '0')}`

export async function submissionBenchmark(url: string, seconds: number, rounds = 3) {
  const { schema, db, drop } = await benchSchema(url, 'bench_submit')
  const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${schema}` })
  try {
    const { waveId } = await benchSurvey(db)
    const server = await listen(benchApp(db))
    const survey = `${server.url}/s/bench-city/perception`

    // One respondent answers every page but the last, through the app; their draft is the template.
    const landing = await fetch(survey)
    const csrfCookie = cookiesOf(landing).join('; ')
    const token = /name="_csrf" value="([^"]+)"/.exec(await landing.text())![1]!
    const post = (path: string, cookie: string, fields: Record<string, string>) =>
      fetch(`${survey}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, ...fields }).toString(),
      })
    const started = await post('/start', csrfCookie, {})
    const cookie = [csrfCookie, ...cookiesOf(started)].join('; ')
    await post('/p/1', cookie, { a_interest: '4', a_aware: 'no' })
    await post('/p/3', cookie, { a_keep_investing: '4' })
    await post('/p/4', cookie, { a_district: 'puerto', a_age_band: '30_44' })
    const lastPage = '/p/5'
    const lastFields = { a_years_resident: '3' }
    const template = await sql<{ answers: unknown }>`
      select answers from survey_draft where wave_id = ${waveId}`.execute(db)
    const answers = JSON.stringify(template.rows[0]!.answers)
    for (const side of ['a', 'b'] as const) {
      const rows = Array.from({ length: DRAFTS }, (_, i) => draftKey(side, i))
      for (let start = 0; start < rows.length; start += 5000) {
        await sql`insert into survey_draft (key_hash, wave_id, answers)
          select unnest(${rows.slice(start, start + 5000).map(hash)}::text[]), ${waveId}, ${answers}::jsonb`.execute(
          db,
        )
      }
    }

    // The bare handler: the statements Pulso runs for a last page, on one pg pool, no middleware.
    const questionIds = await sql<{ id: number; code: string; type: string }>`
      select id, code, type from question where wave_id = ${waveId}`.execute(db)
    const idOf = new Map(questionIds.rows.map((q) => [q.code, q.id]))
    const bare = express()
    bare.use(express.urlencoded({ extended: false }))
    bare.post('/s/:org/:series/p/:page', async (req, res) => {
      const key = /pulso_response=([A-Za-z0-9_-]{32})/.exec(req.get('cookie') ?? '')?.[1]
      const keyHash = hash(key!)
      try {
        // The survey and the respondent's draft in one query, as Pulso reads them.
        const found = await pool.query<{ wave_id: number; answers: Record<string, unknown> }>(
          `select w.id as wave_id, s.title, o.name, w.status, w.opens_at, w.closes_at, w.access_mode, d.answers
           from survey_series s join organization o on o.id = s.organization_id
           join wave w on w.series_id = s.id
           left join survey_draft d on d.key_hash = $3 and d.wave_id = w.id
           where o.slug = $1 and s.code = $2
           order by w.status = 'open' desc, w.year desc limit 1`,
          [req.params.org, req.params.series, keyHash],
        )
        const { wave_id: waveId, answers: drafted } = found.rows[0]!
        const form = req.body as Record<string, string>
        const all = { ...drafted, years_resident: Number(form.a_years_resident) }
        const rows = Object.entries(all).map(([code, value]) => {
          const numeric = typeof value === 'number' || /^\d+$/.test(String(value))
          return {
            question_id: idOf.get(code),
            option_code: String(value),
            value_number: numeric ? Number(value) : null,
            value_text: null,
          }
        })
        // The response, its answers and the draft's removal in one statement, as Pulso stores them.
        await pool.query(
          `with stored as (
             insert into response (wave_id, language, channel, idempotency_key) values ($1, 'es', 'web', $2)
             on conflict (idempotency_key) do nothing returning id
           ), answered as (
             insert into answer (response_id, wave_id, question_id, option_code, value_number, value_text)
             select stored.id, $1, a.question_id, a.option_code, a.value_number, a.value_text
             from stored cross join jsonb_to_recordset($3::jsonb)
               as a(question_id integer, option_code text, value_number double precision, value_text text)
           ), forgotten as (delete from survey_draft where key_hash = $2)
           select id from stored`,
          [waveId, keyHash, JSON.stringify(rows)],
        )
        res.redirect(303, `/s/${req.params.org}/${req.params.series}/thanks`)
      } catch (error) {
        res.status(500).send(String(error))
      }
    })
    const baseline = await listen(bare)

    const responses = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from response`.execute(db)).rows[0]!.n
    // Drafts are numbered per side across rounds, so every request of every round stores a response.
    const sent = { a: 0, b: 0 }
    const run = async (target: string, side: 'a' | 'b') => {
      const before = await responses()
      const first = sent[side]
      const result = await autocannon({
        url: `${target}/s/bench-city/perception${lastPage}`,
        connections: 50,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, ...lastFields }).toString(),
        requests: [
          {
            setupRequest: (request) => ({
              ...request,
              headers: {
                ...request.headers,
                cookie: `${csrfCookie}; pulso_response=${draftKey(side, sent[side]++ % DRAFTS)}`,
              },
            }),
          },
        ],
      })
      await new Promise((resolve) => setTimeout(resolve, 1000)) // requests still in flight finish
      const stored = (await responses()) - before
      return {
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        acknowledged: result['3xx'],
        other: result['2xx'] + result['4xx'] + result['5xx'] + result.errors,
        stored,
        requests: sent[side] - first,
      }
    }
    type Run = Awaited<ReturnType<typeof run>>
    // Interleaved rounds (the machine's swing moves both sides alike), medians.
    const measured: { base: Run; ours: Run }[] = []
    for (let round = 0; round < rounds; round++)
      measured.push({ base: await run(baseline.url, 'b'), ours: await run(server.url, 'a') })
    baseline.close()
    server.close()
    const median = (pick: (r: (typeof measured)[number]) => Run) =>
      measured.map(pick).sort((x, y) => x.rps - y.rps)[Math.floor(measured.length / 2)]!
    const total = (pick: (r: (typeof measured)[number]) => Run) =>
      measured.map(pick).reduce(
        (sum, r) => ({
          acknowledged: sum.acknowledged + r.acknowledged,
          stored: sum.stored + r.stored,
          requests: sum.requests + r.requests,
        }),
        { acknowledged: 0, stored: 0, requests: 0 },
      )
    return {
      base: median((r) => r.base),
      ours: median((r) => r.ours),
      ratios: measured.map((r) => r.ours.rps / r.base.rps).sort((x, y) => x - y),
      oursTotal: total((r) => r.ours),
    }
  } finally {
    await pool.end()
    await drop()
  }
}
