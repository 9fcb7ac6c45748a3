import type { Db } from '../db/database.ts'

export interface AuditEntry {
  organizationId: number | null
  userId: number | null
  action: string
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

/** The newest entries of one organization, with the staff member's email. */
export async function listAudit(db: Db, organizationId: number, limit = 200) {
  return db
    .selectFrom('audit_log as a')
    .leftJoin('staff_user as u', 'u.id', 'a.user_id')
    .select(['a.id', 'a.action', 'a.subject', 'a.details', 'a.at', 'u.email'])
    .where('a.organization_id', '=', organizationId)
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(limit)
    .execute()
}

/** The newest entry of one action on one subject (what the last import left out, say). */
export async function latestAudit(db: Db, organizationId: number, action: string, subject: string) {
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
