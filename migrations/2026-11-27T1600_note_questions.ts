import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here. Notes: text shown to respondents, no answer.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table question drop constraint question_type_check`.execute(db)
  await sql`alter table question add constraint question_type_check check (type in ('single_choice',
    'multiple_choice', 'scale_5', 'scale_0_10', 'yes_no', 'number', 'short_text', 'long_text', 'note'))`.execute(
    db,
  )
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from question where type = 'note'`.execute(db)
  await sql`alter table question drop constraint question_type_check`.execute(db)
  await sql`alter table question add constraint question_type_check check (type in ('single_choice',
    'multiple_choice', 'scale_5', 'scale_0_10', 'yes_no', 'number', 'short_text', 'long_text'))`.execute(db)
}
