import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// Two-factor sign-in (TOTP): a staff member's secret once confirmed (and the one being set up), the
// last time step used (a code works once), ten single-use recovery codes kept as hashes; a session
// waits for its second factor before it opens anything; an organization may require it of its admins
// and evaluators.
const up_ = [
  `alter table staff_user add column totp_secret text`,
  `alter table staff_user add column totp_pending_secret text`,
  `alter table staff_user add column totp_last_step bigint`,
  `alter table staff_session add column awaiting_second_factor boolean not null default false`,
  `alter table organization add column require_two_factor boolean not null default false`,
  `create table staff_recovery_code (
    id serial primary key,
    user_id integer not null references staff_user (id) on delete cascade,
    code_hash text not null,
    used_at timestamptz
  )`,
  `create index staff_recovery_code_user on staff_recovery_code (user_id)`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of up_) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `drop table staff_recovery_code`,
    `alter table organization drop column require_two_factor`,
    `alter table staff_session drop column awaiting_second_factor`,
    `alter table staff_user drop column totp_last_step`,
    `alter table staff_user drop column totp_pending_secret`,
    `alter table staff_user drop column totp_secret`,
  ])
    await sql.raw(statement).execute(db)
}
