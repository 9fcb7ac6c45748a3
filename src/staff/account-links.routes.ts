import { Router, type Request, type RequestHandler, type Response } from 'express'
import { z } from 'zod'
import { formErrors, noErrors, type FormErrors } from '../http/form-errors.ts'
import { formString } from '../http/form-text.ts'
import { HttpError } from '../http/http-error.ts'
import { locals, signedIn } from '../http/locals.ts'
import { renderPage } from '../http/render.ts'
import type { MailService } from '../mail/mail.service.ts'
import { bodyOf } from '../middleware/form-body.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { newPassword } from './password-strength.ts'
import { PASSWORD_MAX_LENGTH } from './password.ts'
import { LINK_HOURS, type StaffService } from './staff.service.ts'

export interface AccountMail {
  mail: MailService
  /** Whether messages can be sent (SMTP_URL); without, the admin hands the link over themselves. */
  configured: boolean
  publicUrl: string | undefined
}

const tokenParam = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/) })
const forgotForm = z.object({ email: formString().trim().max(254) })
const setPasswordForm = z
  .object({ password: newPassword, confirm: formString().max(PASSWORD_MAX_LENGTH) })
  .refine((f) => f.password === f.confirm, { path: ['confirm'], error: 'formErrors.passwordMismatch' })

const linkUrl = (req: Request, publicUrl: string | undefined, token: string) =>
  `${publicUrl ?? `${req.protocol}://${req.get('host')}`}/staff/set-password/${token}`

/**
 * Sends a staff member their link to set a password, in the language of the page that made it; where
 * no mail server is configured, returns it for the admin to hand over (shown once).
 */
export async function deliverPasswordLink(
  req: Request,
  res: Response,
  accounts: AccountMail,
  link: { email: string; token: string; purpose: 'invite' | 'reset'; organizationName: string },
): Promise<{ sent: true } | { sent: false; url: string }> {
  const url = linkUrl(req, accounts.publicUrl, link.token)
  if (!accounts.configured) return { sent: false, url }
  const { t } = locals(res)
  const params = { organization: link.organizationName, url, hours: LINK_HOURS[link.purpose] }
  await accounts.mail.queueStaffMail({
    address: link.email,
    subject: t(`staff.links.mail.${link.purpose}Subject`, params),
    body: t(`staff.links.mail.${link.purpose}Body`, params),
  })
  return { sent: true }
}

/** Setting one's own password with a single-use link: after an invitation, or a reset asked for. */
export function accountLinkRoutes(
  staff: StaffService,
  accounts: AccountMail,
  resetLimit: RequestHandler,
): Router {
  const router = Router()
  const admin = requirePermission('manageUsers')

  const showForgot = (res: Response, errors: FormErrors, status = 200) =>
    renderPage(
      res,
      'staff/forgot',
      { title: locals(res).t('staff.links.forgot.title'), errors, configured: accounts.configured },
      status,
    )
  router.get('/staff/forgot', (req, res) =>
    req.query.sent === '1'
      ? renderPage(res, 'staff/forgot-sent', { title: locals(res).t('staff.links.forgot.sentTitle') })
      : showForgot(res, noErrors),
  )
  // The same answer whether or not the address has an account: the page tells nobody who works here.
  router.post('/staff/forgot', resetLimit, async (req, res) => {
    if (!accounts.configured) return showForgot(res, noErrors, 409)
    const form = forgotForm.safeParse(bodyOf(req))
    if (!form.success || !z.email().safeParse(form.data.email).success)
      return showForgot(res, formErrors({ email: 'formErrors.email' }, locals(res).t), 400)
    const link = await staff.requestPasswordReset(form.data.email)
    if (link)
      await deliverPasswordLink(req, res, accounts, {
        ...link,
        purpose: 'reset',
        organizationName: '',
      })
    res.redirect(303, '/staff/forgot?sent=1')
  })

  const showSetPassword = async (res: Response, token: string, errors: FormErrors, status = 200) => {
    const link = await staff.passwordLink(token)
    if (!link)
      return renderPage(res, 'staff/link-expired', { title: locals(res).t('staff.links.expired.title') }, 410)
    renderPage(
      res,
      'staff/set-password',
      {
        title: `${errors.links.length ? locals(res).t('common.errorPrefix') + ' ' : ''}${locals(res).t('staff.links.set.title')}`,
        email: link.email,
        errors,
        action: `/staff/set-password/${token}`,
      },
      status,
    )
  }
  router.get('/staff/set-password/:token', async (req, res) => {
    const params = tokenParam.safeParse(req.params)
    if (!params.success)
      return renderPage(res, 'staff/link-expired', { title: locals(res).t('staff.links.expired.title') }, 410)
    await showSetPassword(res, params.data.token, noErrors)
  })
  router.post('/staff/set-password/:token', resetLimit, async (req, res) => {
    const params = tokenParam.safeParse(req.params)
    if (!params.success) throw new HttpError(404, 'notFound')
    const form = await setPasswordForm.safeParseAsync(bodyOf(req))
    if (!form.success)
      return showSetPassword(res, params.data.token, formErrors(form.error, locals(res).t), 400)
    if (!(await staff.setPasswordWithLink(params.data.token, form.data.password)))
      return showSetPassword(res, params.data.token, noErrors, 410)
    res.redirect(303, '/staff/sign-in?notice=passwordSet')
  })

  // An admin sends a user a new link (lost password, expired invitation); they still never see a password.
  router.post('/staff/users/:id/link', admin, async (req, res) => {
    const id = z.coerce.number().int().positive().safeParse(req.params.id)
    if (!id.success) throw new HttpError(404, 'notFound')
    const me = signedIn(res)
    const link = await staff.newPasswordLink(me, id.data)
    if (!link) throw new HttpError(404, 'notFound')
    const delivered = await deliverPasswordLink(req, res, accounts, {
      ...link,
      purpose: 'reset',
      organizationName: me.organizationName,
    })
    if (delivered.sent) return res.redirect(303, `/staff/users?notice=linkSent`)
    renderPage(res, 'staff/link-shown', {
      title: locals(res).t('staff.links.shown.title'),
      email: link.email,
      url: delivered.url,
      hours: LINK_HOURS.reset,
    })
  })

  return router
}
