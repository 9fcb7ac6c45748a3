import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here. Whatever can change a public results page tells
// every instance listening on channel `pulso_results` (payload: the schema), so that an instance can
// answer a kept page from memory and still show a change on the next view. Public pages show closed
// waves only: responses to an open wave (every submission) notify nobody.
const up_ = [
  `create function pulso_public_results_changed() returns trigger language plpgsql as $$
  begin
    perform pg_notify('pulso_results', current_schema());
    return null;
  end
  $$`,
  // results_version, the group size, titles and addresses all live on the series row; names on the
  // organization's.
  `create trigger series_public_results after insert or update or delete on survey_series
    for each statement execute function pulso_public_results_changed()`,
  `create trigger organization_public_results after update or delete on organization
    for each statement execute function pulso_public_results_changed()`,
  `create function pulso_closed_wave_responses_changed() returns trigger language plpgsql as $$
  begin
    if exists (select 1 from changed_responses c join wave w on w.id = c.wave_id where w.status = 'closed') then
      perform pg_notify('pulso_results', current_schema());
    end if;
    return null;
  end
  $$`,
  `create trigger response_public_results_added after insert on response
    referencing new table as changed_responses
    for each statement execute function pulso_closed_wave_responses_changed()`,
  `create trigger response_public_results_removed after delete on response
    referencing old table as changed_responses
    for each statement execute function pulso_closed_wave_responses_changed()`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of up_) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `drop trigger response_public_results_removed on response`,
    `drop trigger response_public_results_added on response`,
    `drop function pulso_closed_wave_responses_changed()`,
    `drop trigger organization_public_results on organization`,
    `drop trigger series_public_results on survey_series`,
    `drop function pulso_public_results_changed()`,
  ])
    await sql.raw(statement).execute(db)
}
