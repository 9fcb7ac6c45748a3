import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { cliDatabase, runCli } from '../helpers/cli.ts'
import { testDatabaseUrl } from '../helpers/test-database.ts'

let database: Awaited<ReturnType<typeof cliDatabase>>
let responses = 0

beforeAll(async () => {
  database = await cliDatabase()
  // The CLI migrates the database it opens.
  expect(runCli(database.env, ['org:create', '--slug', 'ciudad-backup', '--name', 'Backup']).status).toBe(0)
  const db = database.db()
  await loadTrendFixture(db)
  responses = Number(
    (
      await db
        .selectFrom('response')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )
  await db.destroy()
}, 120_000)
afterAll(() => database.cleanup())

describe('backups', () => {
  it.skipIf(!testDatabaseUrl)(
    'pg_dump, then pg_restore into a fresh database, finds every response and answer',
    { timeout: 120_000 },
    () => {
      const result = runCli(database.env, ['backup:check'])
      expect(result.stderr).toBe('')
      expect(result.stdout).toBe(
        `Restore complete: 3 waves, ${responses} responses and every answer found in a fresh database.`,
      )
    },
  )

  it.skipIf(!!testDatabaseUrl)('on the embedded database, says to copy the data folder instead', () => {
    const result = runCli(database.env, ['backup:check'])
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('copy its data folder')
  })
})
