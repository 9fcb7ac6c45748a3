import { createHash, randomBytes } from 'node:crypto'
import { Router, type Response } from 'express'
import { z } from 'zod'
import { formString } from '../http/form-text.ts'
import type { Db } from '../db/database.ts'
import { formErrors, noErrors, type FormErrors } from '../http/form-errors.ts'
import { HttpError } from '../http/http-error.ts'
import { renderPage } from '../http/render.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { permissionsFor } from '../staff/permissions.ts'
import { recordAudit } from '../staff/audit.ts'
import { findUserById, type StaffUser } from '../staff/staff.repository.ts'
import * as repo from './api-tokens.repository.ts'
import { locals, signedIn } from '../http/locals.ts'
import { bodyOf, fieldText } from '../middleware/form-body.ts'

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url')
const tokenForm = z.object({
  name: formString()
    .trim()
    .min(2, { error: 'formErrors.tokenName' })
    .max(80, { error: 'formErrors.tokenName' }),
  days: z.coerce
    .number({ error: 'formErrors.tokenDays' })
    .int({ error: 'formErrors.tokenDays' })
    .min(1, { error: 'formErrors.tokenDays' })
    .max(365, { error: 'formErrors.tokenDays' }),
})

/** The staff member a request's bearer token stands for, if the token is live and they may read results. */
export async function tokenUser(
  db: Db,
  authorization: string | undefined,
  now: Date,
): Promise<StaffUser | undefined> {
  const token = /^Bearer (pulso_[A-Za-z0-9_-]{43})$/.exec(authorization ?? '')?.[1]
  if (!token) return undefined
  const userId = await repo.useToken(db, hashToken(token), now)
  const user = userId === undefined ? undefined : (await findUserById(db, userId))?.user
  if (!permissionsFor(user).readResults) return undefined
  return user
}

/** Evaluators make personal API tokens for their tools: shown once, stored hashed, revocable. */
export function apiTokenRoutes(db: Db, now: () => Date = () => new Date()): Router {
  const router = Router()
  const readers = requirePermission('readResults')
  const me = signedIn

  async function show(
    res: Response,
    state: { errors?: FormErrors; values?: Record<string, string>; created?: string; status?: number } = {},
  ) {
    renderPage(
      res,
      'api/tokens',
      {
        title: locals(res).t('tokens.title'),
        tokens: await repo.listTokens(db, me(res).id),
        now: now(),
        errors: state.errors ?? noErrors,
        values: { name: '', days: '90', ...state.values },
        created: state.created,
      },
      state.status ?? 200,
    )
  }

  router.get('/staff/tokens', readers, (_req, res) => show(res))

  router.post('/staff/tokens', readers, async (req, res) => {
    const values = { name: fieldText(req, 'name'), days: fieldText(req, 'days') }
    const form = tokenForm.safeParse(bodyOf(req))
    if (!form.success)
      return show(res, { errors: formErrors(form.error, locals(res).t), values, status: 400 })
    const token = `pulso_${randomBytes(32).toString('base64url')}`
    await repo.insertToken(db, {
      userId: me(res).id,
      name: form.data.name,
      tokenHash: hashToken(token),
      expiresAt: new Date(now().getTime() + form.data.days * 24 * 3600 * 1000),
    })
    await recordAudit(db, {
      organizationId: me(res).organizationId,
      userId: me(res).id,
      action: 'token.create',
      subject: form.data.name,
      details: { days: form.data.days },
    })
    await show(res, { created: token })
  })

  router.post('/staff/tokens/:id/revoke', readers, async (req, res) => {
    const id = z.coerce.number().int().positive().safeParse(req.params.id)
    if (!id.success || !(await repo.revokeToken(db, me(res).id, id.data, now())))
      throw new HttpError(404, 'notFound')
    await recordAudit(db, {
      organizationId: me(res).organizationId,
      userId: me(res).id,
      action: 'token.revoke',
      subject: String(id.data),
    })
    res.redirect(303, '/staff/tokens')
  })

  return router
}
