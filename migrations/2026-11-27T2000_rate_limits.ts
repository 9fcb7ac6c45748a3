import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here. Rate-limit counters shared by every instance;
// keys are hashes (no address is stored), rows expire with their window.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table rate_limit (
    key text primary key,
    window_started_at timestamptz not null,
    hits integer not null
  )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table rate_limit`.execute(db)
}
