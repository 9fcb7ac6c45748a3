import { Router, type RequestHandler, type Response } from 'express'
import { z } from 'zod'
import { formString } from '../http/form-text.ts'
import { formErrors, noErrors, type FormErrors } from '../http/form-errors.ts'
import { HttpError } from '../http/http-error.ts'
import { renderPage } from '../http/render.ts'
import { requirePermission, setStaffSession, STAFF_COOKIE } from '../middleware/staff-session.ts'
import { PASSWORD_MAX_LENGTH } from './password.ts'
import { newPassword } from './password-strength.ts'
import { CODE_MINUTES, LINK_HOURS, SESSION_HOURS, STAFF_ROLES, type StaffService } from './staff.service.ts'
import { deliverPasswordLink, type AccountMail } from './account-links.routes.ts'
import { locals, sessionId, signedIn } from '../http/locals.ts'
import { bodyOf, fieldText } from '../middleware/form-body.ts'
import { slugField } from '../http/slugs.ts'
import { givenNames, LANGUAGES } from '../questionnaire/translated.ts'

const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: 'formErrors.email' }))
const role = z.enum(STAFF_ROLES, { error: 'formErrors.role' })
const slug = slugField('formErrors.slug')

const signInForm = z.object({
  email: formString().max(254),
  password: formString().max(PASSWORD_MAX_LENGTH),
  next: formString().max(500).optional(),
})
const passwordForm = z
  .object({
    current: formString().max(PASSWORD_MAX_LENGTH),
    password: newPassword,
    confirm: formString().max(PASSWORD_MAX_LENGTH),
  })
  .refine((f) => f.password === f.confirm, { path: ['confirm'], error: 'formErrors.passwordMismatch' })
const newUserForm = z.object({
  email,
  name: formString().trim().max(120).default(''),
  role,
})
const userChangeForm = z.object({ role, disabled: z.literal('yes').optional() })
// An organization's name, and per language where it differs (a citizen of Lyon reads "Ville d’Exemple"),
// and the Portuguese its citizens read: set when it is created, changed by its admin.
const localName = () => formString().trim().max(120, { error: 'formErrors.name' }).default('')
const organizationSettingsForm = z.object({
  name: formString().trim().min(2, { error: 'formErrors.name' }).max(120, { error: 'formErrors.name' }),
  portuguese: z.enum(['pt-BR', 'pt-PT'], { error: 'formErrors.language' }),
  name_es: localName(),
  name_fr: localName(),
  name_pt: localName(),
})
const organizationForm = z.object({
  slug,
  name: organizationSettingsForm.shape.name,
  source_language: z.enum(['es', 'fr', 'pt'], { error: 'formErrors.language' }),
  // A form always sends one; without it, Brazil's (the default).
  portuguese: organizationSettingsForm.shape.portuguese.default('pt-BR'),
  name_es: localName(),
  name_fr: localName(),
  name_pt: localName(),
  admin_email: email,
  admin_password: newPassword,
})

// Only addresses inside the staff area are followed after sign-in.
export const safeNext = (next: string | undefined) =>
  next && /^\/staff(\/[A-Za-z0-9/_?=&.%-]*)?$/.test(next) ? next : '/staff'

