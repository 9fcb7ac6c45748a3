import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../db/database.ts'
import type { StaffRole } from '../db/schema.ts'
import { auditPeople, listAudit, recordAudit, type AuditAction, type AuditFilter } from './audit.ts'
import { hashPassword, UNUSABLE_HASH, verifyPassword } from './password.ts'
import * as repo from './staff.repository.ts'
import { acceptedStep, newRecoveryCodes, newTotpSecret, newTotpUri, recoveryCodeHash } from './two-factor.ts'
import type { StaffUser } from './staff.repository.ts'
import { insertOrganization } from '../questionnaire/questionnaire.repository.ts'

export const SESSION_HOURS = 12
/** How long a session whose password was right waits for the second factor. */
export const CODE_MINUTES = 10
// Five wrong passwords for one account within 15 minutes lock it for the rest of that window.
export const FAILURES_BEFORE_LOCK = 5
export const FAILURE_WINDOW_MS = 15 * 60_000

export const STAFF_ROLES = [
  'admin',
  'designer',
  'evaluator',
  'facilitator',
] as const satisfies readonly StaffRole[]

export const hashSessionId = (id: string) => createHash('sha256').update(id).digest('base64url')

export type SignInResult =
  | { ok: true; sessionId: string; user: StaffUser; awaitingCode: boolean }
  | { ok: false; reason: 'invalid' | 'throttled' }

/** How long a link to set one's password stays valid: an invitation, and a reset asked for. */
export const LINK_HOURS = { invite: 72, reset: 2 } as const

