import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration'
import { sql, type DatabaseIntrospector, type TableMetadata } from 'kysely'
import type { Db } from './database.ts'

// Under tsx and vitest this file is src/db/migrate.ts and reads migrations/*.ts; built, it is
// dist/db/migrate.js and reads their compiled copies in dist/migrations.
const built = import.meta.url.endsWith('.js')
const migrationFolder = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  built ? '../migrations' : '../../migrations',
)
const migrationFile = built ? /^\d{4}-.*\.js$/ : /^\d{4}-.*\.ts$/

// Kysely's FileMigrationProvider imports from inside node_modules, where TypeScript files are not
// loaded under tsx or vitest; importing from here they are.
const migrationFiles: MigrationProvider = {
  async getMigrations() {
    const names = (await readdir(migrationFolder)).filter((f) => migrationFile.test(f)).sort()
    const migrations: Record<string, Migration> = {}
    for (const name of names) {
      migrations[name.replace(/\.[jt]s$/, '')] = (await import(
        pathToFileURL(path.join(migrationFolder, name)).href
      )) as Migration
    }
    return migrations
  },
}

/** Brings the schema up to the newest migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Db, schema?: string): Promise<string[]> {
  // Kysely looks for its bookkeeping table in every schema; naming ours keeps it from finding another's.
  schema ??= (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
  const migrator = new Migrator({
    db: schema ? withIntrospectionOf(db, schema) : db,
    provider: migrationFiles,
    // Named when several schemas share a database (tests), so the bookkeeping stays in this one.
    ...(schema ? { migrationTableSchema: schema } : {}),
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')
    throw new Error(
      `migration ${failed?.migrationName ?? '?'} failed: ${String((error as Error).message ?? error)}`,
    )
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/**
 * The database as Kysely's migrator sees it, asked about one schema only. Its own introspection reads
 * every column of every schema (calling pg_get_serial_sequence on each): slow on a shared server, and
 * it fails when another schema's table changes meanwhile ("column … does not exist").
 */
function withIntrospectionOf(db: Db, schema: string): Db {
  const introspection: DatabaseIntrospector = {
    async getSchemas() {
      const found = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace
        where nspname = ${schema}`.execute(db)
      return found.rows
    },
    async getTables() {
      const found = await sql<{ name: string; schema: string }>`select tablename as name, schemaname as schema
        from pg_catalog.pg_tables where schemaname = ${schema}`.execute(db)
      // The migrator asks only whether its tables exist: names are enough.
      return found.rows.map((t): TableMetadata => ({ ...t, isView: false, isForeign: false, columns: [] }))
    },
  }
  // Kysely's methods read private fields: call them on the real instance.
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspection
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
}
