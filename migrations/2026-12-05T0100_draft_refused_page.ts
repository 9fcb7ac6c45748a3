import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here. What a respondent typed on a page that was
// refused with errors ({"step": "2", "form": {...}}), kept so that the page shows it again after the
// redirect and when they come back to finish.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table survey_draft add column refused jsonb`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table survey_draft drop column refused`.execute(db)
}
