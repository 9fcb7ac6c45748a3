import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// A facilitator may record a citizen's answers (a street or phone interview): the draft and the
// response keep which staff member did, so evaluators can look for interviewer effects.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table survey_draft add column facilitator_id integer references staff_user (id) on delete set null`.execute(
    db,
  )
  await sql`alter table response add column facilitator_id integer references staff_user (id) on delete set null`.execute(
    db,
  )
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table response drop column facilitator_id`.execute(db)
  await sql`alter table survey_draft drop column facilitator_id`.execute(db)
}
