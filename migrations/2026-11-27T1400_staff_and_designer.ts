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
    create table staff_user (
      id serial primary key,
      organization_id integer not null references organization (id),
      email text not null,
      name text not null default '',
      role text not null check (role in ('admin', 'designer', 'evaluator', 'facilitator')),
      is_platform_admin boolean not null default false,
      password_hash text not null,
      disabled_at timestamptz,
      created_at timestamptz not null default now(),
      password_changed_at timestamptz not null default now()
    );
    create unique index staff_user_email on staff_user (lower(email));

    -- Sessions live in the database so that every instance shares them; only the id's hash is kept.
    create table staff_session (
      id_hash text primary key,
      user_id integer not null references staff_user (id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index staff_session_user on staff_session (user_id);

    -- Failed sign-ins per account name (also for names that match no account), to throttle guessing.
    create table sign_in_failure (
      account text not null,
      failed_at timestamptz not null default now()
    );
    create index sign_in_failure_account on sign_in_failure (account, failed_at);

    create table audit_log (
      id bigserial primary key,
      organization_id integer references organization (id),
      user_id integer references staff_user (id),
      action text not null,
      subject text not null default '',
      details jsonb not null default '{}',
      at timestamptz not null default now()
    );
    create index audit_log_organization on audit_log (organization_id, at desc);

    -- Which source text each translation was written against: "field.lang" -> hash of the source text.
    alter table question add column translation_stamps jsonb not null default '{}';
    -- Set when staff confirm that a carried-over question changed: trend charts mark the break.
    alter table question add column break_in_series boolean not null default false;
    alter table survey_series add column translation_stamps jsonb not null default '{}'
  `,
  )
}

export async function down(db: Kysely<any>): Promise<void> {
  await run(
    db,
    `
    alter table survey_series drop column translation_stamps;
    alter table question drop column break_in_series;
    alter table question drop column translation_stamps;
    drop table audit_log;
    drop table sign_in_failure;
    drop table staff_session;
    drop table staff_user;
  `,
  )
}
