import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here. A question's own error messages (XLSForm's
// required_message and constraint_message), per language: {"required": {"es": …}, "constraint": {…}}.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table question add column messages jsonb not null default '{}'::jsonb`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table question drop column messages`.execute(db)
}
