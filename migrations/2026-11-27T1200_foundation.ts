import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// PGlite runs one statement per query, so the script is split on statement ends.
async function run(db: Kysely<any>, script: string): Promise<void> {
  for (const statement of script.split(/;\s*\n/)) {
    if (statement.replace(/--.*$/gm, '').trim()) await sql.raw(statement).execute(db)
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  await run(
    db,
    `
    create table organization (
      id serial primary key,
      slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
      name text not null,
      source_language text not null default 'es' check (source_language in ('es', 'fr', 'pt')),
      created_at timestamptz not null default now()
    );

    create table survey_series (
      id serial primary key,
      organization_id integer not null references organization (id),
      code text not null check (code ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
      title jsonb not null,
      description jsonb not null default '{}',
      created_at timestamptz not null default now(),
      unique (organization_id, code)
    );

    create table wave (
      id serial primary key,
      series_id integer not null references survey_series (id),
      year integer not null check (year between 1990 and 2200),
      status text not null default 'draft' check (status in ('draft', 'open', 'closed')),
      opens_at timestamptz,
      closes_at timestamptz,
      created_at timestamptz not null default now(),
      unique (series_id, year)
    );
    -- A series is answered through one wave at a time.
    create unique index wave_one_open_per_series on wave (series_id) where status = 'open';

    create table question (
      id serial primary key,
      wave_id integer not null references wave (id) on delete cascade,
      code text not null check (code ~ '^[a-z][a-z0-9_]{0,39}$'),
      type text not null check (type in ('single_choice', 'multiple_choice', 'scale_5', 'scale_0_10',
        'yes_no', 'number', 'short_text', 'long_text')),
      position integer not null,
      page integer not null check (page >= 1),
      required boolean not null default false,
      text jsonb not null,
      help jsonb not null default '{}',
      show_if jsonb,
      is_profile boolean not null default false,
      min_value double precision,
      max_value double precision,
      unique (wave_id, code),
      unique (wave_id, position)
    );

    create table question_option (
      id serial primary key,
      question_id integer not null references question (id) on delete cascade,
      code text not null check (code ~ '^[a-z0-9][a-z0-9_]{0,39}$'),
      position integer not null,
      label jsonb not null,
      unique (question_id, code),
      unique (question_id, position)
    );

    create table response (
      id bigserial primary key,
      wave_id integer not null references wave (id),
      language text not null check (language in ('es', 'fr', 'pt')),
      channel text not null check (channel in ('web', 'assisted', 'imported')),
      submitted_at timestamptz not null default now(),
      idempotency_key text not null unique
    );
    create index response_wave on response (wave_id);

    -- One row per answer, and per chosen option for multiple choice, so counts are plain GROUP BYs.
    create table answer (
      response_id bigint not null references response (id) on delete cascade,
      wave_id integer not null references wave (id),
      question_id integer not null references question (id),
      option_code text,
      value_number double precision,
      value_text text
    );
    create index answer_count on answer (wave_id, question_id, option_code);
    create index answer_response on answer (response_id);

    -- Answers in progress between pages; deleted when the response is submitted.
    create table survey_draft (
      key_hash text primary key,
      wave_id integer not null references wave (id) on delete cascade,
      answers jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index survey_draft_updated on survey_draft (updated_at);
  `,
  )
}

export async function down(db: Kysely<any>): Promise<void> {
  await run(
    db,
    `
    drop table survey_draft;
    drop table answer;
    drop table response;
    drop table question_option;
    drop table question;
    drop table wave;
    drop table survey_series;
    drop table organization;
  `,
  )
}
