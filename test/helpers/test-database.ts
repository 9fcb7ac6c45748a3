import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { openDatabase, type Db } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'

/** Which database the suite runs on: real PostgreSQL when TEST_DATABASE_URL is set, else embedded PGlite. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined
export const testDatabaseKind = testDatabaseUrl ? 'postgres' : 'pglite'

let sharedPglite: PGlite | undefined

// One embedded database per test worker: starting PGlite costs seconds, a schema costs milliseconds.
function pglite(): PGlite {
  sharedPglite ??= new PGlite('memory://', { parsers: { 20: (v: string) => Number(v) } })
  return sharedPglite
}

export interface TestDatabase {
  db: Db
  schema: string
  drop: () => Promise<void>
  /** Another connection to the same schema, as a second app instance would open it. */
  reopen: () => Db
}

/**
 * A schema name of this run (`test_<run>_<random>`): on the server, the run's schemas are dropped
 * together when every file is done (test/global-setup.ts), never while another file migrates.
 */
export const runSchemaName = (prefix: 'test' | 'cli') =>
  `${prefix}_${process.env.PULSO_TEST_RUN ?? 'solo'}_${randomBytes(6).toString('hex')}`

/** A freshly migrated, empty schema of its own for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const schema = runSchemaName('test')
  if (testDatabaseUrl) {
    const admin = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: testDatabaseUrl, max: 1 }) }),
    })
    await sql`create schema ${sql.id(schema)}`.execute(admin)
    const db = openDatabase({ kind: 'postgres', url: testDatabaseUrl, searchPath: schema, poolSize: 8 })
    await migrateToLatest(db, schema)
    const others: Db[] = []
    return {
      db,
      schema,
      reopen: () => {
        const other = openDatabase({
          kind: 'postgres',
          url: testDatabaseUrl,
          searchPath: schema,
          poolSize: 4,
        })
        others.push(other)
        return other
      },
      // The schema itself goes at the end of the run (see runSchemaName).
      drop: async () => {
        for (const other of others) await other.destroy()
        await db.destroy()
        await admin.destroy()
      },
    }
  }
  const instance = pglite()
  await instance.exec(`create schema ${schema}`)
  const db = openDatabase({ kind: 'pglite', dataDir: undefined, pglite: instance, searchPath: schema })
  await migrateToLatest(db, schema)
  return {
    db,
    schema,
    reopen: () => openDatabase({ kind: 'pglite', dataDir: undefined, pglite: instance, searchPath: schema }),
    // The embedded database is shared by the worker's files: drop the schema, keep the instance.
    drop: async () => {
      await instance.exec(`drop schema ${schema} cascade`)
    },
  }
}
