// 200 respondents answering the whole survey at once for 60 s against the app as its own process on
// PostgreSQL; with faults, PostgreSQL is stopped and restarted, then the app is killed and restarted,
// in the middle of it. Afterwards every acknowledged response must be stored, and none twice.
import { insertWave } from '../src/questionnaire/questionnaire.repository.ts'
import { createStaffService } from '../src/staff/staff.service.ts'
import { benchSchema, benchSurvey, cookiesOf } from './setup.ts'
import { signInOver, sleep, startAppProcess } from '../test/helpers/app-process.ts'
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'

/** The local PostgreSQL cluster, as `pg_ctlcluster` names it. */
function cluster(action: 'stop' | 'start') {
  const version = readdirSync('/etc/postgresql')[0]!
  const result = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', action], {
    encoding: 'utf8',
  })
  if (result.status !== 0) throw new Error(`pg_ctlcluster ${action}: ${result.stderr}`)
}

export async function loadBenchmark(
  url: string,
  options: {
    seconds: number
    respondents: number
    faults: boolean
    /** Workbooks a designer uploads one after another into a draft wave while the respondents answer. */
    uploads?: { name: string; file: Buffer }[]
  },
) {
  const { schema, db, drop } = await benchSchema(url, 'bench_load')
  const { seriesId } = await benchSurvey(db)
  const designer = { email: 'designer@bench.example.org', password: 'violet tractor umbrella' }
  if (options.uploads) {
    await insertWave(db, { seriesId, year: 2027, status: 'draft' })
    const organization = await db.selectFrom('organization').select('id').executeTakeFirstOrThrow()
    await createStaffService(db).createUser(null, {
      organizationId: organization.id,
      role: 'designer',
      ...designer,
    })
  }
  await db.destroy()

  const appUrl = new URL(url)
  appUrl.searchParams.set('options', `-c search_path=${schema}`)
  const port = 3900 + Math.floor(Math.random() * 90)
  const base = `http://127.0.0.1:${port}`
  const survey = `${base}/s/bench-city/perception`
  let app = await startAppProcess({
    databaseUrl: appUrl.toString(),
    port,
    logFile: `/tmp/pulso-load-app-${port}.log`,
  })
  const rss: number[] = []
  const rssTimer = setInterval(() => {
    const status = spawnSync('ps', ['-o', 'rss=', '-p', String(app.pid)], { encoding: 'utf8' })
    const kb = Number(status.stdout.trim())
    if (kb) rss.push(kb * 1024)
  }, 1000)

  const counts = { acknowledged: 0, started: 0, abandoned: 0, status503: 0, status5xx: 0, networkErrors: 0 }
  const latencies: number[] = []
  const events: string[] = []
  const t0 = Date.now()
  const stopAt = t0 + options.seconds * 1000

  async function respondent(worker: number) {
    const cookies = new Map<string, string>()
    const keep = (res: Response) => {
      for (const c of cookiesOf(res)) cookies.set(c.split('=')[0]!, c)
    }
    const header = () => [...cookies.values()].join('; ')
    const landing = await fetch(survey, { headers: { cookie: header() } })
    if (landing.status === 503) counts.status503 += 1
    else if (landing.status >= 500) counts.status5xx += 1
    if (landing.status !== 200) return false
    keep(landing)
    const token = /name="_csrf" value="([^"]+)"/.exec(await landing.text())?.[1] ?? ''
    const post = async (page: string, fields: Record<string, string>, expected: string) => {
      const begin = performance.now()
      const res = await fetch(`${survey}${page}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, ...fields }).toString(),
      })
      keep(res)
      await res.arrayBuffer()
      if (res.status === 503) counts.status503 += 1
      else if (res.status >= 500) counts.status5xx += 1
      if (page === '/p/5') latencies.push(performance.now() - begin)
      return res.status === 303 && res.headers.get('location')?.endsWith(expected)
    }
    counts.started += 1
    const district = ['centro', 'puerto', 'alameda', 'san_blas', 'colinas', 'vega_norte'][worker % 6]!
    return (
      (await post('/start', {}, '/p/1')) &&
      (await post('/p/1', { a_interest: String(1 + (worker % 5)), a_aware: 'no' }, '/p/3')) &&
      (await post('/p/3', { a_keep_investing: '4' }, '/p/4')) &&
      (await post('/p/4', { a_district: district, a_age_band: '30_44' }, '/p/5')) &&
      (await post('/p/5', { a_years_resident: String(worker % 40) }, '/thanks'))
    )
  }

  async function worker(n: number) {
    while (Date.now() < stopAt) {
      try {
        if (await respondent(n)) counts.acknowledged += 1
        else {
          counts.abandoned += 1
          await sleep(100)
        }
      } catch {
        counts.networkErrors += 1
        counts.abandoned += 1
        await sleep(200)
      }
    }
  }

  async function faults() {
    await sleep((options.seconds * 1000) / 4)
    cluster('stop')
    const stoppedAt = Date.now()
    events.push(`PostgreSQL stopped at ${((stoppedAt - t0) / 1000).toFixed(0)} s`)
    await sleep(1500)
    const ready = await fetch(`${base}/readyz`)
    const page = await fetch(survey, { headers: { 'accept-language': 'fr' } })
    const text = await page.text()
    events.push(
      `during the outage: /readyz ${ready.status}, survey page ${page.status} "${/<title>([^<]*)/.exec(text)?.[1] ?? ''}" (lang ${/<html lang="(\w+)"/.exec(text)?.[1]})`,
    )
    await sleep(3500)
    cluster('start')
    const startedAt = Date.now()
    for (;;) {
      try {
        if ((await fetch(`${base}/readyz`)).status === 200) break
      } catch {
        // the app is still reconnecting
      }
      await sleep(100)
    }
    events.push(
      `PostgreSQL back after ${((startedAt - stoppedAt) / 1000).toFixed(1)} s; the app ready again ${((Date.now() - startedAt) / 1000).toFixed(1)} s later, by itself`,
    )
    await sleep((options.seconds * 1000) / 4)
    app.kill('SIGKILL')
    events.push(
      `app killed (SIGKILL) at ${((Date.now() - t0) / 1000).toFixed(0)} s with submissions in flight`,
    )
    app = await startAppProcess({
      databaseUrl: appUrl.toString(),
      port,
      logFile: `/tmp/pulso-load-app-${port}.log`,
    })
    events.push(`app restarted at ${((Date.now() - t0) / 1000).toFixed(0)} s`)
  }

  async function uploads() {
    const staffCookie = (await signInOver(base, designer.email, designer.password)).cookie
    const wavePage = await fetch(`${base}/staff/series/perception/waves/2027`, {
      headers: { cookie: staffCookie },
    })
    const staffToken = /name="_csrf" value="([^"]+)"/.exec(await wavePage.text())![1]!
    await sleep(2000)
    for (const upload of options.uploads!) {
      const form = new FormData()
      form.append('form', new Blob([upload.file]), 'form.xlsx')
      const begin = performance.now()
      const res = await fetch(
        `${base}/staff/series/perception/waves/2027/import?_csrf=${encodeURIComponent(staffToken)}`,
        { method: 'POST', headers: { cookie: staffCookie }, body: form },
      )
      const text = await res.text()
      const reason = /<li>([^<]*)<\/li>/.exec(text.slice(text.indexOf('error-summary')))?.[1] ?? ''
      events.push(
        `${upload.name} (${(upload.file.length / 1024).toFixed(0)} KB): ${res.status} in ${(performance.now() - begin).toFixed(0)} ms, "${reason.trim()}"`,
      )
      await sleep(2000)
    }
  }

  await Promise.all([
    ...Array.from({ length: options.respondents }, (_, i) => worker(i)),
    ...(options.faults ? [faults()] : []),
    ...(options.uploads ? [uploads()] : []),
  ])
  clearInterval(rssTimer)
  app.kill('SIGTERM')
  const check = new Kysely<unknown>({
    dialect: new PostgresDialect({
      pool: new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` }),
    }),
  })
  const stored = (await sql<{ n: number }>`select count(*)::int as n from response`.execute(check)).rows[0]!.n
  const doubled = (
    await sql<{ n: number }>`select count(*)::int as n from (select idempotency_key from response
      group by idempotency_key having count(*) > 1) d`.execute(check)
  ).rows[0]!.n
  await check.destroy()
  await drop()
  latencies.sort((a, b) => a - b)
  return {
    ...counts,
    stored,
    doubled,
    events,
    submitP50: latencies[Math.floor(latencies.length / 2)] ?? 0,
    submitP99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    peakRss: Math.max(0, ...rss),
  }
}
