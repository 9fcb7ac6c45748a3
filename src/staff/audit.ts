import type { Db } from '../db/database.ts'

/** Every action the audit log records, each named in every locale (`staff.audit.actions.*`). */
export const AUDIT_ACTIONS = [
  'staff.sign_in',
  'staff.sign_out',
  'staff.password_change',
  'staff.password_link',
  'staff.password_reset_request',
  'staff.password_set',
  'staff.two_factor_on',
  'staff.two_factor_off',
  'staff.user_create',
  'staff.user_invite',
  'staff.user_update',
  'organization.create',
  'organization.update',
  'organization.two_factor',
  'organization.network',
  'series.create',
  'wave.create',
  'wave.open',
  'wave.close',
  'wave.access',
  'questionnaire.import',
  'question.create',
  'question.update',
  'question.move',
  'question.delete',
  'question.break_confirm',
  'margins.import',
  'margins.confirm',
  'weighting.update',
  'indicator.save',
  'indicator.retire',
  'indicator.restore',
  'indicator.target',
  'invitations.create',
  'invitations.letter',
  'invitations.emailList',
  'invitations.emailSend',
  'invitations.reminders',
  'project.create',
  'project.update',
  'feedback.approve',
  'feedback.reject',
  'feedback.redact',
  'token.create',
  'token.revoke',
  'download.trends',
  'download.microdata',
  'brief.save',
  'brief.publish',
  'brief.withdraw',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]
export const isAuditAction = (value: unknown): value is AuditAction =>
  (AUDIT_ACTIONS as readonly unknown[]).includes(value)

export interface AuditEntry {
  organizationId: number | null
  userId: number | null
  action: AuditAction
  subject?: string
  details?: Record<string, unknown>
}

/** Records who changed what; call it inside the transaction that makes the change. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      organization_id: entry.organizationId,
      user_id: entry.userId,
      action: entry.action,
      subject: entry.subject ?? '',
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute()
}

export interface AuditFilter {
  userId?: number | undefined
  action?: AuditAction | undefined
  /** From this day (inclusive) to the day after `to` (exclusive), in UTC. */
  from?: Date | undefined
  to?: Date | undefined
}

/** The newest entries of one organization, filtered, with the staff member's email. */
export async function listAudit(db: Db, organizationId: number, filter: AuditFilter = {}, limit = 200) {
  let query = db
    .selectFrom('audit_log as a')
    .leftJoin('staff_user as u', 'u.id', 'a.user_id')
    .select(['a.id', 'a.action', 'a.subject', 'a.details', 'a.at', 'u.email'])
    .where('a.organization_id', '=', organizationId)
  if (filter.userId !== undefined) query = query.where('a.user_id', '=', filter.userId)
  if (filter.action) query = query.where('a.action', '=', filter.action)
  if (filter.from) query = query.where('a.at', '>=', filter.from)
  if (filter.to) query = query.where('a.at', '<', new Date(filter.to.getTime() + 24 * 3600_000))
  return query.orderBy('a.at', 'desc').orderBy('a.id', 'desc').limit(limit).execute()
}

/** The people who appear in an organization's log, for its filter. */
export async function auditPeople(db: Db, organizationId: number) {
  return db
    .selectFrom('staff_user')
    .select(['id', 'email'])
    .where('organization_id', '=', organizationId)
    .orderBy('email')
    .execute()
}

/** The newest entry of one action on one subject (what the last import left out, say). */
export async function latestAudit(db: Db, organizationId: number, action: AuditAction, subject: string) {
  return db
    .selectFrom('audit_log')
    .select(['details', 'at'])
    .where('organization_id', '=', organizationId)
    .where('action', '=', action)
    .where('subject', '=', subject)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}
