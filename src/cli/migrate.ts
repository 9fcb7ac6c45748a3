import { ConfigError, loadConfig } from '../config.ts'
import { DataFolderInUse } from '../db/data-folder-lock.ts'
import { openDatabase } from '../db/database.ts'
import { migrateToLatest } from '../db/migrate.ts'
import { databaseTarget } from '../services.ts'

try {
  const config = loadConfig()
  const db = openDatabase(databaseTarget(config, 'the migration command (npm run db:migrate)'))
  try {
    const applied = await migrateToLatest(db)
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.')
  } finally {
    await db.destroy()
  }
} catch (error) {
  console.error(
    error instanceof ConfigError ? `Invalid configuration: ${error.message}` : (error as Error).message,
  )
  process.exit(error instanceof ConfigError || error instanceof DataFolderInUse ? 2 : 1)
}
