import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// Results are computed from per-wave tallies (respondents per language and combination of profile
// answers, and per question answer pattern), so a million responses never travel to Node. New
// responses are folded in when results are read; a version per series tells caches when to recompute.
const up_ = [
  `alter table response add column tallied boolean not null default false`,
  // Ordered like the folds read it, so finding what is new never depends on fresh statistics.
  `create index response_untallied on response (wave_id, id) where not tallied`,
  `create table tally_state (
    wave_id integer primary key references wave (id) on delete cascade,
    -- The profile questions whose answers make up a tally's profile, in this order.
    profile_question_ids integer[] not null,
    version bigint not null default 0
  )`,
  `create table profile_tally (
    wave_id integer not null references wave (id) on delete cascade,
    language text not null,
    profile text[] not null,
    respondents integer not null,
    primary key (wave_id, language, profile)
  )`,
  `create table answer_tally (
    wave_id integer not null references wave (id) on delete cascade,
    language text not null,
    profile text[] not null,
    question_id integer not null references question (id) on delete cascade,
    -- The option codes a respondent chose, sorted and joined by spaces ('' for a number).
    pattern text not null,
    respondents integer not null,
    valued integer not null,
    value_sum double precision not null,
    value_sum_squares double precision not null,
    primary key (wave_id, question_id, language, profile, pattern)
  )`,
  `alter table survey_series add column results_version bigint not null default 0`,
  // Any change that can alter a series' results moves its version, whichever code path made it.
  `create function pulso_results_changed() returns trigger language plpgsql as $$
  declare
    changed record;
  begin
    if tg_op = 'DELETE' then changed := old; else changed := new; end if;
    if tg_table_name in ('indicator', 'wave') then
      update survey_series set results_version = results_version + 1 where id = changed.series_id;
    else
      update survey_series set results_version = results_version + 1
        where id = (select series_id from wave where id = changed.wave_id);
    end if;
    return null;
  end
  $$`,
  `create trigger indicator_results_changed after insert or update or delete on indicator
    for each row execute function pulso_results_changed()`,
  `create trigger wave_results_changed after insert or update or delete on wave
    for each row execute function pulso_results_changed()`,
  `create trigger margin_results_changed after insert or update or delete on population_margin
    for each row execute function pulso_results_changed()`,
  `create trigger tally_results_changed after insert or update on tally_state
    for each row execute function pulso_results_changed()`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of up_) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `drop trigger tally_results_changed on tally_state`,
    `drop trigger margin_results_changed on population_margin`,
    `drop trigger wave_results_changed on wave`,
    `drop trigger indicator_results_changed on indicator`,
    `drop function pulso_results_changed()`,
    `alter table survey_series drop column results_version`,
    `drop table answer_tally`,
    `drop table profile_tally`,
    `drop table tally_state`,
    `alter table response drop column tallied`,
  ])
    await sql.raw(statement).execute(db)
}
