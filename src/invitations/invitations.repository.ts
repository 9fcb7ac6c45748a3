import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { AccessMode, LetterSettings } from '../db/schema.ts'

export interface InvitationRecord {
  id: number
  waveId: number
  stratum: string | null
  started: boolean
  completed: boolean
}

/**
 * Stores a batch of invitations (only their codes' hashes). Returns undefined when a batch with this
 * request key exists already (a form sent twice). Run it inside a transaction.
 */
export async function insertBatch(
  db: Db,
  batch: {
    waveId: number
    stratum: string | null
    codeHashes: string[]
    requestKey: string | null
    createdBy: number | null
    byEmail?: boolean
  },
): Promise<number | undefined> {
  const inserted = await db
    .insertInto('invitation_batch')
    .values({
      wave_id: batch.waveId,
      stratum: batch.stratum,
      size: batch.codeHashes.length,
      request_key: batch.requestKey,
      created_by: batch.createdBy,
      by_email: batch.byEmail ?? false,
    })
    .onConflict((oc) => oc.column('request_key').doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) return undefined
  const id = inserted.id
  for (let start = 0; start < batch.codeHashes.length; start += 1000) {
    await db
      .insertInto('invitation')
      .values(
        batch.codeHashes.slice(start, start + 1000).map((code_hash) => ({
          wave_id: batch.waveId,
          batch_id: id,
          code_hash,
          stratum: batch.stratum,
        })),
      )
      .execute()
  }
  return id
}

export async function findInvitation(db: Db, codeHash: string): Promise<InvitationRecord | undefined> {
  return db
    .selectFrom('invitation')
    .select(['id', 'wave_id as waveId', 'stratum', 'started', 'completed'])
    .where('code_hash', '=', codeHash)
    .executeTakeFirst()
}

export async function markStarted(db: Db, invitationId: number): Promise<void> {
  await db.updateTable('invitation').set({ started: true }).where('id', '=', invitationId).execute()
}

/**
 * Uses an invitation up, once: a second transaction racing on the same code waits for the first and
 * then finds it completed. Returns the stratum for the response, or undefined if it was already used.
 */
export async function completeOnce(
  db: Db,
  invitationId: number,
): Promise<{ stratum: string | null } | undefined> {
  return db
    .updateTable('invitation')
    .set({ completed: true, started: true })
    .where('id', '=', invitationId)
    .where('completed', '=', false)
    .returning('stratum')
    .executeTakeFirst()
}

export async function listBatches(db: Db, waveId: number) {
  return db
    .selectFrom('invitation_batch as b')
    .leftJoin('staff_user as u', 'u.id', 'b.created_by')
    .select([
      'b.id',
      'b.stratum',
      'b.size',
      'b.by_email as byEmail',
      'b.created_at as createdAt',
      'u.email as createdBy',
    ])
    .where('b.wave_id', '=', waveId)
    .orderBy('b.id')
    .execute()
}

export interface ResponseRate {
  stratum: string | null
  invited: number
  started: number
  completed: number
  /** Invitations of the stratum that went out by email and were accepted by the mail server. */
  emailed: number
}

/** Invited, emailed, started and completed per stratum of a wave (strata in order, the unstratified last). */
export async function responseRates(db: Db, waveId: number): Promise<ResponseRate[]> {
  const rows = await db
    .selectFrom('invitation')
    .select([
      'stratum',
      sql<number>`count(*)::int`.as('invited'),
      sql<number>`count(*) filter (where started)::int`.as('started'),
      sql<number>`count(*) filter (where completed)::int`.as('completed'),
      sql<number>`(select count(*)::int from mail_message m where m.wave_id = ${waveId}
        and m.stratum is not distinct from invitation.stratum and m.kind = 'invitation' and m.status = 'sent')`.as(
        'emailed',
      ),
    ])
    .where('wave_id', '=', waveId)
    .groupBy('stratum')
    .orderBy(sql`stratum is null`)
    .orderBy('stratum')
    .execute()
  return rows
}

export async function setAccessMode(db: Db, waveId: number, mode: AccessMode): Promise<void> {
  await db.updateTable('wave').set({ access_mode: mode }).where('id', '=', waveId).execute()
}

/** The database's pepper for invitation codes, made on first use (every instance and the CLI share it). */
export async function invitationPepper(db: Db): Promise<string> {
  await db
    .insertInto('instance_key')
    .values({ name: 'invitation-pepper', value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute()
  const row = await db
    .selectFrom('instance_key')
    .select('value')
    .where('name', '=', 'invitation-pepper')
    .executeTakeFirstOrThrow()
  return row.value
}

/** The organization's address and name, for the letters. */
export async function organizationOf(db: Db, organizationId: number) {
  return db
    .selectFrom('organization')
    .select(['slug', 'name', 'names', 'portuguese'])
    .where('id', '=', organizationId)
    .executeTakeFirstOrThrow()
}

/** The strata a wave's invitations were made for already (a new list must keep them). */
export async function strataInUse(db: Db, waveId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('invitation_batch')
    .select('stratum')
    .distinct()
    .where('wave_id', '=', waveId)
    .where('stratum', 'is not', null)
    .execute()
  return rows.map((r) => r.stratum!)
}

export async function setStrataAndLetter(
  db: Db,
  waveId: number,
  settings: { strata: string[]; letter: LetterSettings },
): Promise<void> {
  await db
    .updateTable('wave')
    .set({ strata: settings.strata, letter: JSON.stringify(settings.letter) })
    .where('id', '=', waveId)
    .execute()
}
