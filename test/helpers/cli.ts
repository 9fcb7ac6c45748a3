import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { runCommand } from '../../src/cli/run.ts'
import { openDatabase, type Db } from '../../src/db/database.ts'
import { createTestDatabase, runSchemaName, testDatabaseUrl } from './test-database.ts'

const root = path.resolve(import.meta.dirname, '../..')

export interface CliRun {
  status: number | null
  stdout: string
  stderr: string
}

/**
 * The operator commands, run in this process through the same `runCommand` as `npm run cli`, on a
 * schema of the suite's own database (seconds saved per command: no tsx start, no cold embedded
 * database). `run` resolves to what a terminal would show; `input` is standard input (a password).
 * `db()` reads what the commands wrote; it stays open between commands. Given `db` (a test app's),
 * the commands work on that database instead, and cleaning up leaves it to its owner.
 */
export async function cliInProcess(options: { db?: Db } = {}): Promise<{
  env: Record<string, string>
  db: () => Db
  run: (args: string[], input?: string, env?: Record<string, string>) => Promise<CliRun>
  cleanup: () => Promise<void>
}> {
  const database = options.db
    ? { db: options.db, schema: undefined, drop: () => Promise.resolve() }
    : await createTestDatabase()
  const env: Record<string, string> = { NODE_ENV: 'test' }
  if (testDatabaseUrl && database.schema) {
    // backup:check dumps the configured database: the same server, this schema.
    const url = new URL(testDatabaseUrl)
    url.searchParams.set('options', `-c search_path=${database.schema}`)
    env.DATABASE_URL = url.toString()
  }
  return {
    env,
    db: () => database.db,
    cleanup: database.drop,
    run: async (args, input = '', more = {}) => {
      let stdout = ''
      let stderr = ''
      const status = await runCommand(args, {
        env: { ...env, ...more },
        out: (text) => (stdout += `${text}\n`),
        err: (text) => (stderr += `${text}\n`),
        // As from a pipe: the first line of standard input.
        readSecret: () => Promise.resolve(input.split(/\r?\n/)[0] ?? ''),
        progress: (text) => (stderr += text),
        db: database.db,
      })
      return { status, stdout: stdout.trim(), stderr: stderr.trim() }
    },
  }
}

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
    const schema = runSchemaName('cli')
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
      // The schema itself goes at the end of the run (see runSchemaName).
      cleanup: async () => {
        await opened?.destroy().catch(() => {})
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

/** Runs `npm run cli -- ARGS` as an operator would, in a process of its own, with optional standard input. */
export function runCli(env: Record<string, string>, args: string[], input = ''): CliRun {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH!, NODE_ENV: 'test', ...env },
    input,
    encoding: 'utf8',
    timeout: 120_000,
  })
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() }
}
