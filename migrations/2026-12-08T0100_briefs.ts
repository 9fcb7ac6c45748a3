import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// The yearly brief of a perception series (one per wave year): what the staff write and choose (the
// lead per language, the headline indicators, up to three beneficiary stories) and, once published,
// the brief as it was computed then (`published`, language-neutral JSON), which readers and the API
// get until the staff publish again.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table brief (
    id serial primary key,
    series_id integer not null references survey_series(id) on delete cascade,
    year integer not null,
    lead jsonb not null default '{}'::jsonb,
    indicator_codes jsonb not null default '[]'::jsonb,
    stories jsonb not null default '[]'::jsonb,
    updated_at timestamptz not null default now(),
    updated_by integer references staff_user(id) on delete set null,
    published jsonb,
    published_at timestamptz,
    published_by integer references staff_user(id) on delete set null,
    unique (series_id, year),
    constraint brief_published_whole check ((published is null) = (published_at is null))
  )`.execute(db)
  // The public results page links to the published briefs: publishing or withdrawing one moves the
  // series' results version, so kept pages (and other instances, through the change feed) follow.
  await sql`create function pulso_brief_published() returns trigger language plpgsql as $$
  begin
    update survey_series set results_version = results_version + 1 where id = new.series_id;
    return null;
  end
  $$`.execute(db)
  await sql`create trigger brief_published_changed after update of published_at on brief
    for each row when (old.published_at is distinct from new.published_at)
    execute function pulso_brief_published()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table brief`.execute(db)
  await sql`drop function pulso_brief_published()`.execute(db)
}
