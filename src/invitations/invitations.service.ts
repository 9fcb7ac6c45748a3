import type { Db } from '../db/database.ts'
import { newCode, normalizeCode, respondentKey, respondentKeyHash } from './invitation-codes.ts'
import * as repo from './invitations.repository.ts'
import { recordAudit, type AuditEntry } from '../staff/audit.ts'
import type { AccessMode, LetterSettings } from '../db/schema.ts'
import { stratumKey } from './strata.ts'

export type CodeCheck =
  | { kind: 'malformed' }
  | { kind: 'unknown' }
  | { kind: 'otherWave' }
  | { kind: 'used' }
  | { kind: 'valid'; invitation: repo.InvitationRecord; key: string; keyHash: string }

interface NewBatch {
  waveId: number
  count: number
  stratum: string | null
  requestKey?: string | undefined
  createdBy: number | null
  byEmail?: boolean
}

/** New codes for a wave, inside the caller's transaction; undefined when the request key was used. */
export async function makeInvitations(
  db: Db,
  batch: NewBatch,
): Promise<{ batchId: number; codes: string[]; codeHashes: string[] } | undefined> {
  const pepper = await repo.invitationPepper(db)
  const codes = new Set<string>()
  while (codes.size < batch.count) codes.add(newCode())
  const list = [...codes]
  const codeHashes = list.map((code) => respondentKeyHash(respondentKey(pepper, normalizeCode(code)!)))
  const batchId = await repo.insertBatch(db, {
    waveId: batch.waveId,
    stratum: batch.stratum,
    codeHashes,
    requestKey: batch.requestKey ?? null,
    createdBy: batch.createdBy,
    byEmail: batch.byEmail ?? false,
  })
  return batchId === undefined ? undefined : { batchId, codes: list, codeHashes }
}

/** Invitation codes for a drawn sample: made in batches, checked when a respondent types one. */
export function createInvitationService(db: Db) {
  let pepper: Promise<string> | undefined
  const pepperOf = () => {
    pepper ??= repo.invitationPepper(db)
    pepper.catch(() => (pepper = undefined))
    return pepper
  }
  return {
    /**
     * Makes `count` new codes for a wave, audit-logged in the same transaction; the codes are returned
     * once and only their hashes are kept.
     */
    create: (batch: NewBatch, audit: Omit<AuditEntry, 'action' | 'details'>) =>
      db.transaction().execute(async (trx) => {
        const made = await makeInvitations(trx, batch)
        if (made)
          await recordAudit(trx, {
            ...audit,
            action: 'invitations.create',
            details: { batch: made.batchId, count: made.codes.length, stratum: batch.stratum },
          })
        return made
      }),

    /** What a typed code is worth for this wave. */
    async check(typed: string, waveId: number): Promise<CodeCheck> {
      const code = normalizeCode(typed)
      if (!code) return { kind: 'malformed' }
      const key = respondentKey(await pepperOf(), code)
      const keyHash = respondentKeyHash(key)
      const invitation = await repo.findInvitation(db, keyHash)
      if (!invitation) return { kind: 'unknown' }
      if (invitation.waveId !== waveId) return { kind: 'otherWave' }
      if (invitation.completed) return { kind: 'used' }
      return { kind: 'valid', invitation, key, keyHash }
    },

    /** Whether the respondent key of a cookie belongs to an invitation already used. */
    async usedByKeyHash(keyHash: string): Promise<boolean> {
      return (await repo.findInvitation(db, keyHash))?.completed ?? false
    },

    organization: repo.organizationOf.bind(null, db),
    responseRates: repo.responseRates.bind(null, db),
    listBatches: repo.listBatches.bind(null, db),
    /**
     * A wave's strata and what its letters carry, audit-logged with before and after. Refused (with
     * the strata missing) when the new list leaves out strata that invitations were made for.
     */
    setStrataAndLetter: (
      wave: { id: number; strata: string[]; letter: LetterSettings },
      settings: { strata: string[]; letter: LetterSettings },
      audit: Omit<AuditEntry, 'action' | 'details'>,
    ) =>
      db.transaction().execute(async (trx) => {
        const kept = new Set(settings.strata.map(stratumKey))
        const dropped = (await repo.strataInUse(trx, wave.id)).filter((s) => !kept.has(stratumKey(s)))
        if (settings.strata.length > 0 && dropped.length > 0) return { ok: false as const, dropped }
        await repo.setStrataAndLetter(trx, wave.id, settings)
        await recordAudit(trx, {
          ...audit,
          action: 'invitations.letter',
          details: {
            before: { strata: wave.strata, ...wave.letter },
            after: { strata: settings.strata, ...settings.letter },
          },
        })
        return { ok: true as const }
      }),

    /** Who may answer the wave (open, invitation, both), audit-logged in the same transaction. */
    setAccessMode: (waveId: number, mode: AccessMode, audit: Omit<AuditEntry, 'action' | 'details'>) =>
      db.transaction().execute(async (trx) => {
        await repo.setAccessMode(trx, waveId, mode)
        await recordAudit(trx, { ...audit, action: 'wave.access', details: { accessMode: mode } })
      }),
  }
}

export type InvitationService = ReturnType<typeof createInvitationService>
