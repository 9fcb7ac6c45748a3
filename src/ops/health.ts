import { isDatabaseReachable, type Db } from '../db/database.ts'

/** What the health probes ask: whether the database answers. */
export function createHealthService(db: Db) {
  return {
    databaseReachable: () => isDatabaseReachable(db),
  }
}

export type HealthService = ReturnType<typeof createHealthService>
