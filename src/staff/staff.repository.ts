import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { StaffRole } from '../db/schema.ts'

export interface StaffUser {
  id: number
  organizationId: number
  organizationSlug: string
  organizationName: string
  sourceLanguage: string
  email: string
  name: string
  role: StaffRole
  isPlatformAdmin: boolean
  disabled: boolean
  /** Signs in with a second factor (TOTP). */
  twoFactor: boolean
  /** Their organization requires a second factor of their role and they have none yet. */
  mustEnrolTwoFactor: boolean
}

/** The roles an organization's two-factor requirement applies to. */
export const TWO_FACTOR_ROLES: readonly StaffRole[] = ['admin', 'evaluator']

const userColumns = [
  'u.id',
  'u.organization_id as organizationId',
  'o.slug as organizationSlug',
  'o.name as organizationName',
  'o.source_language as sourceLanguage',
  'u.email',
  'u.name',
  'u.role',
  'u.is_platform_admin as isPlatformAdmin',
] as const

function baseUserQuery(db: Db) {
  return db
    .selectFrom('staff_user as u')
    .innerJoin('organization as o', 'o.id', 'u.organization_id')
    .select([
      ...userColumns,
      'u.disabled_at',
      'o.require_two_factor',
      sql<boolean>`u.totp_secret is not null`.as('twoFactor'),
    ])
}

const toUser = ({
  disabled_at,
  require_two_factor,
  ...row
}: { disabled_at: Date | null; require_two_factor: boolean } & Omit<
  StaffUser,
  'disabled' | 'mustEnrolTwoFactor'
>): StaffUser => ({
  ...row,
  disabled: disabled_at !== null,
  mustEnrolTwoFactor: require_two_factor && !row.twoFactor && TWO_FACTOR_ROLES.includes(row.role),
})

export async function findUserByEmail(db: Db, email: string) {
  const row = await baseUserQuery(db)
    .select('u.password_hash')
    .where((eb) => eb(eb.fn('lower', ['u.email']), '=', email.toLowerCase()))
    .executeTakeFirst()
  if (!row) return undefined
  const { password_hash, ...rest } = row
  return { user: toUser(rest), passwordHash: password_hash }
}

export async function findUserById(db: Db, id: number) {
  const row = await baseUserQuery(db).select('u.password_hash').where('u.id', '=', id).executeTakeFirst()
  if (!row) return undefined
  const { password_hash, ...rest } = row
  return { user: toUser(rest), passwordHash: password_hash }
}

/** The signed-in staff member behind a live session, or undefined. */
export async function findSessionUser(db: Db, idHash: string, now: Date): Promise<StaffUser | undefined> {
  const row = await baseUserQuery(db)
    .innerJoin('staff_session as s', 's.user_id', 'u.id')
    .where('s.id_hash', '=', idHash)
    .where('s.expires_at', '>', now)
    .where('s.awaiting_second_factor', '=', false)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst()
  return row ? toUser(row) : undefined
}

/** The member whose password opened this session, which still waits for their second factor. */
export async function findSessionAwaitingCode(db: Db, idHash: string, now: Date) {
  const row = await baseUserQuery(db)
    .innerJoin('staff_session as s', 's.user_id', 'u.id')
    .select(['u.totp_secret', 'u.totp_last_step'])
    .where('s.id_hash', '=', idHash)
    .where('s.expires_at', '>', now)
    .where('s.awaiting_second_factor', '=', true)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst()
  if (!row) return undefined
  const { totp_secret, totp_last_step, ...rest } = row
  return {
    user: toUser(rest),
    secret: totp_secret,
    lastStep: totp_last_step === null ? null : Number(totp_last_step),
  }
}

export async function createSession(
  db: Db,
  idHash: string,
  userId: number,
  expiresAt: Date,
  awaitingSecondFactor = false,
): Promise<void> {
  await db
    .insertInto('staff_session')
    .values({
      id_hash: idHash,
      user_id: userId,
      expires_at: expiresAt,
      awaiting_second_factor: awaitingSecondFactor,
    })
    .execute()
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('staff_session').where('id_hash', '=', idHash).execute()
}

export async function deleteSessionsOf(db: Db, userId: number, exceptIdHash?: string): Promise<void> {
  let query = db.deleteFrom('staff_session').where('user_id', '=', userId)
  if (exceptIdHash) query = query.where('id_hash', '<>', exceptIdHash)
  await query.execute()
}

export async function deleteExpiredSessions(db: Db, now: Date): Promise<void> {
  await db.deleteFrom('staff_session').where('expires_at', '<=', now).execute()
}

