import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// Feedback from the people cooperation projects serve abroad. A feedback questionnaire is a series
// built in the designer (purpose 'feedback'); projects point to it, so one questionnaire serves many.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table survey_series add column purpose text not null default 'perception'
    check (purpose in ('perception', 'feedback'))`.execute(db)

  await sql`create table partner_project (
    id serial primary key,
    organization_id integer not null references organization (id),
    code text not null unique,
    name text not null,
    partner text not null,
    country text not null,
    sector text not null,
    sdgs jsonb not null default '[]',
    languages jsonb not null,
    starts_on date,
    ends_on date,
    description jsonb not null default '{}',
    questionnaire_series_id integer references survey_series (id),
    status text not null default 'draft' check (status in ('draft', 'open', 'closed', 'hidden')),
    created_at timestamptz not null default now()
  )`.execute(db)

  // One row per piece of feedback; nothing about the person but the language, the channel and consent.
  await sql`create table feedback (
    id serial primary key,
    project_id integer not null references partner_project (id),
    wave_id integer not null references wave (id),
    language text not null,
    channel text not null check (channel in ('web', 'assisted')),
    facilitator_id integer references staff_user (id),
    publish_consent boolean not null,
    contact_consent boolean not null,
    submitted_at timestamptz not null default now(),
    idempotency_key text not null unique,
    review text not null default 'new' check (review in ('new', 'approved', 'rejected')),
    reviewed_by integer references staff_user (id),
    reviewed_at timestamptz,
    redacted boolean not null default false
  )`.execute(db)
  await sql`create index feedback_project on feedback (project_id, submitted_at)`.execute(db)

  await sql`create table feedback_answer (
    feedback_id integer not null references feedback (id) on delete cascade,
    question_id integer not null references question (id),
    option_code text,
    value_number double precision,
    value_text text
  )`.execute(db)
  await sql`create index feedback_answer_feedback on feedback_answer (feedback_id)`.execute(db)

  // Kept apart so that no export of answers can reach it; only with the person's consent.
  await sql`create table feedback_contact (
    feedback_id integer primary key references feedback (id) on delete cascade,
    contact text not null
  )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table feedback_contact`.execute(db)
  await sql`drop table feedback_answer`.execute(db)
  await sql`drop table feedback`.execute(db)
  await sql`drop table partner_project`.execute(db)
  await sql`alter table survey_series drop column purpose`.execute(db)
}
