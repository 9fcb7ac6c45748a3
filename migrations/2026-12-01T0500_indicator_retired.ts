import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// An indicator may be retired (no longer computed or published) and restored; its definition is kept.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table indicator add column retired_at timestamptz`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table indicator drop column retired_at`.execute(db)
}
