import { randomBytes } from 'node:crypto'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'

// On the PostgreSQL server, every schema this run makes is named after the run and dropped once all
// test files are done, never while others run: Kysely's migrator reads the catalog of every schema,
// and a schema dropped by another worker in the middle of that read failed the read ("schema … does
// not exist"), which is what made files in parallel on the server flaky.
export function setup(): void {
  process.env.PULSO_TEST_RUN ??= randomBytes(4).toString('hex')
}

export async function teardown(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL
  const run = process.env.PULSO_TEST_RUN
  if (!url || !run) return
  const admin = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
  })
  try {
    const { rows } = await sql<{ name: string }>`
      select nspname as name from pg_namespace
      where nspname like ${`test\\_${run}\\_%`} or nspname like ${`cli\\_${run}\\_%`}`.execute(admin)
    for (const { name } of rows) await sql`drop schema ${sql.id(name)} cascade`.execute(admin)
  } finally {
    await admin.destroy()
  }
}
