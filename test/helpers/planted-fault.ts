import { sql } from 'kysely'
import type { Db } from '../../src/db/database.ts'

/**
 * Runs `during` while every insert into `table` fails (a trigger raising an error), then removes the
 * fault: a write and what must go with it (its audit entry, its first admin) are tested as one.
 */
export async function withInsertsFailing(db: Db, table: string, during: () => Promise<void>) {
  await sql`create function planted_fault() returns trigger language plpgsql as $$
    begin raise exception 'planted fault'; end $$`.execute(db)
  await sql`create trigger planted_fault before insert on ${sql.table(table)}
    for each row execute function planted_fault()`.execute(db)
  try {
    await during()
  } finally {
    await sql`drop trigger planted_fault on ${sql.table(table)}`.execute(db)
    await sql`drop function planted_fault()`.execute(db)
  }
}
