import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../db/database.ts'
import type { MailKind, MailStatus } from '../db/schema.ts'
import { CLOSED, OPEN_STATUSES } from '../series/wave-rules.ts'

/** How long an address is kept after its wave closes (said in the README). */
export const KEEP_ADDRESSES_DAYS = 30
/** A message claimed by a sender that then vanished (a crash) is tried again after this. */
const CLAIM_MS = 10 * 60_000

export interface NewRecipient {
  invitationId: number
  address: string
  locale: string
  code: string
  surveyUrl: string
}

/** Adds people to a wave's list, inside the caller's transaction. */
export async function insertRecipients(db: Db, waveId: number, people: NewRecipient[]): Promise<void> {
  for (let start = 0; start < people.length; start += 1000) {
    await db
      .insertInto('mail_recipient')
      .values(
        people.slice(start, start + 1000).map((p) => ({
          wave_id: waveId,
          invitation_id: p.invitationId,
          address: p.address,
          locale: p.locale,
          code: p.code,
          survey_url: p.surveyUrl,
        })),
      )
      .execute()
  }
}

/** Which of these addresses (lower case) a wave's list holds already. */
export async function addressesOnList(db: Db, waveId: number, lowered: string[]): Promise<Set<string>> {
  if (lowered.length === 0) return new Set()
  const rows = await db
    .selectFrom('mail_recipient')
    .select(sql<string>`lower(address)`.as('address'))
    .where('wave_id', '=', waveId)
    .where(sql<string>`lower(address)`, 'in', lowered)
    .execute()
  return new Set(rows.map((r) => r.address))
}

/** Whether a form's key made a batch already (the form sent twice). */
export async function batchMadeBy(db: Db, requestKey: string): Promise<boolean> {
  const row = await db
    .selectFrom('invitation_batch')
    .select('id')
    .where('request_key', '=', requestKey)
    .executeTakeFirst()
  return row !== undefined
}

/** A batch's invitations by their code's hash. */
export async function invitationsOfBatch(db: Db, batchId: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('invitation')
    .select(['id', 'code_hash'])
    .where('batch_id', '=', batchId)
    .execute()
  return new Map(rows.map((r) => [r.code_hash, r.id]))
}

