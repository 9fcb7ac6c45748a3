import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// A copied wave takes its predecessor's population margins as a draft: the year they came from is kept
// until staff confirm them or import new ones.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table wave add column margins_copied_from integer`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table wave drop column margins_copied_from`.execute(db)
}