/** Staff accounts: sign-in with throttling, sessions in the database, users managed per organization. */
export function createStaffService(db: Db, now: () => Date = () => new Date()) {
  /** A new single-use link's token (returned once; its hash is kept). */
  async function newLink(trx: Db, userId: number, purpose: 'invite' | 'reset', createdBy: number | null) {
    const token = randomBytes(32).toString('base64url')
    await repo.insertLink(trx, {
      userId,
      purpose,
      tokenHash: hashSessionId(token),
      expiresAt: new Date(now().getTime() + LINK_HOURS[purpose] * 3600_000),
      createdBy,
    })
    return token
  }
  return {
    /** The organization's audit trail, newest first, filtered by person, action and days. */
    auditLog: (organizationId: number, filter: AuditFilter = {}, limit?: number) =>
      listAudit(db, organizationId, filter, limit),
    auditPeople: (organizationId: number) => auditPeople(db, organizationId),

    /** A download of results (trends, microdata) in the audit log: who took which file, when. */
    recordDownload: (
      user: StaffUser,
      action: Extract<AuditAction, `download.${string}`>,
      subject: string,
      details: Record<string, unknown>,
    ) => recordAudit(db, { organizationId: user.organizationId, userId: user.id, action, subject, details }),

    /** An organization by the slug of its addresses (operators name it so). */
    organizationBySlug: (slug: string) => repo.findOrganizationBySlug(db, slug),

    /** Every organization of the instance (the platform administrator's page). */
    listOrganizations: () => repo.listOrganizations(db),

    async signIn(email: string, password: string): Promise<SignInResult> {
      const account = email.trim().toLowerCase()
      const at = now()
      const since = new Date(at.getTime() - FAILURE_WINDOW_MS)
      // The attempt counts as a failure until its password proves right.
      if (!(await repo.reserveAttempt(db, { account, since, now: at, limit: FAILURES_BEFORE_LOCK })))
        return { ok: false, reason: 'throttled' }
      const found = await repo.findUserByEmail(db, account)
      // Hash even for unknown accounts so the answer takes as long either way.
      const matches = await verifyPassword(password, found?.passwordHash ?? UNUSABLE_HASH)
      if (!found || !matches || found.user.disabled) return { ok: false, reason: 'invalid' }
      const sessionId = randomBytes(32).toString('base64url')
      // With a second factor, the password opens a session that waits 10 minutes for the code.
      const awaitingCode = found.user.twoFactor
      await db.transaction().execute(async (trx) => {
        if (!awaitingCode) await repo.clearFailures(trx, account, since)
        await repo.deleteExpiredSessions(trx, at)
        await repo.createSession(
          trx,
          hashSessionId(sessionId),
          found.user.id,
          new Date(at.getTime() + (awaitingCode ? CODE_MINUTES * 60_000 : SESSION_HOURS * 3600_000)),
          awaitingCode,
        )
        if (!awaitingCode)
          await recordAudit(trx, {
            organizationId: found.user.organizationId,
            userId: found.user.id,
            action: 'staff.sign_in',
          })
      })
      return { ok: true, sessionId, user: found.user, awaitingCode }
    },

    /** Whether this session waits for a second factor (the code page shows only then). */
    awaitingCode: async (sessionId: string) =>
      (await repo.findSessionAwaitingCode(db, hashSessionId(sessionId), now())) !== undefined,

    /**
     * The second step: a code from the authenticator app (each works once) or a recovery code. The
     * session opens under a new id; wrong codes count against the account like wrong passwords.
     */
    async signInWithCode(
      sessionId: string,
      typed: string,
    ): Promise<{ ok: true; sessionId: string } | { ok: false; reason: 'invalid' | 'throttled' | 'expired' }> {
      const at = now()
      const waiting = await repo.findSessionAwaitingCode(db, hashSessionId(sessionId), at)
      if (!waiting?.secret) return { ok: false, reason: 'expired' }
      const account = waiting.user.email.toLowerCase()
      const since = new Date(at.getTime() - FAILURE_WINDOW_MS)
      if (!(await repo.reserveAttempt(db, { account, since, now: at, limit: FAILURES_BEFORE_LOCK })))
        return { ok: false, reason: 'throttled' }
      const step = await acceptedStep(waiting.secret, typed, at, waiting.lastStep)
      const recovery = step === undefined ? recoveryCodeHash(typed) : undefined
      const opened = randomBytes(32).toString('base64url')
      const ok = await db.transaction().execute(async (trx) => {
        const used =
          step !== undefined
            ? await repo.useTimeStep(trx, waiting.user.id, step)
            : recovery !== undefined && (await repo.useRecoveryCode(trx, waiting.user.id, recovery, at))
        if (!used) return false
        await repo.clearFailures(trx, account, since)
        await repo.openAwaitingSession(trx, hashSessionId(sessionId), hashSessionId(opened))
        await repo.extendSession(
          trx,
          hashSessionId(opened),
          new Date(at.getTime() + SESSION_HOURS * 3600_000),
        )
        await recordAudit(trx, {
          organizationId: waiting.user.organizationId,
          userId: waiting.user.id,
          action: 'staff.sign_in',
          details: { secondFactor: step !== undefined ? 'totp' : 'recoveryCode' },
        })
        return true
      })
      return ok ? { ok: true, sessionId: opened } : { ok: false, reason: 'invalid' }
    },

    /** Starts enrolment: a new secret to scan, kept as pending until a code confirms it. */
    async beginTwoFactor(user: StaffUser): Promise<{ secret: string; uri: string }> {
      const made = newTotpSecret(user.email, `Pulso (${user.organizationName})`)
      await repo.setPendingSecret(db, user.id, made.secret)
      return made
    },

    /** The secret being set up, to show again after a wrong code. */
    async pendingTwoFactor(user: StaffUser): Promise<{ secret: string; uri: string } | undefined> {
      const state = await repo.twoFactorState(db, user.id)
      if (!state.pendingSecret) return undefined
      return {
        secret: state.pendingSecret,
        uri: newTotpUri(user.email, `Pulso (${user.organizationName})`, state.pendingSecret),
      }
    },

    /** Confirms enrolment with a code from the app; returns the ten recovery codes, shown once. */
    async confirmTwoFactor(user: StaffUser, typed: string): Promise<string[] | undefined> {
      const state = await repo.twoFactorState(db, user.id)
      if (!state.pendingSecret) return undefined
      const step = await acceptedStep(state.pendingSecret, typed, now(), null)
      if (step === undefined) return undefined
      const codes = newRecoveryCodes()
      await db.transaction().execute(async (trx) => {
        await repo.setTwoFactor(trx, user.id, {
          secret: state.pendingSecret!,
          recoveryCodeHashes: codes.map((c) => recoveryCodeHash(c)!),
          lastStep: step,
        })
        await recordAudit(trx, {
          organizationId: user.organizationId,
          userId: user.id,
          action: 'staff.two_factor_on',
        })
      })
      return codes
    },

    recoveryCodesLeft: (user: StaffUser) => repo.recoveryCodesLeft(db, user.id),

    /** Whether the member's organization requires a second factor of their role. */
    twoFactorRequiredOf: (user: StaffUser) => repo.twoFactorRequiredOf(db, user),

    /** An admin requires (or stops requiring) a second factor of the organization's admins and evaluators. */
    async setRequireTwoFactor(actor: StaffUser, required: boolean): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await repo.setRequireTwoFactor(trx, actor.organizationId, required)
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actor.id,
          action: 'organization.two_factor',
          details: { required },
        })
      })
    },

    /** Turns one's second factor off (password asked again), unless the organization requires it. */
    async disableTwoFactor(
      user: StaffUser,
      password: string,
    ): Promise<{ ok: true } | { ok: false; reason: 'password' | 'required' }> {
      if (user.twoFactor && (await repo.twoFactorRequiredOf(db, user)))
        return { ok: false, reason: 'required' }
      const found = await repo.findUserById(db, user.id)
      if (!found || !(await verifyPassword(password, found.passwordHash)))
        return { ok: false, reason: 'password' }
      await db.transaction().execute(async (trx) => {
        await repo.setTwoFactor(trx, user.id, null)
        await recordAudit(trx, {
          organizationId: user.organizationId,
          userId: user.id,
          action: 'staff.two_factor_off',
        })
      })
      return { ok: true }
    },

    userForSession: (sessionId: string) => repo.findSessionUser(db, hashSessionId(sessionId), now()),

    async signOut(sessionId: string, user: StaffUser): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await repo.deleteSession(trx, hashSessionId(sessionId))
        await recordAudit(trx, {
          organizationId: user.organizationId,
          userId: user.id,
          action: 'staff.sign_out',
        })
      })
    },

    /** Changes one's own password; other sessions of the account end. */
    async changePassword(
      user: StaffUser,
      sessionId: string,
      current: string,
      next: string,
    ): Promise<boolean> {
      const found = await repo.findUserById(db, user.id)
      if (!found || !(await verifyPassword(current, found.passwordHash))) return false
      const passwordHash = await hashPassword(next)
      await db.transaction().execute(async (trx) => {
        await repo.updateUser(trx, user.organizationId, user.id, { passwordHash })
        await repo.deleteSessionsOf(trx, user.id, hashSessionId(sessionId))
        await recordAudit(trx, {
          organizationId: user.organizationId,
          userId: user.id,
          action: 'staff.password_change',
        })
      })
      return true
    },

    listUsers: (organizationId: number) => repo.listUsers(db, organizationId),

    /** Who of the organization has not used their invitation yet, and until when it is valid. */
    pendingInvitations: (organizationId: number) => repo.pendingInvitations(db, organizationId, now()),

    /**
     * Creates an account that nobody can sign in to until its owner sets a password with the returned
     * single-use link (valid 72 hours): an admin never sets or sees a password.
     */
    async inviteUser(
      actor: StaffUser,
      user: { email: string; name: string; role: StaffRole },
    ): Promise<{ ok: true; token: string } | { ok: false; reason: 'emailTaken' }> {
      if (await repo.findUserByEmail(db, user.email)) return { ok: false, reason: 'emailTaken' }
      // A password nobody knows: the account is usable only once its owner sets one.
      const passwordHash = await hashPassword(randomBytes(32).toString('base64url'))
      return db.transaction().execute(async (trx) => {
        const id = await repo.insertUser(trx, { ...user, organizationId: actor.organizationId, passwordHash })
        const token = await newLink(trx, id, 'invite', actor.id)
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actor.id,
          action: 'staff.user_invite',
          subject: user.email,
          details: { role: user.role },
        })
        return { ok: true as const, token }
      })
    },

    /** A new link for a user of the admin's organization to set their password (lost, or expired). */
    async newPasswordLink(
      actor: StaffUser,
      userId: number,
    ): Promise<{ email: string; token: string } | undefined> {
      return db.transaction().execute(async (trx) => {
        const target = await repo.findUserById(trx, userId)
        if (!target || target.user.organizationId !== actor.organizationId || target.user.disabled)
          return undefined
        const token = await newLink(trx, userId, 'reset', actor.id)
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actor.id,
          action: 'staff.password_link',
          subject: target.user.email,
        })
        return { email: target.user.email, token }
      })
    },

    /** A reset link for whoever asked from the sign-in page, if the address is an active account's. */
    async requestPasswordReset(email: string): Promise<{ email: string; token: string } | undefined> {
      const found = await repo.findUserByEmail(db, email.trim().toLowerCase())
      if (!found || found.user.disabled) return undefined
      const token = await db.transaction().execute(async (trx) => {
        const made = await newLink(trx, found.user.id, 'reset', null)
        await recordAudit(trx, {
          organizationId: found.user.organizationId,
          userId: null,
          action: 'staff.password_reset_request',
          subject: found.user.email,
        })
        return made
      })
      return { email: found.user.email, token }
    },

    /** What a link is for, while it can still be used. */
    async passwordLink(token: string) {
      const link = await repo.findUsableLink(db, hashSessionId(token), now())
      return link && { email: link.email, purpose: link.purpose, expiresAt: link.expiresAt }
    },

    /**
     * Sets a password with a link, once: the link and every other one of the account are used up, and
     * every session of the account ends. False when the link is unknown, used or expired.
     */
    async setPasswordWithLink(token: string, password: string): Promise<boolean> {
      const passwordHash = await hashPassword(password)
      return db.transaction().execute(async (trx) => {
        const link = await repo.findUsableLink(trx, hashSessionId(token), now())
        if (!link) return false
        await repo.updateUser(trx, link.organizationId, link.userId, { passwordHash })
        await repo.useLinksOf(trx, link.userId, now())
        await repo.deleteSessionsOf(trx, link.userId)
        await recordAudit(trx, {
          organizationId: link.organizationId,
          userId: link.userId,
          action: 'staff.password_set',
          details: { by: link.purpose },
        })
        return true
      })
    },

    /**
     * Creates an organization, audit-logged, and (from the staff area) its first admin, in one
     * transaction: never an organization nobody can sign in to. `actor` is null from the CLI.
     */
    async createOrganization(
      actor: StaffUser | null,
      organization: {
        slug: string
        name: string
        sourceLanguage: 'es' | 'fr' | 'pt'
        portuguese?: 'pt-BR' | 'pt-PT'
        names?: Partial<Record<'es' | 'fr' | 'pt', string>>
      },
      firstAdmin?: { email: string; password: string },
    ): Promise<{ ok: true; id: number } | { ok: false; reason: 'slugTaken' | 'emailTaken' }> {
      if (await repo.findOrganizationBySlug(db, organization.slug)) return { ok: false, reason: 'slugTaken' }
      if (firstAdmin && (await repo.findUserByEmail(db, firstAdmin.email)))
        return { ok: false, reason: 'emailTaken' }
      const passwordHash = firstAdmin ? await hashPassword(firstAdmin.password) : undefined
      const id = await db.transaction().execute(async (trx) => {
        const organizationId = await insertOrganization(trx, organization)
        await recordAudit(trx, {
          organizationId,
          userId: actor?.id ?? null,
          action: 'organization.create',
          subject: organization.slug,
          ...(actor ? {} : { details: { via: 'cli' } }),
        })
        if (firstAdmin && passwordHash) {
          await repo.insertUser(trx, { organizationId, email: firstAdmin.email, role: 'admin', passwordHash })
          await recordAudit(trx, {
            organizationId,
            userId: actor?.id ?? null,
            action: 'staff.user_create',
            subject: firstAdmin.email,
            details: { role: 'admin', platformAdmin: false },
          })
        }
        return organizationId
      })
      return { ok: true, id }
    },

    /** Creates a staff account in the actor's organization (or, from the CLI, with no actor). */
    async createUser(
      actor: StaffUser | null,
      user: {
        organizationId: number
        email: string
        name?: string
        role: StaffRole
        isPlatformAdmin?: boolean
        password: string
      },
    ): Promise<{ ok: true; id: number } | { ok: false; reason: 'emailTaken' }> {
      if (await repo.findUserByEmail(db, user.email)) return { ok: false, reason: 'emailTaken' }
      const passwordHash = await hashPassword(user.password)
      const id = await db.transaction().execute(async (trx) => {
        const newId = await repo.insertUser(trx, { ...user, passwordHash })
        await recordAudit(trx, {
          organizationId: user.organizationId,
          userId: actor?.id ?? null,
          action: 'staff.user_create',
          subject: user.email,
          details: { role: user.role, platformAdmin: user.isPlatformAdmin ?? false },
        })
        return newId
      })
      return { ok: true, id }
    },

    /** The admin's own organization as its settings form shows it. */
    organizationSettings: (organizationId: number) => repo.findOrganizationSettings(db, organizationId),

    /**
     * Renames the admin's organization (per language too) and sets the Portuguese its citizens read,
     * audit-logged with what changed; public pages show it on their next view.
     */
    async updateOrganizationSettings(actor: StaffUser, settings: repo.OrganizationSettings): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const before = await repo.findOrganizationSettings(trx, actor.organizationId)
        if (!before) throw new Error('the signed-in organization no longer exists')
        await repo.updateOrganizationSettings(trx, actor.organizationId, settings)
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actor.id,
          action: 'organization.update',
          subject: before.slug,
          details: {
            before: { name: before.name, names: before.names, portuguese: before.portuguese },
            after: settings,
          },
        })
      })
    },

    /** Re-roles, disables or re-enables a user of the admin's organization; the last admin stays. */
    async updateUser(
      actor: StaffUser,
      userId: number,
      change: { role: StaffRole; disabled: boolean },
    ): Promise<{ ok: true } | { ok: false; reason: 'notFound' | 'lastAdmin' }> {
      return db.transaction().execute(async (trx) => {
        const target = await repo.findUserById(trx, userId)
        if (!target || target.user.organizationId !== actor.organizationId)
          return { ok: false, reason: 'notFound' }
        const losesAdmin =
          target.user.role === 'admin' &&
          !target.user.disabled &&
          (change.role !== 'admin' || change.disabled)
        if (losesAdmin && (await repo.countActiveAdmins(trx, actor.organizationId)) <= 1) {
          return { ok: false, reason: 'lastAdmin' }
        }
        await repo.updateUser(trx, actor.organizationId, userId, {
          role: change.role,
          disabledAt: change.disabled ? (target.user.disabled ? undefined : now()) : null,
        })
        if (change.disabled) await repo.deleteSessionsOf(trx, userId)
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actor.id,
          action: 'staff.user_update',
          subject: target.user.email,
          details: {
            before: { role: target.user.role, disabled: target.user.disabled },
            after: { role: change.role, disabled: change.disabled },
          },
        })
        return { ok: true }
      })
    },
  }
}

export type StaffService = ReturnType<typeof createStaffService>
