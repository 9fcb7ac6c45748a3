import { randomBytes } from 'node:crypto'
import { Router, type RequestHandler, type Response } from 'express'
import multer from 'multer'
import { z } from 'zod'
import { waveContextOf } from '../designer/designer.routes.ts'
import type { DesignerService, WaveContext } from '../designer/designer.service.ts'
import { formErrors, noErrors, type FormErrors } from '../http/form-errors.ts'
import { HttpError } from '../http/http-error.ts'
import { locals, signedIn } from '../http/locals.ts'
import { renderPage } from '../http/render.ts'
import { receiveUpload } from '../http/upload.ts'
import { LOCALES, localeOfTag } from '../i18n/locales.ts'
import type { InvitationService } from '../invitations/invitations.service.ts'
import { bodyOf } from '../middleware/form-body.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { isOpen, takesInvitations } from '../series/wave-rules.ts'
import { ADDRESS_LIST_MAX_BYTES, readAddressList, type GroupedProblem } from './address-list.ts'
import type { MailService } from './mail.service.ts'

const tokenParam = z.object({ token: z.string().max(40) })
const remindersForm = z.object({
  after_days: z.coerce
    .number({ error: 'formErrors.reminderDays' })
    .int({ error: 'formErrors.reminderDays' })
    .min(1, { error: 'formErrors.reminderDays' })
    .max(60, { error: 'formErrors.reminderDays' }),
  limit: z.coerce
    .number({ error: 'formErrors.reminderLimit' })
    .int({ error: 'formErrors.reminderLimit' })
    .min(0, { error: 'formErrors.reminderLimit' })
    .max(5, { error: 'formErrors.reminderLimit' }),
})
const listFields = z.object({
  language: z.enum(LOCALES, { error: 'formErrors.language' }),
  request_key: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, { error: 'formErrors.invalid' }),
})

/** A notice's numbers as people read them; `count` also chooses the plural. */
function noticeParams(params: Record<string, number> = {}, format: { number: (n: number) => string }) {
  const shown: Record<string, string | number> = {}
  for (const [name, value] of Object.entries(params)) shown[name] = format.number(value)
  if (params.count !== undefined)
    Object.assign(shown, { count: params.count, formatted: format.number(params.count) })
  return shown
}

/** What a form field held, to show it again. */
const textField = (value: unknown) => (typeof value === 'string' ? value : '')

/** The first rows a grouped problem names, as people read them ("rows 2, 5, 9 and 12 more"). */
const FIRST_ROWS = 5

