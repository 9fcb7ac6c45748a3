import { randomBytes } from 'node:crypto'
import { Router, type Response } from 'express'
import type { i18n } from 'i18next'
import QRCode from 'qrcode'
import { z } from 'zod'
import { waveContextOf } from '../designer/designer.routes.ts'
import type { DesignerService, WaveContext } from '../designer/designer.service.ts'
import { fieldError, formErrors, noErrors, type FormErrors } from '../http/form-errors.ts'
import { HttpError } from '../http/http-error.ts'
import { renderPage } from '../http/render.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import {
  inLanguage,
  isLanguage,
  LANGUAGES,
  organizationNameIn,
  type Language,
} from '../questionnaire/translated.ts'
import { formattersFor } from '../i18n/formatters.ts'
import { invitationsToCsv, MAX_BATCH } from './invitation-codes.ts'
import type { InvitationService } from './invitations.service.ts'
import { locals, signedIn } from '../http/locals.ts'
import { bodyOf } from '../middleware/form-body.ts'
import { takesInvitations } from '../series/wave-rules.ts'
import { formString } from '../http/form-text.ts'
import { STRATUM_PATTERN } from '../mail/address-list.ts'
import { matchStratum, stratumKey } from './strata.ts'

const batchForm = z.object({
  count: z.coerce
    .number({ error: 'formErrors.count' })
    .int({ error: 'formErrors.count' })
    .min(1, { error: 'formErrors.count' })
    .max(MAX_BATCH, { error: 'formErrors.count' }),
  stratum: z
    .string()
    .trim()
    .max(60, { error: 'formErrors.tooLong' })
    .regex(/^[\p{L}\p{N} _.-]*$/u, { error: 'formErrors.stratum' })
    .default(''),
  format: z.enum(['letters', 'csv'], { error: 'formErrors.invalid' }),
  letter_language: z.enum(['es', 'fr', 'pt'], { error: 'formErrors.invalid' }).default('es'),
  request_key: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, { error: 'formErrors.invalid' }),
})
const accessForm = z.object({ access_mode: z.enum(['open', 'invitation', 'both']) })
const introField = () => formString().trim().max(1000, { error: 'formErrors.tooLong' }).default('')
const letterForm = z.object({
  strata: formString()
    .max(5000, { error: 'formErrors.tooLong' })
    .default('')
    .transform((text) => [
      ...new Set(
        text
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(
      z
        .array(z.string().regex(STRATUM_PATTERN, { error: 'formErrors.strata' }))
        .max(200, { error: 'formErrors.strata' })
        .refine((list) => new Set(list.map(stratumKey)).size === list.length, {
          error: 'formErrors.strataTwice',
        }),
    ),
  address: formString()
    .trim()
    .max(400, { error: 'formErrors.tooLong' })
    .refine((a) => a.split(/\r?\n/).length <= 6, { error: 'formErrors.addressLines' })
    .default(''),
  deadline: z.union([z.literal(''), z.iso.date({ error: 'formErrors.date' })]).default(''),
  intro_es: introField(),
  intro_fr: introField(),
  intro_pt: introField(),
})

/** Staff generate invitation codes for a drawn sample and choose who may answer a wave. */
export function invitationRoutes(
  designer: DesignerService,
  invitations: InvitationService,
  translator: i18n,
  publicUrl: string | undefined,
): Router {
  const router = Router()
  const designers = requirePermission('designQuestionnaires')
  const me = signedIn
  const pageUrl = (c: WaveContext) => `/staff/series/${c.series.code}/waves/${c.wave.year}/invitations`

  const context = (res: Response, params: unknown) => waveContextOf(designer, res, params)

  async function show(
    res: Response,
    c: WaveContext,
    options: { errors?: FormErrors; values?: Record<string, string>; notice?: string; status?: number } = {},
  ) {
    renderPage(
      res,
      'invitations/wave',
      {
        title: locals(res).t('invitations.title', { year: c.wave.year }),
        c,
        takesInvitations: takesInvitations(c.wave),
        base: pageUrl(c),
        waveHref: `/staff/series/${c.series.code}/waves/${c.wave.year}`,
        rates: await invitations.responseRates(c.wave.id),
        batches: await invitations.listBatches(c.wave.id),
        errors: options.errors ?? noErrors,
        values: {
          count: '',
          stratum: '',
          letter_language: locals(res).lang,
          strata: c.wave.strata.join('\n'),
          address: c.wave.letter.address ?? '',
          deadline: c.wave.letter.deadline ?? '',
          ...Object.fromEntries(LANGUAGES.map((l) => [`intro_${l}`, c.wave.letter.intro?.[l] ?? ''])),
          ...options.values,
        },
        strata: c.wave.strata,
        requestKey: randomBytes(16).toString('base64url'),
        notice: options.notice,
        maxBatch: MAX_BATCH,
      },
      options.status ?? 200,
    )
  }

  router.get('/staff/series/:series/waves/:year/invitations', designers, async (req, res) => {
    const notice = req.query.notice === 'access' ? 'access' : undefined
    await show(res, await context(res, req.params), { notice })
  })

  router.post('/staff/series/:series/waves/:year/invitations/access', designers, async (req, res) => {
    const c = await context(res, req.params)
    const form = accessForm.safeParse(bodyOf(req))
    if (!form.success) throw new HttpError(400, 'badRequest')
    await invitations.setAccessMode(c.wave.id, form.data.access_mode, {
      organizationId: me(res).organizationId,
      userId: me(res).id,
      subject: `${c.series.code}/${c.wave.year}`,
    })
    res.redirect(303, `${pageUrl(c)}?notice=access`)
  })

  // The strata invitations are made for, and what the letters carry beyond the standard text.
  router.post('/staff/series/:series/waves/:year/invitations/letter', designers, async (req, res) => {
    const c = await context(res, req.params)
    const body = bodyOf(req)
    const form = letterForm.safeParse(body)
    const values = Object.fromEntries(
      ['strata', 'address', 'deadline', 'intro_es', 'intro_fr', 'intro_pt'].map((k) => [
        k,
        typeof body[k] === 'string' ? body[k] : '',
      ]),
    )
    if (!form.success)
      return show(res, c, { errors: formErrors(form.error, locals(res).t), values, status: 400 })
    const intro = Object.fromEntries(
      LANGUAGES.map((l) => [l, form.data[`intro_${l}`]] as const).filter(([, text]) => text !== ''),
    )
    const saved = await invitations.setStrataAndLetter(
      c.wave,
      {
        strata: form.data.strata,
        letter: {
          ...(form.data.address ? { address: form.data.address } : {}),
          ...(form.data.deadline ? { deadline: form.data.deadline } : {}),
          ...(Object.keys(intro).length ? { intro } : {}),
        },
      },
      {
        organizationId: me(res).organizationId,
        userId: me(res).id,
        subject: `${c.series.code}/${c.wave.year}`,
      },
    )
    if (!saved.ok)
      return show(res, c, {
        errors: fieldError(
          'strata',
          locals(res).t('formErrors.strataInUse', { strata: saved.dropped.join(', ') }),
        ),
        values,
        status: 409,
      })
    res.redirect(303, `${pageUrl(c)}?saved=1#letter`)
  })

  // The codes exist in readable form only in this response: the letters to print, or the CSV.
  router.post('/staff/series/:series/waves/:year/invitations', designers, async (req, res) => {
    const c = await context(res, req.params)
    const values = Object.fromEntries(Object.entries(bodyOf(req)).map(([k, v]) => [k, String(v)]))
    const form = batchForm.safeParse(bodyOf(req))
    if (!form.success)
      return show(res, c, { errors: formErrors(form.error, locals(res).t), values, status: 400 })
    if (!takesInvitations(c.wave)) return show(res, c, { notice: 'closed', values, status: 409 })
    const matched = matchStratum(form.data.stratum, c.wave.strata)
    if (!matched.ok)
      return show(res, c, {
        errors: formErrors({ stratum: 'formErrors.stratumUnknown' }, locals(res).t),
        values,
        status: 400,
      })
    const stratum = matched.stratum
    const made = await invitations.create(
      {
        waveId: c.wave.id,
        count: form.data.count,
        stratum,
        requestKey: form.data.request_key,
        createdBy: me(res).id,
      },
      {
        organizationId: me(res).organizationId,
        userId: me(res).id,
        subject: `${c.series.code}/${c.wave.year}`,
      },
    )
    if (!made) return show(res, c, { notice: 'alreadyMade', status: 409 })
    const origin = publicUrl ?? `${req.protocol}://${req.get('host')}`
    const surveyUrl = `${origin}/s/${(await invitations.organization(me(res).organizationId)).slug}/${c.series.code}`
    const filename = `invitations-${c.series.code}-${c.wave.year}-${made.batchId}`
    if (form.data.format === 'csv') {
      res.type('text/csv; charset=utf-8')
      res.attachment(`${filename}.csv`)
      return res.send(invitationsToCsv(made.codes, surveyUrl, stratum))
    }
    const language: Language = isLanguage(form.data.letter_language) ? form.data.letter_language : 'es'
    const organization = await invitations.organization(me(res).organizationId)
    // Letters in Portuguese are written in the Portuguese the organization's citizens read.
    const letterLocale = language === 'pt' ? organization.portuguese : language
    const letterT = translator.getFixedT(letterLocale)
    const letters = await Promise.all(
      made.codes.map(async (invitation) => {
        const url = `${surveyUrl}/i/${invitation}`
        return {
          code: invitation,
          url,
          qr: await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
        }
      }),
    )
    const { deadline, address, intro } = c.wave.letter
    // The page around the letters speaks the staff member's language; the letters, theirs.
    res.render('invitations/letters', {
      lang: locals(res).locale,
      t: locals(res).t,
      letterLang: letterLocale,
      letterT,
      title: locals(res).t('invitations.letter.documentTitle', { count: letters.length }),
      seriesTitle: inLanguage(c.series.title, language),
      organizationName: organizationNameIn(
        { organizationName: organization.name, organizationNames: organization.names },
        language,
      ),
      address: address ?? '',
      intro: intro?.[language] ?? '',
      deadline: deadline ? formattersFor(letterLocale).date(new Date(`${deadline}T12:00:00Z`)) : '',
      year: c.wave.year,
      surveyUrl,
      letters,
      csv: `data:text/csv;charset=utf-8,${encodeURIComponent(invitationsToCsv(made.codes, surveyUrl, stratum))}`,
      csvName: `${filename}.csv`,
      backHref: pageUrl(c),
    })
  })

  return router
}
