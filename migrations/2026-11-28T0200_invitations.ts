import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// Invitations for a drawn sample. A response records only how it came (open link or invitation) and
// the invitation's stratum: nothing links it back to a code or its letter.
const up_ = [
  `alter table wave add column access_mode text not null default 'open'
    check (access_mode in ('open', 'invitation', 'both'))`,
  `alter table response add column access text not null default 'open' check (access in ('open', 'invitation'))`,
  `alter table response add column stratum text`,
  // A pepper for hashing codes, made once per database so codes outlive any change of SECRET.
  `create table instance_key (name text primary key, value text not null)`,
  `create table invitation_batch (
    id serial primary key,
    wave_id integer not null references wave (id) on delete cascade,
    stratum text,
    size integer not null check (size > 0),
    -- The form's one-time key: a resubmitted form creates no second batch. Codes themselves are never kept.
    request_key text unique,
    created_by integer references staff_user (id),
    created_at timestamptz not null default now()
  )`,
  `create table invitation (
    id serial primary key,
    wave_id integer not null references wave (id) on delete cascade,
    batch_id integer not null references invitation_batch (id) on delete cascade,
    -- sha256 of the respondent key derived from the code with the pepper (see invitation-codes.ts).
    code_hash text not null unique,
    stratum text,
    -- No timestamps: when a code was used would link it to a response's submission time.
    started boolean not null default false,
    completed boolean not null default false
  )`,
  `create index invitation_wave on invitation (wave_id, stratum)`,
  `alter table survey_draft add column invitation_id integer references invitation (id) on delete cascade`,
  // Tallies by how responses came, so trends can be restricted to the drawn sample.
  `alter table profile_tally add column access text not null default 'open'`,
  `alter table profile_tally drop constraint profile_tally_pkey`,
  `alter table profile_tally add primary key (wave_id, access, language, profile)`,
  `alter table answer_tally add column access text not null default 'open'`,
  `alter table answer_tally drop constraint answer_tally_pkey`,
  `alter table answer_tally add primary key (wave_id, question_id, access, language, profile, pattern)`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of up_) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `alter table answer_tally drop constraint answer_tally_pkey`,
    `alter table answer_tally drop column access`,
    `alter table answer_tally add primary key (wave_id, question_id, language, profile, pattern)`,
    `alter table profile_tally drop constraint profile_tally_pkey`,
    `alter table profile_tally drop column access`,
    `alter table profile_tally add primary key (wave_id, language, profile)`,
    `alter table survey_draft drop column invitation_id`,
    `drop table invitation`,
    `drop table invitation_batch`,
    `drop table instance_key`,
    `alter table response drop column stratum`,
    `alter table response drop column access`,
    `alter table wave drop column access_mode`,
  ])
    await sql.raw(statement).execute(db)
}
