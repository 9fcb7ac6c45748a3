import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
async function run(db: Kysely<any>, script: string): Promise<void> {
  for (const statement of script.split(/;\s*\n/)) {
    if (statement.replace(/--.*$/gm, '').trim()) await sql.raw(statement).execute(db)
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  await run(
    db,
    `
    -- An indicator points at a question code, so it is computed the same way in every wave.
    create table indicator (
      id serial primary key,
      series_id integer not null references survey_series (id),
      code text not null check (code ~ '^[a-z][a-z0-9_]{0,39}$'),
      question_code text not null,
      kind text not null check (kind in ('share', 'mean')),
      success_codes jsonb not null default '[]',
      excluded_codes jsonb not null default '[]',
      label jsonb not null,
      position integer not null default 0,
      unique (series_id, code)
    );

    -- Population totals per wave of a profile question's options, for raking.
    create table population_margin (
      wave_id integer not null references wave (id) on delete cascade,
      variable text not null,
      level text not null,
      population double precision not null check (population > 0),
      primary key (wave_id, variable, level)
    );

    -- Groups with fewer valid answers than this show "too few answers".
    alter table survey_series add column min_group_size integer not null default 30 check (min_group_size >= 1)
  `,
  )
}

export async function down(db: Kysely<any>): Promise<void> {
  await run(
    db,
    `
    alter table survey_series drop column min_group_size;
    drop table population_margin;
    drop table indicator;
  `,
  )
}
