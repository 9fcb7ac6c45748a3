import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// Invitations sent by email. An address lives in mail_recipient only while its wave is open and 30 days
// after it closes (then the row goes, and with it the code kept to write reminders); mail_message keeps
// what was sent, per wave and stratum, for the counts, and loses its recipient with the address.
const up_ = [
  `alter table wave add column reminder_after_days integer not null default 7
    check (reminder_after_days between 1 and 60)`,
  // 0: no reminders.
  `alter table wave add column reminder_limit integer not null default 0 check (reminder_limit between 0 and 5)`,
  `alter table invitation_batch add column by_email boolean not null default false`,
  `create table mail_recipient (
    id serial primary key,
    wave_id integer not null references wave (id) on delete cascade,
    invitation_id integer not null unique references invitation (id) on delete cascade,
    address text not null,
    locale text not null,
    -- The invitation's code as written in the first message, so a reminder carries the same link.
    code text not null,
    survey_url text not null,
    opted_out boolean not null default false,
    bounced boolean not null default false,
    reminders_sent integer not null default 0,
    last_sent_at timestamptz,
    created_at timestamptz not null default now()
  )`,
  `create unique index mail_recipient_address on mail_recipient (wave_id, lower(address))`,
  `create table mail_message (
    id serial primary key,
    wave_id integer not null references wave (id) on delete cascade,
    stratum text,
    recipient_id integer references mail_recipient (id) on delete set null,
    kind text not null check (kind in ('invitation', 'reminder')),
    status text not null default 'queued'
      check (status in ('queued', 'sending', 'sent', 'failed', 'bounced', 'cancelled')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    sent_at timestamptz,
    error text,
    created_at timestamptz not null default now()
  )`,
  `create index mail_message_due on mail_message (next_attempt_at) where status in ('queued', 'sending')`,
  `create index mail_message_wave on mail_message (wave_id, stratum)`,
  // One invitation per person, and never two messages waiting for the same person.
  `create unique index mail_message_one_invitation on mail_message (recipient_id) where kind = 'invitation'`,
  `create unique index mail_message_one_pending on mail_message (recipient_id)
    where status in ('queued', 'sending')`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of up_) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `drop table mail_message`,
    `drop table mail_recipient`,
    `alter table invitation_batch drop column by_email`,
    `alter table wave drop column reminder_limit`,
    `alter table wave drop column reminder_after_days`,
  ])
    await sql.raw(statement).execute(db)
}
