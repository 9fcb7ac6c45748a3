import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration'
import { sql } from 'kysely'
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
    db,
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
