import { spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { awareQuestion, buildSurvey } from '../fixtures/survey-builder.ts'
import { sleep, startAppProcess, freePort } from '../helpers/app-process.ts'
import { testDatabaseUrl } from '../helpers/test-database.ts'

// PostgreSQL stopped and restarted, and the app killed, while respondents submit: on a private cluster
// of its own (initdb as the postgres user), so the rest of the suite's server is never touched.
const version = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql')[0] : undefined
const bin = version ? `/usr/lib/postgresql/${version}/bin` : ''
// Run once, in the suite's PostgreSQL pass, where the server's binaries are known to be installed.
const canRun = !!testDatabaseUrl && process.getuid?.() === 0 && !!version && existsSync(`${bin}/initdb`)

// Ports the system says are free now (fixed ranges met other test files' servers).
const [dbPort, appPort] = await Promise.all([freePort(), freePort()])
const base = `http://127.0.0.1:${appPort}`
const databaseUrl = `postgres://postgres@127.0.0.1:${dbPort}/postgres`
let dataDir = ''
let app: ChildProcess | undefined
let surveyUrl = ''

const asPostgres = (args: string[]) => {
  const result = spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${args[0]}: ${result.stderr}`)
}
const cluster = (action: 'start' | 'stop') =>
  asPostgres([
    `${bin}/pg_ctl`,
    '-D',
    dataDir,
    '-w',
    '-l',
    path.join(dataDir, 'log'),
    ...(action === 'start'
      ? ['-o', `-p ${dbPort} -k ${dataDir} -c listen_addresses=127.0.0.1`, 'start']
      : ['-m', 'fast', 'stop']),
  ])

beforeAll(async () => {
  if (!canRun) return
  dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-faults-'))
  chownSync(
    dataDir,
    Number(spawnSync('id', ['-u', 'postgres']).stdout),
    Number(spawnSync('id', ['-g', 'postgres']).stdout),
  )
  asPostgres([`${bin}/initdb`, '-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  cluster('start')
  const db = openDatabase({ kind: 'postgres', url: databaseUrl })
  await migrateToLatest(db)
  surveyUrl = `${base}${(await buildSurvey(db, { questions: [awareQuestion] })).url}`
  await db.destroy()
  app = await startAppProcess({ databaseUrl, port: appPort })
}, 90_000)

afterAll(() => {
  if (!canRun) return
  app?.kill('SIGKILL')
  try {
    cluster('stop')
  } catch {
    // already stopped
  }
  rmSync(dataDir, { recursive: true, force: true })
})

/** One respondent: landing, start, the one page; true when the app acknowledged the response. */
async function respond(): Promise<{ acknowledged: boolean; status: number }> {
  const cookies = new Map<string, string>()
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) cookies.set(c.split('=')[0]!, c.split(';')[0]!)
  }
  const header = () => [...cookies.values()].join('; ')
  const landing = await fetch(surveyUrl)
  keep(landing)
  if (landing.status !== 200) return { acknowledged: false, status: landing.status }
  const token = /name="_csrf" value="([^"]+)"/.exec(await landing.text())![1]!
  const post = async (page: string) => {
    const res = await fetch(`${surveyUrl}${page}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, a_aware: 'yes' }).toString(),
    })
    keep(res)
    await res.arrayBuffer()
    return res
  }
  const started = await post('/start')
  if (started.status !== 303) return { acknowledged: false, status: started.status }
  const sent = await post('/p/1')
  return {
    acknowledged: sent.status === 303 && !!sent.headers.get('location')?.endsWith('/thanks'),
    status: sent.status,
  }
}

describe.skipIf(!canRun)('faults under load (a private PostgreSQL cluster)', () => {
  it(
    'answers a localized 503 while PostgreSQL is down, recovers by itself, and loses or doubles nothing acknowledged, even when killed',
    { timeout: 120_000 },
    async () => {
      let acknowledged = 0
      const statuses = new Map<number, number>()
      let running = true
      const worker = async () => {
        while (running) {
          try {
            const outcome = await respond()
            statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1)
            if (outcome.acknowledged) acknowledged += 1
            else await sleep(50)
          } catch {
            await sleep(100) // the app is down (killed): try again
          }
        }
      }
      const workers = Array.from({ length: 10 }, worker)

      await sleep(2_000)
      const before = acknowledged
      expect(before).toBeGreaterThan(0)
      cluster('stop')
      await sleep(1_000)
      expect((await fetch(`${base}/readyz`)).status).toBe(503)
      const outage = await fetch(surveyUrl, { headers: { 'accept-language': 'fr' } })
      expect(outage.status).toBe(503)
      const page = await outage.text()
      expect(page).toMatch(/<html lang="fr">/)
      expect(page).toContain('Service momentanément indisponible')
      expect(page).not.toMatch(/at .*\.ts:\d+|ECONNREFUSED|stack/i)

      cluster('start')
      const back = Date.now()
      while (
        (await fetch(`${base}/readyz`)
          .then((r) => r.status)
          .catch(() => 0)) !== 200
      ) {
        expect(Date.now() - back, 'ready again within 15 s').toBeLessThan(15_000)
        await sleep(100)
      }
      const afterOutage = acknowledged
      await sleep(2_000)
      expect(acknowledged).toBeGreaterThan(afterOutage)

      // Killed with submissions in flight, then started again.
      app!.kill('SIGKILL')
      await sleep(300)
      app = await startAppProcess({ databaseUrl, port: appPort })
      const afterRestart = acknowledged
      await sleep(2_000)
      expect(acknowledged).toBeGreaterThan(afterRestart)
      running = false
      await Promise.all(workers)

      const db = openDatabase({ kind: 'postgres', url: databaseUrl })
      try {
        const stored = (await sql<{ n: number }>`select count(*)::int as n from response`.execute(db))
          .rows[0]!.n
        const answers = (await sql<{ n: number }>`select count(*)::int as n from answer`.execute(db)).rows[0]!
          .n
        // Every acknowledged response is stored; a response cut off by a fault may be stored unacknowledged.
        expect(stored).toBeGreaterThanOrEqual(acknowledged)
        expect(stored - acknowledged).toBeLessThanOrEqual(20)
        expect(answers).toBe(stored)
        expect([...statuses.keys()].filter((s) => s >= 500 && s !== 503)).toEqual([])
      } finally {
        await db.destroy()
      }
    },
  )
})