/** Signing in and out, one's password, and the admin's pages: users, audit log, organizations. */
export function staffRoutes(
  staff: StaffService,
  signInLimit: RequestHandler,
  secureCookies: boolean,
  accounts: AccountMail,
): Router {
  const router = Router()
  const admin = requirePermission('manageUsers')
  const anyStaff = requirePermission('signedIn')
  const platformAdmin = requirePermission('manageOrganizations')

  const showSignIn = (
    res: Response,
    values: { email?: string; next?: string },
    error: string | undefined,
    status = 200,
  ) =>
    renderPage(
      res,
      'staff/sign-in',
      {
        title: locals(res).t('staff.signIn.title'),
        values,
        errors: error ? formErrors({ email: error }, locals(res).t) : noErrors,
        notice:
          res.req.method === 'GET' && res.req.query.notice === 'passwordSet' ? 'passwordSet' : undefined,
      },
      status,
    )

  router.get('/staff/sign-in', (req, res) => {
    if (locals(res).staff) return res.redirect(303, '/staff')
    showSignIn(res, { next: typeof req.query.next === 'string' ? req.query.next : '' }, undefined)
  })

  router.post('/staff/sign-in', signInLimit, async (req, res) => {
    const form = signInForm.safeParse(bodyOf(req))
    if (!form.success) return showSignIn(res, {}, 'formErrors.signInFailed', 400)
    if (locals(res).signInAddressThrottled)
      return showSignIn(
        res,
        { email: form.data.email, next: form.data.next ?? '' },
        'formErrors.signInAddressThrottled',
        429,
      )
    const result = await staff.signIn(form.data.email, form.data.password)
    if (!result.ok) {
      const key = result.reason === 'throttled' ? 'formErrors.signInThrottled' : 'formErrors.signInFailed'
      return showSignIn(
        res,
        { email: form.data.email, next: form.data.next ?? '' },
        key,
        result.reason === 'throttled' ? 429 : 401,
      )
    }
    if (result.awaitingCode) {
      // The password was right; the code from the app comes next (two-factor.routes.ts).
      setStaffSession(res, result.sessionId, {
        maxAgeMs: CODE_MINUTES * 60_000,
        secure: secureCookies,
        opens: false,
      })
      const next = safeNext(form.data.next)
      return res.redirect(
        303,
        `/staff/sign-in/code${next === '/staff' ? '' : `?next=${encodeURIComponent(next)}`}`,
      )
    }
    setStaffSession(res, result.sessionId, {
      maxAgeMs: SESSION_HOURS * 3600_000,
      secure: secureCookies,
      opens: true,
    })
    res.redirect(303, safeNext(form.data.next))
  })

  router.post(
    '/staff/sign-out',
    requirePermission('signedIn', { duringEnrolment: true }),
    async (_req, res) => {
      await staff.signOut(sessionId(res), signedIn(res))
      res.clearCookie(STAFF_COOKIE, { path: '/' })
      res.redirect(303, '/staff/sign-in')
    },
  )

  const showPassword = (res: Response, errors: FormErrors, status = 200, done = false) =>
    renderPage(res, 'staff/password', { title: locals(res).t('staff.password.title'), errors, done }, status)

  router.get('/staff/password', anyStaff, (_req, res) => showPassword(res, noErrors))
  router.post('/staff/password', anyStaff, async (req, res) => {
    const form = await passwordForm.safeParseAsync(bodyOf(req))
    if (!form.success) return showPassword(res, formErrors(form.error, locals(res).t), 400)
    const changed = await staff.changePassword(
      signedIn(res),
      sessionId(res),
      form.data.current,
      form.data.password,
    )
    if (!changed)
      return showPassword(res, formErrors({ current: 'formErrors.currentPassword' }, locals(res).t), 400)
    showPassword(res, noErrors, 200, true)
  })

  const showUsers = async (
    res: Response,
    errors: FormErrors,
    values: Record<string, string>,
    status = 200,
    notice?: string,
  ) => {
    const me = signedIn(res)
    renderPage(
      res,
      'staff/users',
      {
        title: locals(res).t('staff.users.title'),
        users: await staff.listUsers(me.organizationId),
        invited: await staff.pendingInvitations(me.organizationId),
        roles: STAFF_ROLES,
        errors,
        values,
        notice,
        mailConfigured: accounts.configured,
      },
      status,
    )
  }

  router.get('/staff/users', admin, (req, res) =>
    showUsers(
      res,
      noErrors,
      {},
      200,
      req.query.notice === 'invited' || req.query.notice === 'linkSent' ? req.query.notice : undefined,
    ),
  )
  // The new person sets their own password with a single-use link: by email, or handed over by the admin.
  router.post('/staff/users', admin, async (req, res) => {
    const form = newUserForm.safeParse(bodyOf(req))
    const values = {
      email: fieldText(req, 'email'),
      name: fieldText(req, 'name'),
      role: fieldText(req, 'role'),
    }
    if (!form.success) return showUsers(res, formErrors(form.error, locals(res).t), values, 400)
    const me = signedIn(res)
    const invited = await staff.inviteUser(me, form.data)
    if (!invited.ok)
      return showUsers(res, formErrors({ email: 'formErrors.emailTaken' }, locals(res).t), values, 400)
    const delivered = await deliverPasswordLink(req, res, accounts, {
      email: form.data.email,
      token: invited.token,
      purpose: 'invite',
      organizationName: me.organizationName,
    })
    if (delivered.sent) return res.redirect(303, '/staff/users?notice=invited')
    renderPage(res, 'staff/link-shown', {
      title: locals(res).t('staff.links.shown.title'),
      email: form.data.email,
      url: delivered.url,
      hours: LINK_HOURS.invite,
    })
  })
  router.post('/staff/users/:id', admin, async (req, res) => {
    const id = z.coerce.number().int().positive().safeParse(req.params.id)
    const form = userChangeForm.safeParse(bodyOf(req))
    if (!id.success) throw new HttpError(404, 'notFound')
    if (!form.success) return showUsers(res, formErrors(form.error, locals(res).t), {}, 400)
    const result = await staff.updateUser(signedIn(res), id.data, {
      role: form.data.role,
      disabled: form.data.disabled === 'yes',
    })
    if (!result.ok && result.reason === 'notFound') throw new HttpError(404, 'notFound')
    if (!result.ok)
      return showUsers(res, formErrors({ form: 'formErrors.lastAdmin' }, locals(res).t), {}, 409)
    res.redirect(303, '/staff/users')
  })

  const showOrganizations = async (
    res: Response,
    errors: FormErrors,
    values: Record<string, string>,
    status = 200,
  ) =>
    renderPage(
      res,
      'staff/organizations',
      {
        title: locals(res).t('staff.organizations.title'),
        organizations: await staff.listOrganizations(),
        errors,
        values,
      },
      status,
    )

  // The admin's own organization: its names, per language too, and the Portuguese its citizens read.
  const showSettings = async (
    res: Response,
    errors: FormErrors,
    values: Record<string, string> | undefined,
    status = 200,
  ) => {
    const current = await staff.organizationSettings(signedIn(res).organizationId)
    if (!current) throw new HttpError(404, 'notFound')
    renderPage(
      res,
      'staff/organization',
      {
        title: locals(res).t('staff.organization.title'),
        organization: current,
        values: values ?? {
          name: current.name,
          portuguese: current.portuguese,
          ...Object.fromEntries(LANGUAGES.map((l) => [`name_${l}`, current.names[l] ?? ''])),
        },
        errors,
      },
      status,
    )
  }
  router.get('/staff/organization', admin, (_req, res) => showSettings(res, noErrors, undefined))
  router.post('/staff/organization', admin, async (req, res) => {
    const form = organizationSettingsForm.safeParse(bodyOf(req))
    if (!form.success) {
      const values = Object.fromEntries(
        ['name', 'portuguese', 'name_es', 'name_fr', 'name_pt'].map((k) => [k, fieldText(req, k)]),
      )
      return showSettings(res, formErrors(form.error, locals(res).t), values, 400)
    }
    await staff.updateOrganizationSettings(signedIn(res), {
      name: form.data.name,
      names: givenNames(form.data),
      portuguese: form.data.portuguese,
    })
    res.redirect(303, '/staff/organization?saved=1')
  })

  router.get('/staff/organizations', platformAdmin, (_req, res) => showOrganizations(res, noErrors, {}))
  router.post('/staff/organizations', platformAdmin, async (req, res) => {
    const form = await organizationForm.safeParseAsync(bodyOf(req))
    const values = Object.fromEntries(
      ['slug', 'name', 'name_es', 'name_fr', 'name_pt', 'source_language', 'portuguese', 'admin_email'].map(
        (k) => [k, fieldText(req, k)],
      ),
    )
    if (!form.success) return showOrganizations(res, formErrors(form.error, locals(res).t), values, 400)
    const created = await staff.createOrganization(
      signedIn(res),
      {
        slug: form.data.slug,
        name: form.data.name,
        sourceLanguage: form.data.source_language,
        portuguese: form.data.portuguese,
        names: givenNames(form.data),
      },
      { email: form.data.admin_email, password: form.data.admin_password },
    )
    if (!created.ok) {
      const field: Record<string, string> =
        created.reason === 'slugTaken'
          ? { slug: 'formErrors.slugTaken' }
          : { admin_email: 'formErrors.emailTaken' }
      return showOrganizations(res, formErrors(field, locals(res).t), values, 400)
    }
    res.redirect(303, '/staff/organizations')
  })

  return router
}
