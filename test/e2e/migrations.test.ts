import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import type { Db } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { runSchemaName, testDatabaseUrl } from '../helpers/test-database.ts'

// Several schemas share one server (the suite's files, or Pulso next to another application): bringing
// one up to date must read nothing of the others, so another schema's locked or vanishing table
// neither blocks nor fails it (seen as "column label of relation question_option does not exist").
const onServer = !!testDatabaseUrl
const opened: { destroy: () => Promise<unknown> }[] = []
afterAll(async () => {
  for (const db of opened) await db.destroy()
})

const connect = (searchPath?: string, lockTimeoutMs?: number) => {
  const options = [
    searchPath ? `-c search_path=${searchPath}` : '',
    lockTimeoutMs ? `-c lock_timeout=${lockTimeoutMs}` : '',
  ].join(' ')
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({
      pool: new pg.Pool({ connectionString: testDatabaseUrl, max: 2, options }),
    }),
  })
  opened.push(db)
  return db
}

describe.skipIf(!onServer)('migrations on a server shared with other schemas', () => {
  it('bring new schemas up to date while another schema’s tables change under them', async () => {
    const admin = connect()
    const other = runSchemaName('test')
    await sql`create schema ${sql.id(other)}`.execute(admin)
    await sql`create table ${sql.id(other)}.changing (id serial primary key, label text)`.execute(admin)

    // Another file's test (or another application) alters its tables the whole time ours migrate.
    const changer = await new pg.Pool({ connectionString: testDatabaseUrl, max: 1 }).connect()
    let migrating = true
    const changing = (async () => {
      while (migrating) {
        await changer.query(`alter table "${other}".changing drop column label`)
        await changer.query(`alter table "${other}".changing add column label text`)
      }
    })()
    try {
      for (let i = 0; i < 3; i++) {
        const mine = runSchemaName('test')
        await sql`create schema ${sql.id(mine)}`.execute(admin)
        const db = connect(mine) as unknown as Db
        expect((await migrateToLatest(db, mine)).length).toBeGreaterThan(10)
        const tables = await sql<{ name: string }>`select tablename as name from pg_tables
          where schemaname = ${mine} and tablename = 'question_option'`.execute(db)
        expect(tables.rows).toHaveLength(1)
      }
    } finally {
      migrating = false
      await changing
      changer.release()
    }
  })
})
