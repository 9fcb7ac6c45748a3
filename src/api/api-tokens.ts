import { Router, type Response } from 'express'
import { z } from 'zod'
import { formString } from '../http/form-text.ts'
import { formErrors, noErrors, type FormErrors } from '../http/form-errors.ts'
import { HttpError } from '../http/http-error.ts'
import { renderPage } from '../http/render.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { locals, signedIn } from '../http/locals.ts'
import { bodyOf, fieldText } from '../middleware/form-body.ts'
import type { ApiTokenService } from './api-tokens.service.ts'

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

/** Evaluators make personal API tokens for their tools: shown once, stored hashed, revocable. */
export function apiTokenRoutes(tokens: ApiTokenService): Router {
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
        tokens: await tokens.list(me(res)),
        now: tokens.now(),
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
    // Shown on this page only, once: never stored, so not a redirect.
    await show(res, { created: await tokens.create(me(res), form.data) })
  })

  router.post('/staff/tokens/:id/revoke', readers, async (req, res) => {
    const id = z.coerce.number().int().positive().safeParse(req.params.id)
    if (!id.success || !(await tokens.revoke(me(res), id.data))) throw new HttpError(404, 'notFound')
    res.redirect(303, '/staff/tokens')
  })

  return router
}
