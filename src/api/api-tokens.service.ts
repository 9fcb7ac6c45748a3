import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../db/database.ts'
import { recordAudit } from '../staff/audit.ts'
import { permissionsFor } from '../staff/permissions.ts'
import { findUserById, type StaffUser } from '../staff/staff.repository.ts'
import * as repo from './api-tokens.repository.ts'

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url')

/** Personal API tokens: shown once, stored hashed, revocable; each change audit-logged with it. */
export function createApiTokenService(db: Db, now: () => Date = () => new Date()) {
  return {
    now,

    list: (user: StaffUser) => repo.listTokens(db, user.id),

    /** A new token for `days` days; its text is returned here once and never stored. */
    async create(user: StaffUser, input: { name: string; days: number }): Promise<string> {
      const token = `pulso_${randomBytes(32).toString('base64url')}`
      await db.transaction().execute(async (trx) => {
        await repo.insertToken(trx, {
          userId: user.id,
          name: input.name,
          tokenHash: hashToken(token),
          expiresAt: new Date(now().getTime() + input.days * 24 * 3600 * 1000),
        })
        await recordAudit(trx, {
          organizationId: user.organizationId,
          userId: user.id,
          action: 'token.create',
          subject: input.name,
          details: { days: input.days },
        })
      })
      return token
    },

    /** Revokes one of the member's own tokens; false when they have no such token. */
    revoke: (user: StaffUser, tokenId: number): Promise<boolean> =>
      db.transaction().execute(async (trx) => {
        if (!(await repo.revokeToken(trx, user.id, tokenId, now()))) return false
        await recordAudit(trx, {
          organizationId: user.organizationId,
          userId: user.id,
          action: 'token.revoke',
          subject: String(tokenId),
        })
        return true
      }),

    /** The staff member a request's bearer token stands for, if the token is live and they may read results. */
    async userFor(authorization: string | undefined): Promise<StaffUser | undefined> {
      const token = /^Bearer (pulso_[A-Za-z0-9_-]{43})$/.exec(authorization ?? '')?.[1]
      if (!token) return undefined
      const userId = await repo.useToken(db, hashToken(token), now())
      const user = userId === undefined ? undefined : (await findUserById(db, userId))?.user
      return permissionsFor(user).readResults ? user : undefined
    },
  }
}

export type ApiTokenService = ReturnType<typeof createApiTokenService>
