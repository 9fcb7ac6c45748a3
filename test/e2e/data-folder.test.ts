import { spawnSync, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, signInOver, startAppProcess } from '../helpers/app-process.ts'
import { cliDatabase, runCli } from '../helpers/cli.ts'
import { testDatabaseUrl } from '../helpers/test-database.ts'

// An operator command run while the server holds the database: on PostgreSQL it simply works and the
// server sees it; on the embedded database (one process at a time) it is refused in one clear line.
const root = path.resolve(import.meta.dirname, '../..')
// Ports the system says are free (a fixed range met other services here: NATS on 4222).
const [port, secondPort] = await Promise.all([freePort(), freePort()])
let database: Awaited<ReturnType<typeof cliDatabase>>
let server: ChildProcess | undefined
const admin = { email: 'admin@rio.example.org', password: 'violet tractor umbrella' }
const userCreate = ['user:create', '--org', 'rio', '--email', admin.email, '--role', 'admin']

const start = () =>
  startAppProcess({
    port,
    ...(database.env.DATABASE_URL
      ? { databaseUrl: database.env.DATABASE_URL }
      : { dataDir: database.env.DATA_DIR! }),
  })

async function stop(signal: NodeJS.Signals = 'SIGTERM') {
  const exited = new Promise((resolve) => server!.once('exit', resolve))
  server!.kill(signal)
  await exited
  server = undefined
}

const signIn = async (email: string, password: string) =>
  (await signInOver(`http://127.0.0.1:${port}`, email, password)).status

beforeAll(async () => {
  database = await cliDatabase()
  expect(runCli(database.env, ['org:create', '--slug', 'rio', '--name', 'Río']).status).toBe(0)
  server = await start()
}, 120_000)
afterAll(async () => {
  if (server) await stop('SIGKILL')
  await database.cleanup()
})

describe('an operator command while the server runs', () => {
  it(
    'either does its work where the server sees it, or is refused in one line and writes nothing; it survives a restart',
    { timeout: 120_000 },
    async () => {
      const created = runCli(database.env, userCreate, `${admin.password}\n`)
      if (testDatabaseUrl) {
        expect(created.status).toBe(0)
        expect(await signIn(admin.email, admin.password)).toBe(303)
      } else {
        expect(created.status).toBe(2)
        expect(created.stdout).toBe('')
        expect(created.stderr.split('\n')).toHaveLength(1)
        expect(created.stderr).toContain(`is in use by Pulso's server (port ${port})`)
        expect(created.stderr).toContain('Stop it first')
        expect(created.stderr).toContain('DATABASE_URL')
        expect(await signIn(admin.email, admin.password)).toBe(401)
        // With the server stopped, the same command works.
        await stop()
        expect(runCli(database.env, userCreate, `${admin.password}\n`).status).toBe(0)
        server = await start()
      }
      // After a restart, the server has what the command did.
      await stop()
      server = await start()
      expect(await signIn(admin.email, admin.password)).toBe(303)
    },
  )

  it.skipIf(!!testDatabaseUrl)(
    'a second server on the same folder is refused too; a folder left by a killed server is taken over',
    { timeout: 120_000 },
    async () => {
      const second = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: root,
        env: { PATH: process.env.PATH!, NODE_ENV: 'test', PORT: String(secondPort), ...database.env },
        encoding: 'utf8',
        timeout: 60_000,
      })
      expect(second.status).toBe(2)
      expect(second.stderr).toContain(`is in use by Pulso's server (port ${port})`)
      // The first server still answers (on a new connection: spawnSync held this process while the
      // server closed the idle ones fetch keeps, and reusing one fails with "other side closed").
      expect(await statusOnNewConnection(`http://127.0.0.1:${port}/readyz`)).toBe(200)

      await stop('SIGKILL')
      const after = runCli(database.env, ['org:create', '--slug', 'otra', '--name', 'Otra'])
      expect(after.stderr).toBe('')
      expect(after.status).toBe(0)
    },
  )
})

/** A GET's status over a connection of its own (no pooled keep-alive socket). */
function statusOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      .on('error', reject)
  })
}