/** Queues the first message for everyone on the list who has none yet; returns how many. */
export async function queueInvitations(db: Db, waveId: number, now: Date): Promise<number> {
  const result = await sql`
    insert into mail_message (wave_id, stratum, recipient_id, kind, next_attempt_at)
    select r.wave_id, i.stratum, r.id, 'invitation', ${now}
    from mail_recipient r join invitation i on i.id = r.invitation_id
    where r.wave_id = ${waveId} and not r.opted_out and not i.completed
      and not exists (select 1 from mail_message m where m.recipient_id = r.id and m.kind = 'invitation')
    order by r.id
    on conflict do nothing`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

/**
 * Queues a reminder for everyone of an open wave who has not answered, opted out or bounced, whose last
 * message is at least the wave's delay old and who has had fewer reminders than its limit.
 */
export async function queueDueReminders(db: Db, now: Date): Promise<number> {
  const result = await sql`
    insert into mail_message (wave_id, stratum, recipient_id, kind, next_attempt_at)
    select r.wave_id, i.stratum, r.id, 'reminder', ${now}
    from mail_recipient r
      join invitation i on i.id = r.invitation_id
      join wave w on w.id = r.wave_id
    where w.status in (${sql.join(OPEN_STATUSES)})
      and not r.opted_out and not r.bounced and not i.completed
      and r.last_sent_at is not null
      and r.last_sent_at <= ${now}::timestamptz - w.reminder_after_days * interval '1 day'
      and r.reminders_sent < w.reminder_limit
      and not exists (
        select 1 from mail_message m where m.recipient_id = r.id and m.status in ('queued', 'sending'))
    order by r.id
    on conflict do nothing`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

/** Forgets the addresses (and the codes kept with them) of waves closed more than 30 days ago. */
export async function forgetExpiredAddresses(db: Db, now: Date): Promise<number> {
  const result = await sql`
    delete from mail_recipient r using wave w
    where w.id = r.wave_id and w.status = ${CLOSED}
      and coalesce(w.closes_at, w.created_at) <= ${now}::timestamptz - ${KEEP_ADDRESSES_DAYS} * interval '1 day'`.execute(
    db,
  )
  return Number(result.numAffectedRows ?? 0)
}

export interface ClaimedMessage {
  id: number
  kind: MailKind
  attempts: number
  recipientId: number | null
}

/**
 * Takes the next message due in a queue (queued, or claimed by a sender that has not settled it in
 * CLAIM_MS), so that no other sender, on this instance or another, takes it meanwhile.
 */
async function claimDue<T>(
  db: Db,
  queue: 'mail_message' | 'staff_mail',
  now: Date,
  returning: RawBuilder<unknown>,
  also: RawBuilder<unknown> = sql`true`,
): Promise<T | undefined> {
  const result = await sql<T>`
    update ${sql.table(queue)} set status = 'sending', attempts = attempts + 1,
      next_attempt_at = ${new Date(now.getTime() + CLAIM_MS)}
    where id = (
      select id from ${sql.table(queue)}
      where status in ('queued', 'sending') and next_attempt_at <= ${now} and ${also}
      order by next_attempt_at, id
      limit 1
      for update skip locked)
    returning ${returning}`.execute(db)
  return result.rows[0]
}

/** Takes the next invitation or reminder due. */
export const claimNext = (db: Db, now: Date) =>
  claimDue<ClaimedMessage>(db, 'mail_message', now, sql`id, kind, attempts, recipient_id as "recipientId"`)

/** What writing to one person needs, if they may still be written to (undefined otherwise). */
export async function deliverable(db: Db, recipientId: number) {
  return db
    .selectFrom('mail_recipient as r')
    .innerJoin('invitation as i', 'i.id', 'r.invitation_id')
    .innerJoin('wave as w', 'w.id', 'r.wave_id')
    .innerJoin('survey_series as s', 's.id', 'w.series_id')
    .innerJoin('organization as o', 'o.id', 's.organization_id')
    .select([
      'r.id',
      'r.address',
      'r.locale',
      'r.code',
      'r.survey_url as surveyUrl',
      'w.year',
      'w.closes_at as closesAt',
      'w.letter',
      's.title as seriesTitle',
      'o.name as organizationName',
      'o.names as organizationNames',
    ])
    .where('r.id', '=', recipientId)
    .where('r.opted_out', '=', false)
    .where('r.bounced', '=', false)
    .where('i.completed', '=', false)
    .where('w.status', 'in', OPEN_STATUSES)
    .executeTakeFirst()
}

/** Records a message's outcome; a sent one also dates its recipient's last message. */
export async function settle(
  db: Db,
  message: ClaimedMessage,
  outcome: { status: MailStatus; at: Date; error?: string; retryAt?: Date },
): Promise<void> {
  await db
    .updateTable('mail_message')
    .set({
      status: outcome.status,
      sent_at: outcome.status === 'sent' ? outcome.at : null,
      error: outcome.error ?? null,
      ...(outcome.retryAt ? { next_attempt_at: outcome.retryAt } : {}),
    })
    .where('id', '=', message.id)
    .execute()
  if (message.recipientId === null) return
  if (outcome.status === 'sent')
    await db
      .updateTable('mail_recipient')
      .set((eb) => ({
        last_sent_at: outcome.at,
        reminders_sent: message.kind === 'reminder' ? eb('reminders_sent', '+', 1) : eb.ref('reminders_sent'),
      }))
      .where('id', '=', message.recipientId)
      .execute()
  if (outcome.status === 'bounced')
    await db
      .updateTable('mail_recipient')
      .set({ bounced: true })
      .where('id', '=', message.recipientId)
      .execute()
}

/** Stops writing to someone (their opt-out link); false when the address is no longer kept. */
export async function optOut(db: Db, recipientId: number): Promise<boolean> {
  const updated = await db
    .updateTable('mail_recipient')
    .set({ opted_out: true })
    .where('id', '=', recipientId)
    .returning('id')
    .executeTakeFirst()
  if (!updated) return false
  await db
    .updateTable('mail_message')
    .set({ status: 'cancelled' })
    .where('recipient_id', '=', recipientId)
    .where('status', '=', 'queued')
    .execute()
  return true
}

export async function recipientExists(db: Db, recipientId: number) {
  return db
    .selectFrom('mail_recipient')
    .select(['id', 'opted_out as optedOut'])
    .where('id', '=', recipientId)
    .executeTakeFirst()
}

export interface MailCounts {
  kind: MailKind
  queued: number
  sent: number
  failed: number
  bounced: number
  cancelled: number
}

/** Messages of a wave by kind and outcome ('sending' counts as queued). */
export async function messageCounts(db: Db, waveId: number): Promise<MailCounts[]> {
  return db
    .selectFrom('mail_message')
    .select([
      'kind',
      sql<number>`count(*) filter (where status in ('queued', 'sending'))::int`.as('queued'),
      sql<number>`count(*) filter (where status = 'sent')::int`.as('sent'),
      sql<number>`count(*) filter (where status = 'failed')::int`.as('failed'),
      sql<number>`count(*) filter (where status = 'bounced')::int`.as('bounced'),
      sql<number>`count(*) filter (where status = 'cancelled')::int`.as('cancelled'),
    ])
    .where('wave_id', '=', waveId)
    .groupBy('kind')
    .orderBy('kind')
    .execute()
}

/** The people on a wave's list: how many, not yet written to, opted out. */
export async function listCounts(db: Db, waveId: number) {
  const row = await db
    .selectFrom('mail_recipient as r')
    .select([
      sql<number>`count(*)::int`.as('people'),
      sql<number>`count(*) filter (where r.opted_out)::int`.as('optedOut'),
      sql<number>`count(*) filter (where not exists (
        select 1 from mail_message m where m.recipient_id = r.id and m.kind = 'invitation'))::int`.as(
        'unsent',
      ),
    ])
    .where('r.wave_id', '=', waveId)
    .executeTakeFirstOrThrow()
  return row
}

/** The latest failures of a wave, for staff to read what the mail server said. */
export async function recentFailures(db: Db, waveId: number, limit = 5) {
  return db
    .selectFrom('mail_message')
    .select(['status', 'error', 'kind', 'created_at as createdAt'])
    .where('wave_id', '=', waveId)
    .where('status', 'in', ['failed', 'bounced'])
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}

/** Invitations sent by email per stratum of a wave, for the response rates. */
export async function emailedByStratum(db: Db, waveId: number) {
  return db
    .selectFrom('mail_message')
    .select(['stratum', sql<number>`count(*)::int`.as('emailed')])
    .where('wave_id', '=', waveId)
    .where('kind', '=', 'invitation')
    .where('status', '=', 'sent')
    .groupBy('stratum')
    .execute()
}

/** Waiting messages of waves no longer open are not sent. */
export async function cancelForClosedWaves(db: Db): Promise<void> {
  await sql`
    update mail_message m set status = 'cancelled'
    from wave w
    where w.id = m.wave_id and m.status = 'queued' and w.status not in (${sql.join(OPEN_STATUSES)})`.execute(
    db,
  )
}

export async function setReminders(db: Db, waveId: number, afterDays: number, limit: number): Promise<void> {
  await db
    .updateTable('wave')
    .set({ reminder_after_days: afterDays, reminder_limit: limit })
    .where('id', '=', waveId)
    .execute()
}

export async function reminderSettings(db: Db, waveId: number) {
  return db
    .selectFrom('wave')
    .select(['reminder_after_days as afterDays', 'reminder_limit as limit'])
    .where('id', '=', waveId)
    .executeTakeFirstOrThrow()
}

/** A message to a staff member (their invitation or password reset), waiting for the sender. */
export async function queueStaffMail(
  db: Db,
  mail: { address: string; subject: string; body: string },
  now: Date,
): Promise<void> {
  await db
    .insertInto('staff_mail')
    .values({ address: mail.address, subject: mail.subject, body: mail.body, next_attempt_at: now })
    .execute()
}

export interface ClaimedStaffMail {
  id: number
  address: string
  subject: string
  body: string
  attempts: number
}

/** Takes the next message to staff that is due (one whose body, with its link, is still kept). */
export const claimStaffMail = (db: Db, now: Date) =>
  claimDue<ClaimedStaffMail>(
    db,
    'staff_mail',
    now,
    sql`id, address, subject, body, attempts`,
    sql`body is not null`,
  )

/** A message to staff sent (its body, with the link, forgotten), refused, or to be tried again. */
export async function settleStaffMail(
  db: Db,
  id: number,
  outcome: { status: 'queued' | 'sent' | 'failed' | 'bounced'; at: Date; error?: string; retryAt?: Date },
): Promise<void> {
  await db
    .updateTable('staff_mail')
    .set({
      status: outcome.status,
      sent_at: outcome.status === 'sent' ? outcome.at : null,
      error: outcome.error ?? null,
      ...(outcome.status === 'queued' ? {} : { body: null }),
      ...(outcome.retryAt ? { next_attempt_at: outcome.retryAt } : {}),
    })
    .where('id', '=', id)
    .execute()
}
