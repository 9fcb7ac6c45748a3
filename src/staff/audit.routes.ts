import { Router, type Response } from 'express'
import type { TFunction } from 'i18next'
import { z } from 'zod'
import { csvLine } from '../http/csv.ts'
import { formErrors, noErrors } from '../http/form-errors.ts'
import { locals, signedIn } from '../http/locals.ts'
import { renderPage } from '../http/render.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { AUDIT_ACTIONS, type AuditFilter } from './audit.ts'
import type { StaffService } from './staff.service.ts'

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'formErrors.date' })
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), { error: 'formErrors.date' })
  .optional()
const blankAsMissing = (v: unknown) => (v === '' ? undefined : v)
const filterForm = z
  .object({
    who: z.preprocess(
      blankAsMissing,
      z.coerce.number({ error: 'formErrors.invalid' }).int().positive().optional(),
    ),
    action: z.preprocess(blankAsMissing, z.enum(AUDIT_ACTIONS, { error: 'formErrors.invalid' }).optional()),
    from: z.preprocess(blankAsMissing, day),
    to: z.preprocess(blankAsMissing, day),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { path: ['to'], error: 'formErrors.endsBeforeStarts' })

/** The most rows the page shows; the CSV carries up to 100,000. */
const PAGE_ROWS = 200
const CSV_ROWS = 100_000

export interface ChangeLine {
  field: string
  before?: string
  after?: string
  value?: string
}

const shown = (value: unknown): string =>
  value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value)

/**
 * What an entry's details say, line by line: a change recorded with `before` and `after` as each field
 * that differs (before → after), any other details as they are.
 */
export function changeLines(details: unknown): ChangeLine[] {
  if (!details || typeof details !== 'object') return []
  const { before, after, ...rest } = details as Record<string, unknown>
  const lines: ChangeLine[] = []
  if (before && after && typeof before === 'object' && typeof after === 'object') {
    const b = before as Record<string, unknown>
    const a = after as Record<string, unknown>
    for (const field of new Set([...Object.keys(b), ...Object.keys(a)]))
      if (JSON.stringify(b[field]) !== JSON.stringify(a[field]))
        lines.push({ field, before: shown(b[field]), after: shown(a[field]) })
  }
  for (const [field, value] of Object.entries(rest)) lines.push({ field, value: shown(value) })
  return lines
}

const actionName = (t: TFunction, action: string) => t(`staff.audit.actions.${action}`)

/** The organization's audit log for people: actions in words, filters, and the same rows as CSV. */
export function auditRoutes(staff: StaffService): Router {
  const router = Router()
  const admin = requirePermission('manageUsers')

  const filterOf = (query: unknown) => {
    const parsed = filterForm.safeParse(query)
    if (!parsed.success) return { ok: false as const, error: parsed.error }
    const f = parsed.data
    const filter: AuditFilter = {
      userId: f.who,
      action: f.action,
      from: f.from ? new Date(`${f.from}T00:00:00Z`) : undefined,
      to: f.to ? new Date(`${f.to}T00:00:00Z`) : undefined,
    }
    return { ok: true as const, filter, values: f }
  }

  router.get('/staff/audit', admin, async (req, res) => {
    const me = signedIn(res)
    const { t } = locals(res)
    const query = req.query as Record<string, unknown>
    const values = Object.fromEntries(
      ['who', 'action', 'from', 'to'].map((k) => [k, typeof query[k] === 'string' ? query[k] : '']),
    )
    const read = filterOf(query)
    const entries = read.ok ? await staff.auditLog(me.organizationId, read.filter, PAGE_ROWS) : []
    renderPage(
      res,
      'staff/audit',
      {
        title: `${read.ok ? '' : t('common.errorPrefix') + ' '}${t('staff.audit.title')}`,
        entries: entries.map((e) => ({
          ...e,
          actionName: actionName(t, e.action),
          changes: changeLines(e.details),
        })),
        people: await staff.auditPeople(me.organizationId),
        actions: AUDIT_ACTIONS.map((a) => ({ code: a, name: actionName(t, a) })).sort((x, y) =>
          x.name.localeCompare(y.name),
        ),
        values,
        errors: read.ok ? noErrors : formErrors(read.error, t),
        csvHref: `/staff/audit.csv${req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''}`,
        limited: entries.length === PAGE_ROWS,
        pageRows: PAGE_ROWS,
      },
      read.ok ? 200 : 400,
    )
  })

  router.get('/staff/audit.csv', admin, async (req, res: Response) => {
    const read = filterOf(req.query)
    if (!read.ok) return res.redirect(303, `/staff/audit${req.url.slice(req.url.indexOf('?'))}`)
    const { t } = locals(res)
    const entries = await staff.auditLog(signedIn(res).organizationId, read.filter, CSV_ROWS)
    const lines = [csvLine(['at', 'who', 'action', 'action_code', 'subject', 'changes'])]
    for (const e of entries)
      lines.push(
        csvLine([
          e.at.toISOString(),
          e.email ?? '',
          actionName(t, e.action),
          e.action,
          e.subject,
          changeLines(e.details)
            .map((c) =>
              c.value !== undefined ? `${c.field}: ${c.value}` : `${c.field}: ${c.before} → ${c.after}`,
            )
            .join('; '),
        ]),
      )
    res.type('text/csv; charset=utf-8')
    res.attachment(`audit-${signedIn(res).organizationSlug}.csv`)
    res.send(lines.join(''))
  })

  return router
}
