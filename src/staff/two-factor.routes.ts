import { Router, type Response } from 'express'
import QRCode from 'qrcode'
import { z } from 'zod'
import { formErrors, noErrors, type FormErrors } from '../http/form-errors.ts'
import { formString } from '../http/form-text.ts'
import { locals, signedIn } from '../http/locals.ts'
import { renderPage } from '../http/render.ts'
import { bodyOf } from '../middleware/form-body.ts'
import { requirePermission, setStaffSession } from '../middleware/staff-session.ts'
import { PASSWORD_MAX_LENGTH } from './password.ts'
import { SESSION_HOURS, type StaffService } from './staff.service.ts'
import { safeNext } from './staff.routes.ts'

const codeForm = z.object({ code: formString().trim().max(40), next: formString().max(500).optional() })
const disableForm = z.object({ password: formString().max(PASSWORD_MAX_LENGTH) })
const requireForm = z.object({ require_two_factor: z.literal('yes').optional() })

/** The second step of signing in, and each member's own two-factor settings (TOTP, recovery codes). */
export function twoFactorRoutes(staff: StaffService, secureCookies: boolean): Router {
  const router = Router()
  // Reachable while an organization's requirement sends a member here to enrol.
  const enrolling = requirePermission('signedIn', { duringEnrolment: true })
  const admin = requirePermission('manageUsers')
  // The session cookie, as the staff-session middleware read it (a well-formed id, whatever it opens).
  const awaitingId = (res: Response) => locals(res).staffSessionId

  const showCode = (res: Response, next: string, errors: FormErrors, status = 200) =>
    renderPage(
      res,
      'staff/sign-in-code',
      {
        title: `${errors.links.length ? locals(res).t('common.errorPrefix') + ' ' : ''}${locals(res).t('staff.twoFactor.code.title')}`,
        next,
        errors,
      },
      status,
    )

  router.get('/staff/sign-in/code', async (req, res) => {
    const id = awaitingId(res)
    if (!id || !(await staff.awaitingCode(id))) return res.redirect(303, '/staff/sign-in')
    showCode(res, typeof req.query.next === 'string' ? req.query.next : '', noErrors)
  })

  router.post('/staff/sign-in/code', async (req, res) => {
    const id = awaitingId(res)
    const form = codeForm.safeParse(bodyOf(req))
    if (!id) return res.redirect(303, '/staff/sign-in')
    if (!form.success)
      return showCode(res, '', formErrors({ code: 'formErrors.twoFactorCode' }, locals(res).t), 400)
    const result = await staff.signInWithCode(id, form.data.code)
    if (!result.ok && result.reason === 'expired') return res.redirect(303, '/staff/sign-in')
    if (!result.ok)
      return showCode(
        res,
        form.data.next ?? '',
        formErrors(
          { code: result.reason === 'throttled' ? 'formErrors.signInThrottled' : 'formErrors.twoFactorCode' },
          locals(res).t,
        ),
        result.reason === 'throttled' ? 429 : 401,
      )
    setStaffSession(res, result.sessionId, {
      maxAgeMs: SESSION_HOURS * 3600_000,
      secure: secureCookies,
      opens: true,
    })
    res.redirect(303, safeNext(form.data.next))
  })

  async function showSettings(
    res: Response,
    options: { errors?: FormErrors; status?: number; recoveryCodes?: string[] } = {},
  ) {
    const me = signedIn(res)
    const setup = me.twoFactor ? undefined : await staff.pendingTwoFactor(me)
    renderPage(
      res,
      'staff/two-factor',
      {
        title: `${options.errors?.links.length ? locals(res).t('common.errorPrefix') + ' ' : ''}${locals(res).t('staff.twoFactor.title')}`,
        enabled: me.twoFactor,
        required: me.mustEnrolTwoFactor,
        requiredOfMe: me.twoFactor && (await staff.twoFactorRequiredOf(me)),
        codesLeft: me.twoFactor ? await staff.recoveryCodesLeft(me) : 0,
        setup: setup && {
          secret: setup.secret.replace(/(.{4})/g, '$1 ').trim(),
          qr: await QRCode.toString(setup.uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
        },
        recoveryCodes: options.recoveryCodes,
        errors: options.errors ?? noErrors,
      },
      options.status ?? 200,
    )
  }

  router.get('/staff/two-factor', enrolling, (_req, res) => showSettings(res))
  router.post('/staff/two-factor/start', enrolling, async (_req, res) => {
    if (!signedIn(res).twoFactor) await staff.beginTwoFactor(signedIn(res))
    res.redirect(303, '/staff/two-factor')
  })
  // The recovery codes exist in readable form only in this response.
  router.post('/staff/two-factor/confirm', enrolling, async (req, res) => {
    const form = codeForm.safeParse(bodyOf(req))
    const codes = form.success ? await staff.confirmTwoFactor(signedIn(res), form.data.code) : undefined
    if (!codes)
      return showSettings(res, {
        errors: formErrors({ code: 'formErrors.twoFactorCode' }, locals(res).t),
        status: 400,
      })
    const me = { ...signedIn(res), twoFactor: true, mustEnrolTwoFactor: false }
    locals(res).staff = me
    await showSettings(res, { recoveryCodes: codes })
  })
  router.post('/staff/two-factor/disable', enrolling, async (req, res) => {
    const form = disableForm.safeParse(bodyOf(req))
    const result = form.success
      ? await staff.disableTwoFactor(signedIn(res), form.data.password)
      : { ok: false as const, reason: 'password' as const }
    if (!result.ok)
      return showSettings(res, {
        errors: formErrors(
          {
            password:
              result.reason === 'required' ? 'formErrors.twoFactorRequired' : 'formErrors.currentPassword',
          },
          locals(res).t,
        ),
        status: result.reason === 'required' ? 409 : 400,
      })
    res.redirect(303, '/staff/two-factor?saved=1')
  })

  router.post('/staff/organization/two-factor', admin, async (req, res) => {
    const form = requireForm.safeParse(bodyOf(req))
    await staff.setRequireTwoFactor(signedIn(res), form.success && form.data.require_two_factor === 'yes')
    res.redirect(303, '/staff/organization?saved=1')
  })
  return router
}
