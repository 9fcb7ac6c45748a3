import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { openDatabase, type Db } from '../../src/db/database.ts'
import { testDatabaseUrl } from './test-database.ts'

const root = path.resolve(import.meta.dirname, '../..')

/**
 * A database the CLI (a separate process) can open with the app's own configuration: a fresh schema on
 * the test server, or a fresh embedded data folder. `db` reads what the commands wrote.
 */
export async function cliDatabase(): Promise<{
  env: Record<string, string>
  db: () => Db
  cleanup: () => Promise<void>
}> {
  const serverUrl = testDatabaseUrl
  if (serverUrl) {
    const schema = `cli_${randomBytes(6).toString('hex')}`
    const admin = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: serverUrl, max: 1 }) }),
    })
    await sql`create schema ${sql.id(schema)}`.execute(admin)
    const url = new URL(serverUrl)
    url.searchParams.set('options', `-c search_path=${schema}`)
    let opened: Db | undefined
    return {
      env: { DATABASE_URL: url.toString() },
      db: () =>
        (opened = openDatabase({
          kind: 'postgres',
          url: serverUrl,
          searchPath: schema,
          poolSize: 2,
        })),
      cleanup: async () => {
        await opened?.destroy().catch(() => {})
        await sql`drop schema ${sql.id(schema)} cascade`.execute(admin)
        await admin.destroy()
      },
    }
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-cli-'))
  let opened: Db | undefined
  return {
    env: { DATA_DIR: dataDir },
    // Only between commands, and destroyed before the next one: one process at a time may open a data folder.
    db: () => (opened = openDatabase({ kind: 'pglite', dataDir })),
    cleanup: async () => {
      await opened?.destroy().catch(() => {})
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Runs `npm run cli -- ARGS` as an operator would, with optional standard input. */
export function runCli(env: Record<string, string>, args: string[], input = '') {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH!, NODE_ENV: 'test', ...env },
    input,
    encoding: 'utf8',
    timeout: 120_000,
  })
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() }
}
