import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// Staff set their own passwords: an admin's invitation, or a reset asked from the sign-in page, is a
// single-use link whose token is kept only as a hash. Messages to staff wait in staff_mail until sent;
// the body (it carries the link) is emptied once the mail server has it.
const up_ = [
  `create table staff_link (
    id serial primary key,
    user_id integer not null references staff_user (id) on delete cascade,
    purpose text not null check (purpose in ('invite', 'reset')),
    token_hash text not null unique,
    expires_at timestamptz not null,
    used_at timestamptz,
    created_by integer references staff_user (id) on delete set null,
    created_at timestamptz not null default now()
  )`,
  `create index staff_link_user on staff_link (user_id)`,
  `create table staff_mail (
    id serial primary key,
    address text not null,
    subject text not null,
    body text,
    status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed', 'bounced')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    sent_at timestamptz,
    error text,
    created_at timestamptz not null default now()
  )`,
  `create index staff_mail_due on staff_mail (next_attempt_at) where status in ('queued', 'sending')`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of up_) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table staff_mail`.execute(db)
  await sql`drop table staff_link`.execute(db)
}
