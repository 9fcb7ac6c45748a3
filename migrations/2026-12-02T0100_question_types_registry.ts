import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here. Question types are the application's registry
// (one folder per type): the database keeps only the shape of a type name, so adding a type needs no
// migration; every door that writes a question (designer, XLSForm, commands) takes registry types only.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table question drop constraint question_type_check`.execute(db)
  await sql`alter table question add constraint question_type_check check (type ~ '^[a-z][a-z0-9_]{0,39}$')`.execute(
    db,
  )
}

export async function down(db: Kysely<any>): Promise<void> {
  // The older list knows neither: whole numbers become numbers, dates (stored as ISO text) short texts.
  await sql`update question set type = 'number' where type = 'integer'`.execute(db)
  await sql`update question set type = 'short_text' where type = 'date'`.execute(db)
  await sql`alter table question drop constraint question_type_check`.execute(db)
  await sql`alter table question add constraint question_type_check check (type in ('single_choice',
    'multiple_choice', 'scale_5', 'scale_0_10', 'yes_no', 'number', 'short_text', 'long_text', 'note'))`.execute(
    db,
  )
}