export async function countRecentFailures(db: Db, account: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('sign_in_failure')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account', '=', account)
    .where('failed_at', '>', since)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * Counts an attempt as a failure before its password is checked, unless the account already has `limit`
 * failures since `since`: answers whether the password may be checked. Attempts on one account queue on
 * an advisory lock, so twenty sent at once still check at most `limit` passwords.
 */
export async function reserveAttempt(
  db: Db,
  attempt: { account: string; since: Date; now: Date; limit: number },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`sign-in:${attempt.account}`}, 0))`.execute(trx)
    if ((await countRecentFailures(trx, attempt.account, attempt.since)) >= attempt.limit) return false
    await trx
      .insertInto('sign_in_failure')
      .values({ account: attempt.account, failed_at: attempt.now })
      .execute()
    return true
  })
}

export async function clearFailures(db: Db, account: string, before: Date): Promise<void> {
  await db
    .deleteFrom('sign_in_failure')
    .where((eb) => eb.or([eb('account', '=', account), eb('failed_at', '<', before)]))
    .execute()
}

export async function insertUser(
  db: Db,
  user: {
    organizationId: number
    email: string
    name?: string
    role: StaffRole
    isPlatformAdmin?: boolean
    passwordHash: string
  },
): Promise<number> {
  const row = await db
    .insertInto('staff_user')
    .values({
      organization_id: user.organizationId,
      email: user.email,
      name: user.name ?? '',
      role: user.role,
      is_platform_admin: user.isPlatformAdmin ?? false,
      password_hash: user.passwordHash,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function listUsers(db: Db, organizationId: number): Promise<StaffUser[]> {
  const rows = await baseUserQuery(db)
    .where('u.organization_id', '=', organizationId)
    .orderBy('u.email')
    .execute()
  return rows.map(toUser)
}

export async function updateUser(
  db: Db,
  organizationId: number,
  userId: number,
  change: { role?: StaffRole; disabledAt?: Date | null; passwordHash?: string },
): Promise<boolean> {
  const result = await db
    .updateTable('staff_user')
    .set({
      ...(change.role ? { role: change.role } : {}),
      ...(change.disabledAt !== undefined ? { disabled_at: change.disabledAt } : {}),
      ...(change.passwordHash ? { password_hash: change.passwordHash, password_changed_at: new Date() } : {}),
    })
    .where('id', '=', userId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function countActiveAdmins(db: Db, organizationId: number): Promise<number> {
  const row = await db
    .selectFrom('staff_user')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function findOrganizationBySlug(db: Db, slug: string) {
  return db
    .selectFrom('organization')
    .select(['id', 'slug', 'name', 'source_language as sourceLanguage'])
    .where('slug', '=', slug)
    .executeTakeFirst()
}

export async function listOrganizations(db: Db) {
  return db
    .selectFrom('organization')
    .select(['id', 'slug', 'name', 'source_language as sourceLanguage', 'portuguese'])
    .orderBy('name')
    .execute()
}

/** An organization's name, its names per language and the Portuguese its citizens read. */
export async function findOrganizationSettings(db: Db, id: number) {
  return db
    .selectFrom('organization')
    .select([
      'id',
      'slug',
      'name',
      'names',
      'portuguese',
      'require_two_factor as requireTwoFactor',
      'network_opt_in as networkOptIn',
    ])
    .where('id', '=', id)
    .executeTakeFirst()
}

/** What an organization's admin may change of it. */
export interface OrganizationSettings {
  name: string
  names: Partial<Record<'es' | 'fr' | 'pt', string>>
  portuguese: 'pt-BR' | 'pt-PT'
}

export async function updateOrganizationSettings(
  db: Db,
  id: number,
  settings: OrganizationSettings,
): Promise<void> {
  await db
    .updateTable('organization')
    .set({ name: settings.name, names: JSON.stringify(settings.names), portuguese: settings.portuguese })
    .where('id', '=', id)
    .execute()
}

/** A single-use link for a staff member to set their password; only its token's hash is kept. */
export async function insertLink(
  db: Db,
  link: {
    userId: number
    purpose: 'invite' | 'reset'
    tokenHash: string
    expiresAt: Date
    createdBy: number | null
  },
): Promise<void> {
  await db
    .insertInto('staff_link')
    .values({
      user_id: link.userId,
      purpose: link.purpose,
      token_hash: link.tokenHash,
      expires_at: link.expiresAt,
      created_by: link.createdBy,
    })
    .execute()
}

/** The unused, unexpired link of a token, locked for the transaction that uses it. */
export async function findUsableLink(db: Db, tokenHash: string, now: Date) {
  return db
    .selectFrom('staff_link as l')
    .innerJoin('staff_user as u', 'u.id', 'l.user_id')
    .select([
      'l.id',
      'l.user_id as userId',
      'l.purpose',
      'l.expires_at as expiresAt',
      'u.email',
      'u.organization_id as organizationId',
    ])
    .where('l.token_hash', '=', tokenHash)
    .where('l.used_at', 'is', null)
    .where('l.expires_at', '>', now)
    .where('u.disabled_at', 'is', null)
    .forUpdate('l')
    .executeTakeFirst()
}

/** Every link of a user counts as used (their password was just set). */
export async function useLinksOf(db: Db, userId: number, at: Date): Promise<void> {
  await db
    .updateTable('staff_link')
    .set({ used_at: at })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute()
}

/** Users of an organization still holding an unused invitation, with when it expires. */
export async function pendingInvitations(
  db: Db,
  organizationId: number,
  now: Date,
): Promise<Map<number, Date>> {
  const rows = await db
    .selectFrom('staff_link as l')
    .innerJoin('staff_user as u', 'u.id', 'l.user_id')
    .select(['l.user_id as userId', (eb) => eb.fn.max('l.expires_at').as('expiresAt')])
    .where('u.organization_id', '=', organizationId)
    .where('l.purpose', '=', 'invite')
    .where('l.used_at', 'is', null)
    .where('l.expires_at', '>', now)
    .groupBy('l.user_id')
    .execute()
  return new Map(rows.map((r) => [r.userId, new Date(r.expiresAt)]))
}

/** The secret a member is enrolling with (shown as a QR code, not confirmed yet). */
export async function setPendingSecret(db: Db, userId: number, secret: string | null): Promise<void> {
  await db.updateTable('staff_user').set({ totp_pending_secret: secret }).where('id', '=', userId).execute()
}

export async function twoFactorState(db: Db, userId: number) {
  const row = await db
    .selectFrom('staff_user')
    .select(['totp_secret as secret', 'totp_pending_secret as pendingSecret', 'totp_last_step as lastStep'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow()
  return { ...row, lastStep: row.lastStep === null ? null : Number(row.lastStep) }
}

/** Turns the second factor on (with its recovery codes' hashes) or off. */
export async function setTwoFactor(
  db: Db,
  userId: number,
  change: { secret: string; recoveryCodeHashes: string[]; lastStep: number } | null,
): Promise<void> {
  await db.deleteFrom('staff_recovery_code').where('user_id', '=', userId).execute()
  await db
    .updateTable('staff_user')
    .set({
      totp_secret: change?.secret ?? null,
      totp_pending_secret: null,
      totp_last_step: change?.lastStep ?? null,
    })
    .where('id', '=', userId)
    .execute()
  if (change)
    await db
      .insertInto('staff_recovery_code')
      .values(change.recoveryCodeHashes.map((code_hash) => ({ user_id: userId, code_hash })))
      .execute()
}

/** Records a TOTP step as used, unless a later or equal one was (a code replayed, or raced). */
export async function useTimeStep(db: Db, userId: number, step: number): Promise<boolean> {
  const updated = await db
    .updateTable('staff_user')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(step))]))
    .executeTakeFirst()
  return Number(updated.numUpdatedRows) === 1
}

/** Uses a recovery code up, once. */
export async function useRecoveryCode(db: Db, userId: number, codeHash: string, at: Date): Promise<boolean> {
  const updated = await db
    .updateTable('staff_recovery_code')
    .set({ used_at: at })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return Number(updated.numUpdatedRows) === 1
}

export async function recoveryCodesLeft(db: Db, userId: number): Promise<number> {
  const row = await db
    .selectFrom('staff_recovery_code')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** The session's second factor was right: it opens now, under a new id. */
export async function openAwaitingSession(db: Db, oldIdHash: string, newIdHash: string): Promise<void> {
  await db
    .updateTable('staff_session')
    .set({ id_hash: newIdHash, awaiting_second_factor: false })
    .where('id_hash', '=', oldIdHash)
    .execute()
}

export async function setRequireTwoFactor(db: Db, organizationId: number, required: boolean): Promise<void> {
  await db
    .updateTable('organization')
    .set({ require_two_factor: required })
    .where('id', '=', organizationId)
    .execute()
}

export async function extendSession(db: Db, idHash: string, expiresAt: Date): Promise<void> {
  await db.updateTable('staff_session').set({ expires_at: expiresAt }).where('id_hash', '=', idHash).execute()
}

/** Whether the member's organization requires a second factor of their role. */
export async function twoFactorRequiredOf(db: Db, user: { organizationId: number; role: StaffRole }) {
  const row = await db
    .selectFrom('organization')
    .select('require_two_factor')
    .where('id', '=', user.organizationId)
    .executeTakeFirstOrThrow()
  return row.require_two_factor && TWO_FACTOR_ROLES.includes(user.role)
}
