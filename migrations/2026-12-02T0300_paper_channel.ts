import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here. Paper questionnaires typed in by staff: the
// channel `paper`, and the questionnaire's number, stored once per wave (a second entry is refused).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table response drop constraint response_channel_check`.execute(db)
  await sql`alter table response add constraint response_channel_check
    check (channel in ('web', 'assisted', 'imported', 'paper'))`.execute(db)
  await sql`alter table response add column paper_serial text
    check (paper_serial is null or char_length(paper_serial) between 1 and 40)`.execute(db)
  await sql`create unique index response_paper_serial on response (wave_id, paper_serial)
    where paper_serial is not null`.execute(db)
  await sql`alter table survey_draft add column paper_serial text`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table survey_draft drop column paper_serial`.execute(db)
  await sql`drop index response_paper_serial`.execute(db)
  await sql`alter table response drop column paper_serial`.execute(db)
  await sql`update response set channel = 'assisted' where channel = 'paper'`.execute(db)
  await sql`alter table response drop constraint response_channel_check`.execute(db)
  await sql`alter table response add constraint response_channel_check
    check (channel in ('web', 'assisted', 'imported'))`.execute(db)
}
