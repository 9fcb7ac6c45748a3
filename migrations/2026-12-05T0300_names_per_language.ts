import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here. An organization's and a partner project's
// name per language ({"fr": "Ville d’Exemple"}); the plain name stays, shown where a language has none.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table organization add column names jsonb not null default '{}'::jsonb`.execute(db)
  await sql`alter table partner_project add column names jsonb not null default '{}'::jsonb`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table partner_project drop column names`.execute(db)
  await sql`alter table organization drop column names`.execute(db)
}
