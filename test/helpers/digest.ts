import { sql } from 'kysely'
import type { Db } from '../../src/db/database.ts'
import { contentDigestQuery, TABLES_THAT_MATTER } from '../../src/ops/backup-check.ts'

/** Every table Pulso keeps: those a backup must bring back, and the sessions and counters. */
export const ALL_TABLES = [...TABLES_THAT_MATTER, 'staff_session', 'sign_in_failure', 'rate_limit']

/** A fingerprint of the tables' contents, as backup:check takes it: equal digests, nothing written. */
export async function digest(db: Db, tables: string[] = ALL_TABLES): Promise<string[]> {
  const out: string[] = []
  for (const table of tables) {
    const { rows } = await sql<{ digest: string }>`${sql.raw(contentDigestQuery(table))}`.execute(db)
    out.push(`${table}:${rows[0]!.digest}`)
  }
  return out
}
