import { isDatabaseReachable, type Db } from '../db/database.ts'
import { sql } from 'kysely'

/** What the health probes ask: whether the database answers. */
export function createHealthService(db: Db) {
  return {
    databaseReachable: () => isDatabaseReachable(db),
    /** The schema the database works in (tests run each in its own; the backup check dumps that one). */
    async databaseSchema(): Promise<string | undefined> {
      const current = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
      return current.rows[0]?.schema
    },
  }
}

export type HealthService = ReturnType<typeof createHealthService>
