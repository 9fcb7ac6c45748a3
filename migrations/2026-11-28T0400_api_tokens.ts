import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// Personal API tokens for evaluators' tools (R, Python): only a hash is kept; revocable; they expire.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table api_token (
    id serial primary key,
    user_id integer not null references staff_user (id) on delete cascade,
    name text not null,
    token_hash text not null unique,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    revoked_at timestamptz,
    last_used_at timestamptz
  )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table api_token`.execute(db)
}
