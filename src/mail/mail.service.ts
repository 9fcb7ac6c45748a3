import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Db } from '../db/database.ts'
import { invitationPepper } from '../invitations/invitations.repository.ts'
import { makeInvitations } from '../invitations/invitations.service.ts'
import { recordAudit, type AuditEntry } from '../staff/audit.ts'
import type { ListedPerson } from './address-list.ts'
import * as repo from './mail.repository.ts'

type Audit = Omit<AuditEntry, 'action' | 'details'>

/** How a message that could not be sent is tried again: 1 min, 5 min, 30 min, 2 h, then given up. */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000]

/**
 * Email invitations for a drawn sample: the list of addresses per wave, the queue of invitations and
 * reminders that the background sender empties, and each person's way out.
 */
export function createMailService(db: Db, now: () => Date) {
  let pepper: Promise<string> | undefined
  const pepperOf = () => {
    pepper ??= invitationPepper(db)
    pepper.catch(() => (pepper = undefined))
    return pepper
  }
  const queuedListeners: (() => void)[] = []
  /** What a send's result means for its message: a retry is queued again later, until the delays run out. */
  function outcomeOf<O extends string>(attempts: number, outcome: O | 'retry', error: string | undefined) {
    const at = now()
    const retryIn = RETRY_DELAYS_MS[attempts - 1]
    const status =
      outcome === 'retry' ? (retryIn === undefined ? ('failed' as const) : ('queued' as const)) : outcome
    return {
      status,
      at,
      ...(error ? { error } : {}),
      ...(retryIn !== undefined && outcome === 'retry' ? { retryAt: new Date(at.getTime() + retryIn) } : {}),
    }
  }
  const optOutMac = async (recipientId: number) =>
    createHmac('sha256', await pepperOf())
      .update(`opt-out:${recipientId}`)
      .digest()
      .subarray(0, 16)

  /** The recipient an opt-out token names, if it is genuine. */
  async function recipientOfToken(token: string): Promise<number | undefined> {
    const match = /^(\d{1,10})\.([A-Za-z0-9_-]{22})$/.exec(token)
    if (!match) return undefined
    const id = Number(match[1])
    const given = Buffer.from(match[2]!, 'base64url')
    const expected = await optOutMac(id)
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined
  }

  return {
    /**
     * Adds people to a wave's list: each gets an invitation code of their stratum (one batch per
     * stratum), kept with the address to write their link. Addresses already on the list are left
     * out. Undefined when this form was sent already.
     */
    addList: (
      list: {
        waveId: number
        people: ListedPerson[]
        surveyUrl: string
        requestKey: string
        createdBy: number | null
      },
      audit: Audit,
    ) =>
      db.transaction().execute(async (trx) => {
        if (await repo.batchMadeBy(trx, `${list.requestKey}:0`)) return undefined
        const known = await repo.addressesOnList(
          trx,
          list.waveId,
          list.people.map((p) => p.address.toLowerCase()),
        )
        const fresh = list.people.filter((p) => !known.has(p.address.toLowerCase()))
        const strata = new Map<string | null, ListedPerson[]>()
        for (const person of fresh)
          strata.set(person.stratum, [...(strata.get(person.stratum) ?? []), person])
        let position = 0
        for (const [stratum, people] of strata) {
          const made = await makeInvitations(trx, {
            waveId: list.waveId,
            count: people.length,
            stratum,
            // One key per stratum's batch: the form sent twice makes none of them twice.
            requestKey: `${list.requestKey}:${position++}`,
            createdBy: list.createdBy,
            byEmail: true,
          })
          if (!made) return undefined
          const ids = await repo.invitationsOfBatch(trx, made.batchId)
          await repo.insertRecipients(
            trx,
            list.waveId,
            people.map((person, i) => ({
              invitationId: ids.get(made.codeHashes[i]!)!,
              address: person.address,
              locale: person.locale,
              code: made.codes[i]!,
              surveyUrl: list.surveyUrl,
            })),
          )
        }
        await recordAudit(trx, {
          ...audit,
          action: 'invitations.emailList',
          details: {
            added: fresh.length,
            alreadyListed: list.people.length - fresh.length,
            strata: strata.size,
          },
        })
        return { added: fresh.length, alreadyListed: list.people.length - fresh.length }
      }),

    /** Queues an invitation for everyone on the list not written to yet; returns how many. */
    async sendInvitations(waveId: number, audit: Audit): Promise<number> {
      const queued = await db.transaction().execute(async (trx) => {
        const queued = await repo.queueInvitations(trx, waveId, now())
        await recordAudit(trx, { ...audit, action: 'invitations.emailSend', details: { queued } })
        return queued
      })
      for (const listener of queuedListeners) listener()
      return queued
    },

    /** Calls `listener` whenever messages were queued (the sender looks at once instead of at its next poll). */
    onQueued(listener: () => void) {
      queuedListeners.push(listener)
    },

    setReminders: (waveId: number, reminders: { afterDays: number; limit: number }, audit: Audit) =>
      db.transaction().execute(async (trx) => {
        const before = await repo.reminderSettings(trx, waveId)
        await repo.setReminders(trx, waveId, reminders.afterDays, reminders.limit)
        await recordAudit(trx, {
          ...audit,
          action: 'invitations.reminders',
          details: { before, after: reminders },
        })
      }),

    /** What staff see of a wave's email: the list, the messages by outcome, the last failures. */
    async overview(waveId: number) {
      const [list, messages, failures, reminders] = await Promise.all([
        repo.listCounts(db, waveId),
        repo.messageCounts(db, waveId),
        repo.recentFailures(db, waveId),
        repo.reminderSettings(db, waveId),
      ])
      return { list, messages, failures, reminders }
    },

    emailedByStratum: repo.emailedByStratum.bind(null, db),

    /** The link in every message that lets its reader stop them. */
    async optOutToken(recipientId: number): Promise<string> {
      return `${recipientId}.${(await optOutMac(recipientId)).toString('base64url')}`
    },

    /** Whether a token opens an opt-out page: 'listed', 'optedOut' or 'unknown' (forgotten or forged). */
    async optOutState(token: string): Promise<'listed' | 'optedOut' | 'unknown'> {
      const id = await recipientOfToken(token)
      const found = id === undefined ? undefined : await repo.recipientExists(db, id)
      return !found ? 'unknown' : found.optedOut ? 'optedOut' : 'listed'
    },

    /** Nothing more is sent to the token's person; false when the token names nobody kept. */
    async optOut(token: string): Promise<boolean> {
      const id = await recipientOfToken(token)
      return id === undefined ? false : db.transaction().execute((trx) => repo.optOut(trx, id))
    },

    /** Queues a message to a staff member (the sender wakes at once). */
    async queueStaffMail(mail: { address: string; subject: string; body: string }): Promise<void> {
      await repo.queueStaffMail(db, mail, now())
      for (const listener of queuedListeners) listener()
    },

    // For the background sender.
    claimStaffMail: () => repo.claimStaffMail(db, now()),
    settleStaffMail: (
      message: repo.ClaimedStaffMail,
      outcome: 'sent' | 'bounced' | 'retry',
      error?: string,
    ) => repo.settleStaffMail(db, message.id, outcomeOf(message.attempts, outcome, error)),
    claimNext: () => repo.claimNext(db, now()),
    deliverable: (recipientId: number) => repo.deliverable(db, recipientId),
    /** Records a message's outcome; a temporary failure is tried again later, up to a limit. */
    settle: (
      message: repo.ClaimedMessage,
      outcome: 'sent' | 'cancelled' | 'bounced' | 'retry',
      error?: string,
    ) =>
      db
        .transaction()
        .execute((trx) => repo.settle(trx, message, outcomeOf(message.attempts, outcome, error))),
    /** Reminders that have fallen due, waiting messages of closed waves, addresses kept too long. */
    async keepUp(): Promise<{ reminders: number; forgotten: number }> {
      const at = now()
      await repo.cancelForClosedWaves(db)
      const reminders = await repo.queueDueReminders(db, at)
      const forgotten = await repo.forgetExpiredAddresses(db, at)
      return { reminders, forgotten }
    },
  }
}

export type MailService = ReturnType<typeof createMailService>
