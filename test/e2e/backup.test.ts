import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDemo } from '../../src/demo/demo-data.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { cliInProcess } from '../helpers/cli.ts'
import { testDatabaseUrl } from '../helpers/test-database.ts'
import { TABLES_THAT_MATTER } from '../../src/ops/backup-check.ts'

let database: Awaited<ReturnType<typeof cliInProcess>>
let responses = 0

beforeAll(async () => {
  database = await cliInProcess()
  // The CLI migrates the database it opens.
  expect((await database.run(['org:create', '--slug', 'ciudad-backup', '--name', 'Backup'])).status).toBe(0)
  const db = database.db()
  await loadTrendFixture(db)
  // On PostgreSQL, the demo too: projects, feedback and contacts, staff, invitations, the audit log.
  if (testDatabaseUrl) await loadDemo(db)
  responses = Number(
    (
      await db
        .selectFrom('response')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )
}, 120_000)
afterAll(() => database.cleanup())

describe('backups', () => {
  it.skipIf(!testDatabaseUrl)(
    'pg_dump, then pg_restore into a fresh database, finds every response and answer',
    { timeout: 120_000 },
    async () => {
      const result = await database.run(['backup:check'])
      expect(result.stderr).toBe('')
      expect(result.stdout).toMatch(
        new RegExp(
          `^Restore complete: all ${TABLES_THAT_MATTER.length} tables came back identical in a fresh database \\(\\d+ waves, ${responses} responses, \\d+ answers, \\d+ feedback entries, 4 staff, \\d+ invitations, \\d+ audit entries\\)\\.$`,
        ),
      )
    },
  )

  it.skipIf(!!testDatabaseUrl)('on the embedded database, says to copy the data folder instead', async () => {
    const result = await database.run(['backup:check'])
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('copy its data folder')
  })
})