/** Staff upload a wave's list of addresses, send the invitations, set reminders and watch what was sent. */
export function emailInvitationRoutes(
  designer: DesignerService,
  invitations: InvitationService,
  mail: MailService,
  sending: { publicUrl: string | undefined; configured: boolean },
): Router {
  const router = Router()
  const designers = requirePermission('designQuestionnaires')
  const me = signedIn
  const pageUrl = (c: WaveContext) => `/staff/series/${c.series.code}/waves/${c.wave.year}/invitations/email`
  const audit = (res: Response, c: WaveContext) => ({
    organizationId: me(res).organizationId,
    userId: me(res).id,
    subject: `${c.series.code}/${c.wave.year}`,
  })

  async function show(
    res: Response,
    c: WaveContext,
    view: {
      errors?: FormErrors
      listProblems?: GroupedProblem[]
      values?: Record<string, string>
      notice?: { key: string; params?: Record<string, number> }
      status?: number
    } = {},
  ) {
    const { t, format } = locals(res)
    renderPage(
      res,
      'invitations/email',
      {
        title: `${view.errors?.links.length ? t('common.errorPrefix') + ' ' : ''}${t('mail.staff.title', { year: c.wave.year })}`,
        c,
        configured: sending.configured,
        takesInvitations: takesInvitations(c.wave),
        open: isOpen(c.wave),
        base: pageUrl(c),
        invitationsHref: `/staff/series/${c.series.code}/waves/${c.wave.year}/invitations`,
        overview: await mail.overview(c.wave.id),
        errors: view.errors ?? noErrors,
        listProblems: (view.listProblems ?? []).map((p) => ({
          text: t(`mail.problems.${p.problem}`, { count: p.rows.length }),
          rows:
            p.rows.length === 0
              ? ''
              : t(p.rows.length > FIRST_ROWS ? 'mail.problems.rowsMore' : 'mail.problems.rows', {
                  rows: p.rows
                    .slice(0, FIRST_ROWS)
                    .map((r) => format.number(r))
                    .join(', '),
                  more: format.number(p.rows.length - FIRST_ROWS),
                }),
        })),
        values: { language: locals(res).locale, ...view.values },
        requestKey: randomBytes(16).toString('base64url'),
        notice: view.notice && {
          key: view.notice.key,
          params: noticeParams(view.notice.params, format),
        },
        locales: LOCALES,
      },
      view.status ?? 200,
    )
  }

  const noticeOf = (
    query: Record<string, unknown>,
  ): { key: string; params: Record<string, number> } | undefined => {
    const number = (v: unknown) => (typeof v === 'string' && /^\d{1,7}$/.test(v) ? Number(v) : 0)
    if (query.notice === 'listed')
      return { key: 'listed', params: { count: number(query.added), already: number(query.already) } }
    if (query.notice === 'queued') return { key: 'queued', params: { count: number(query.count) } }
    return undefined
  }

  router.get('/staff/series/:series/waves/:year/invitations/email', designers, async (req, res) => {
    const c = await waveContextOf(designer, res, req.params)
    await show(res, c, { notice: noticeOf(req.query) })
  })

  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: ADDRESS_LIST_MAX_BYTES, files: 1, fields: 4, parts: 5 },
  }).single('list')

  router.post('/staff/series/:series/waves/:year/invitations/email/list', designers, async (req, res) => {
    const c = await waveContextOf(designer, res, req.params)
    if (!sending.configured) return show(res, c, { notice: { key: 'notConfigured' }, status: 409 })
    const error = await receiveUpload(upload, req, res)
    const fields = listFields.safeParse(req.body ?? {})
    const values = { language: textField((req.body as Record<string, unknown> | undefined)?.language) }
    if (!fields.success)
      return show(res, c, { errors: formErrors(fields.error, locals(res).t), values, status: 400 })
    const problem = (key: string) =>
      show(res, c, { errors: formErrors({ list: key }, locals(res).t), values, status: 400 })
    if (error)
      return problem(
        (error as { code?: string }).code === 'LIMIT_FILE_SIZE'
          ? 'formErrors.listTooLarge'
          : 'formErrors.listUnreadable',
      )
    if (!req.file) return problem('formErrors.chooseList')
    if (!takesInvitations(c.wave)) return show(res, c, { notice: { key: 'closed' }, status: 409 })
    const organization = await invitations.organization(me(res).organizationId)
    const read = readAddressList(req.file.buffer.toString('utf8'), {
      fallback: fields.data.language,
      portuguese: localeOfTag(organization.portuguese)!.locale,
      strata: c.wave.strata,
    })
    if (!read.ok)
      return show(res, c, {
        errors: formErrors({ list: 'formErrors.listRefused' }, locals(res).t),
        listProblems: read.problems,
        values,
        status: 400,
      })
    const origin = sending.publicUrl ?? `${req.protocol}://${req.get('host')}`
    const added = await mail.addList(
      {
        waveId: c.wave.id,
        people: read.people,
        surveyUrl: `${origin}/s/${organization.slug}/${c.series.code}`,
        requestKey: fields.data.request_key,
        createdBy: me(res).id,
      },
      audit(res, c),
    )
    if (!added) return show(res, c, { notice: { key: 'alreadyListed' }, status: 409 })
    res.redirect(303, `${pageUrl(c)}?notice=listed&added=${added.added}&already=${added.alreadyListed}`)
  })

  router.post('/staff/series/:series/waves/:year/invitations/email/send', designers, async (req, res) => {
    const c = await waveContextOf(designer, res, req.params)
    if (!sending.configured) return show(res, c, { notice: { key: 'notConfigured' }, status: 409 })
    // Links to a survey nobody can answer yet (a draft) or any more (closed) are not sent.
    if (!isOpen(c.wave)) return show(res, c, { notice: { key: 'notOpen' }, status: 409 })
    const queued = await mail.sendInvitations(c.wave.id, audit(res, c))
    res.redirect(303, `${pageUrl(c)}?notice=queued&count=${queued}`)
  })

  router.post(
    '/staff/series/:series/waves/:year/invitations/email/reminders',
    designers,
    async (req, res) => {
      const c = await waveContextOf(designer, res, req.params)
      const body = bodyOf(req)
      const form = remindersForm.safeParse(body)
      if (!form.success)
        return show(res, c, {
          errors: formErrors(form.error, locals(res).t),
          values: { after_days: textField(body.after_days), limit: textField(body.limit) },
          status: 400,
        })
      await mail.setReminders(
        c.wave.id,
        { afterDays: form.data.after_days, limit: form.data.limit },
        audit(res, c),
      )
      res.redirect(303, `${pageUrl(c)}?saved=1`)
    },
  )

  return router
}

/** The page behind the link at the foot of every message: stop the messages, in one button. */
export function optOutRoutes(mail: MailService, submissions: RequestHandler): Router {
  const router = Router()
  router.get('/mail/stop/:token', async (req, res) => {
    const { token } = tokenParam.parse(req.params)
    const state = await mail.optOutState(token)
    renderPage(
      res,
      'mail/opt-out',
      { title: locals(res).t(`mail.optOut.${state}.title`), state, action: `/mail/stop/${token}` },
      state === 'unknown' ? 404 : 200,
    )
  })
  router.post('/mail/stop/:token', submissions, async (req, res) => {
    const parsed = tokenParam.safeParse(req.params)
    if (!parsed.success) throw new HttpError(404, 'notFound')
    await mail.optOut(parsed.data.token)
    res.redirect(303, `/mail/stop/${parsed.data.token}`)
  })
  return router
}

/** RFC 8058: a mail program posts `List-Unsubscribe=One-Click` to the link in the header, with no form token. */
export function oneClickOptOut(mail: MailService): RequestHandler {
  return (req, res, next) => {
    const match = req.method === 'POST' ? /^\/mail\/stop\/([^/]{1,40})$/.exec(req.path) : null
    if (!match || bodyOf(req)['List-Unsubscribe'] !== 'One-Click') return next()
    mail.optOut(match[1]!).then(
      (done) =>
        res
          .status(done ? 200 : 404)
          .type('text/plain')
          .send(done ? 'OK' : 'Not found'),
      next,
    )
  }
}
