import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Router, type Request, type Response } from 'express'
import QRCode from 'qrcode'
import { z } from 'zod'
import { formString, hasUnstorableCharacters } from '../http/form-text.ts'
import { formErrors, noErrors, type FormErrors } from '../http/form-errors.ts'
import { HttpError } from '../http/http-error.ts'
import { renderPage } from '../http/render.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { givenNames, inLanguage, isLanguage, LANGUAGES, type Language } from '../questionnaire/translated.ts'
import type { PartnerProject, ProjectInput } from './feedback.repository.ts'
import {
  formBody,
  openFormOr404,
  projectCode,
  renderFeedbackForm,
  speakFormLanguage,
  submissionKeyOf,
  type FormState,
  type OpenForm,
} from './feedback.routes.ts'
import { newSubmissionKey, type FeedbackService } from './feedback.service.ts'
import { feedbackEntriesCsv, projectResultsCsv, projectResultsView, storiesCsv } from './project-results.ts'
import { locals, signedIn } from '../http/locals.ts'
import { bodyOf, fieldText } from '../middleware/form-body.ts'
import { slugField } from '../http/slugs.ts'
import { FIELD_STATUSES, PROJECT_STATUSES, takesFeedback } from './project-rules.ts'
import { feedbackEntryViewModel } from './feedback-entry.view-model.ts'
import { countryName } from '../i18n/formatters.ts'
import { languageName } from '../i18n/formatters.ts'

export const SECTORS = [
  'water',
  'agriculture',
  'education',
  'health',
  'governance',
  'culture',
  'economy',
  'environment',
  'other',
] as const
const serviceWorkerFile = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../public/assisted-sw.js',
)

const isoDate = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'formErrors.date' })
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), { error: 'formErrors.date' })
const optionalDate = z.union([z.literal(''), isoDate])
const list = (value: unknown): unknown[] =>
  value === undefined || value === '' ? [] : Array.isArray(value) ? (value as unknown[]) : [value]
const text = (max: number) => formString().trim().max(max, { error: 'formErrors.tooLong' })
const projectForm = z
  .object({
    code: slugField('formErrors.slug'),
    name: text(200).min(2, { error: 'formErrors.projectName' }),
    partner: text(200).min(2, { error: 'formErrors.partner' }),
    country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, { error: 'formErrors.country' }),
    sector: z.enum(SECTORS, { error: 'formErrors.invalid' }),
    sdgs: z.preprocess(
      list,
      z.array(z.coerce.number().int().min(1).max(17), { error: 'formErrors.invalid' }).max(17),
    ),
    main_language: z.enum(LANGUAGES, { error: 'formErrors.language' }),
    languages: z.preprocess(list, z.array(z.enum(LANGUAGES, { error: 'formErrors.invalid' })).max(3)),
    starts_on: optionalDate,
    ends_on: optionalDate,
    description_es: text(2000).default(''),
    description_fr: text(2000).default(''),
    description_pt: text(2000).default(''),
    name_es: text(200).default(''),
    name_fr: text(200).default(''),
    name_pt: text(200).default(''),
    questionnaire: z.union([z.literal(''), z.coerce.number().int().positive()], {
      error: 'formErrors.invalid',
    }),
    status: z.enum(PROJECT_STATUSES, { error: 'formErrors.invalid' }),
  })
  .refine((f) => !f.starts_on || !f.ends_on || f.ends_on >= f.starts_on, {
    path: ['ends_on'],
    error: 'formErrors.endsBeforeStarts',
  })

const FIELDS = [
  'code',
  'name',
  'partner',
  'country',
  'sector',
  'main_language',
  'starts_on',
  'ends_on',
  'description_es',
  'description_fr',
  'description_pt',
  'name_es',
  'name_fr',
  'name_pt',
  'questionnaire',
  'status',
]

function formValues(project: PartnerProject): Record<string, unknown> {
  return {
    code: project.code,
    name: project.name,
    partner: project.partner,
    country: project.country,
    sector: project.sector,
    sdgs: project.sdgs.map(String),
    main_language: project.languages[0] ?? '',
    languages: project.languages.slice(1),
    starts_on: project.startsOn ?? '',
    ends_on: project.endsOn ?? '',
    description_es: project.description.es ?? '',
    description_fr: project.description.fr ?? '',
    description_pt: project.description.pt ?? '',
    name_es: project.names.es ?? '',
    name_fr: project.names.fr ?? '',
    name_pt: project.names.pt ?? '',
    questionnaire: project.questionnaireSeriesId === null ? '' : String(project.questionnaireSeriesId),
    status: project.status,
  }
}

/** Staff pages of partner projects: records, QR posters, assisted entry, moderation and results. */
export function projectRoutes(feedback: FeedbackService, publicUrl: string | undefined): Router {
  const router = Router()
  const managers = requirePermission('manageProjects')
  const fieldStaff = requirePermission('collectInField')
  const readers = requirePermission('readResults')
  const anyStaff = requirePermission('signedIn')
  const me = signedIn
  const shortUrl = (req: Request, code: string) =>
    `${publicUrl ?? `${req.protocol}://${req.get('host')}`}/f/${code}`

  async function project(res: Response, code: unknown): Promise<PartnerProject> {
    const parsed = projectCode.safeParse(code)
    const found = parsed.success ? await feedback.findProject(me(res), parsed.data) : undefined
    if (!found) throw new HttpError(404, 'notFound')
    return found
  }

  router.get('/staff/projects', anyStaff, async (_req, res) => {
    // Field staff who neither manage projects nor read their results see the open ones only.
    const { can } = locals(res)
    const facilitator = !can.manageProjects && !can.readResults
    renderPage(res, 'projects/list', {
      title: locals(res).t('projects.list.title'),
      projects: (await feedback.listProjects(me(res), facilitator ? FIELD_STATUSES : undefined)).map((p) => ({
        ...p,
        takesFeedback: takesFeedback(p),
      })),
      countryName: (code: string) => countryName(code, locals(res).lang),
    })
  })

  async function showProjectForm(
    res: Response,
    existing: PartnerProject | undefined,
    values: Record<string, unknown>,
    errors: FormErrors,
    status = 200,
  ) {
    const t = locals(res).t
    renderPage(
      res,
      'projects/edit',
      {
        title: `${errors.links.length ? t('common.errorPrefix') + ' ' : ''}${existing ? existing.name : t('projects.edit.newTitle')}`,
        existing,
        values,
        errors,
        sectors: SECTORS,
        statuses: PROJECT_STATUSES,
        questionnaires: await feedback.feedbackQuestionnaires(me(res)),
        shortUrl: existing ? shortUrl(res.req, existing.code) : undefined,
      },
      status,
    )
  }

  async function saveProject(req: Request, res: Response, existing: PartnerProject | undefined) {
    const raw = bodyOf(req)
    const values: Record<string, unknown> = Object.fromEntries(FIELDS.map((k) => [k, fieldText(req, k)]))
    values.sdgs = list(raw.sdgs).map(String)
    values.languages = list(raw.languages).map(String)
    if (existing) raw.code = existing.code
    const form = projectForm.safeParse(raw)
    if (!form.success)
      return showProjectForm(res, existing, values, formErrors(form.error, locals(res).t), 400)
    const f = form.data
    const input: ProjectInput = {
      code: f.code,
      name: f.name,
      partner: f.partner,
      country: f.country,
      sector: f.sector,
      sdgs: [...new Set(f.sdgs)].sort((a, b) => a - b),
      languages: [
        f.main_language,
        ...LANGUAGES.filter((l) => l !== f.main_language && f.languages.includes(l)),
      ],
      startsOn: f.starts_on || null,
      endsOn: f.ends_on || null,
      description: { es: f.description_es, fr: f.description_fr, pt: f.description_pt },
      // Only the languages given: the others show the project's name as it is.
      names: givenNames(f),
      questionnaireSeriesId: f.questionnaire === '' ? null : f.questionnaire,
      status: f.status,
    }
    const saved = await feedback.saveProject(me(res), existing, input)
    if (!saved.ok) return showProjectForm(res, existing, values, formErrors(saved.errors, locals(res).t), 400)
    res.redirect(303, `/staff/projects/${input.code}?saved=1`)
  }

  router.get('/staff/projects/new', managers, (_req, res) =>
    showProjectForm(res, undefined, { status: 'draft', sector: 'water', main_language: 'es' }, noErrors),
  )
  router.post('/staff/projects/new', managers, (req, res) => saveProject(req, res, undefined))

  router.get('/staff/projects/:code', managers, async (req, res) => {
    const found = await project(res, req.params.code)
    await showProjectForm(res, found, formValues(found), noErrors)
  })
  router.post('/staff/projects/:code', managers, async (req, res) =>
    saveProject(req, res, await project(res, req.params.code)),
  )

  // Posters: the short address as a QR code, vector for print shops and PNG for office software.
  router.get('/staff/projects/:code/qr.:format', fieldStaff, async (req, res) => {
    const found = await project(res, req.params.code)
    const url = shortUrl(req, found.code)
    const options = { margin: 2, errorCorrectionLevel: 'M' as const }
    res.set('Content-Disposition', `attachment; filename="${found.code}-qr.${String(req.params.format)}"`)
    if (req.params.format === 'svg')
      return res.type('image/svg+xml').send(await QRCode.toString(url, { ...options, type: 'svg' }))
    if (req.params.format === 'png')
      return res.type('image/png').send(await QRCode.toBuffer(url, { ...options, width: 1024 }))
    throw new HttpError(404, 'notFound')
  })

  // Assisted entry: a facilitator records beneficiaries' feedback one after another, online or not.
  const assistedForm = (res: Response, code: unknown) => openFormOr404(feedback, code, me(res).organizationId)

  function showAssisted(
    res: Response,
    open: OpenForm,
    state: FormState & { recorded?: boolean },
    status = 200,
  ) {
    renderFeedbackForm(res, open, state, status, {
      view: 'projects/assisted',
      titleKey: 'projects.assisted.title',
      model: {
        recorded: state.recorded ?? false,
        submission: newSubmissionKey(),
        script: 'assisted.js',
      },
    })
  }

  router.get('/staff/projects/:code/assisted', fieldStaff, async (req, res) => {
    const open = await assistedForm(res, req.params.code)
    speakFormLanguage(res, open.project)
    showAssisted(res, open, { recorded: req.query.recorded === '1' })
  })

  router.post('/staff/projects/:code/assisted', fieldStaff, async (req, res) => {
    const open = await assistedForm(res, req.params.code)
    const body = formBody.safeParse(bodyOf(req))
    if (!body.success) throw new HttpError(400, 'badRequest')
    const form = body.data
    // An entry queued offline keeps the language it was recorded in (and its page, if refused, too).
    if (isLanguage(form.language) && open.project.languages.includes(form.language))
      locals(res).useLanguage(form.language)
    else speakFormLanguage(res, open.project)
    const language: Language = locals(res).lang
    const outcome = await feedback.submit(open, {
      form,
      language,
      submissionKey: submissionKeyOf(form),
      channel: 'assisted',
      facilitator: me(res),
    })
    const wantsJson = req.accepts(['html', 'json']) === 'json'
    if (outcome.kind === 'invalid') {
      if (wantsJson) return res.status(400).json({ errors: [...outcome.errors, ...outcome.consentErrors] })
      return showAssisted(
        res,
        open,
        { form, errors: outcome.errors, consentErrors: outcome.consentErrors },
        400,
      )
    }
    if (wantsJson) return res.status(201).json({ stored: outcome.kind === 'stored' })
    res.redirect(303, `/staff/projects/${open.project.code}/assisted?recorded=1`)
  })

  // The queue on a facilitator's phone asks for a fresh form token before it sends what waited.
  router.get('/staff/form-token', anyStaff, (_req, res) => {
    res.json({ token: locals(res).csrfToken })
  })

  // Served from /staff/ so that it may look after the assisted-entry pages.
  router.get('/staff/assisted-sw.js', (_req, res) => {
    res.set('Cache-Control', 'no-cache')
    res.type('text/javascript').sendFile(serviceWorkerFile)
  })

  // Moderation: new feedback, stories with personal data flagged, redaction, approval.
  const reviewFilter = z.enum(['new', 'approved', 'rejected']).optional().catch(undefined)
  router.get('/staff/projects/:code/feedback', managers, async (req, res) => {
    const found = await project(res, req.params.code)
    const review = reviewFilter.parse(req.query.review)
    renderPage(res, 'projects/feedback', {
      title: locals(res).t('projects.moderation.title', { project: found.name }),
      project: found,
      review,
      entries: await feedback.listFeedback(found, review),
    })
  })

  const feedbackId = z.coerce.number().int().positive().max(2_147_483_647)
  async function entryOf(res: Response, id: unknown) {
    const parsed = feedbackId.safeParse(id)
    const found = parsed.success ? await feedback.feedbackEntry(me(res), parsed.data) : undefined
    if (!found) throw new HttpError(404, 'notFound')
    return found
  }

  async function showEntry(
    res: Response,
    id: unknown,
    error?: { field: string; message: string },
    status = 200,
  ) {
    const found = await entryOf(res, id)
    const { lang, t } = locals(res)
    renderPage(res, 'projects/entry', feedbackEntryViewModel({ found, error, language: lang, t }), status)
  }

  router.get('/staff/feedback/:id', managers, (req, res) => showEntry(res, req.params.id))

  router.post('/staff/feedback/:id/redact', managers, async (req, res) => {
    const found = await entryOf(res, req.params.id)
    const body = formBody.safeParse(bodyOf(req))
    if (!body.success) throw new HttpError(400, 'badRequest')
    const texts: Record<string, string> = {}
    for (const story of found.stories) {
      const given = body.data[`story_${story.question.code}`]
      if (typeof given === 'string' && hasUnstorableCharacters(given))
        return showEntry(
          res,
          found.entry.id,
          {
            field: `story_${story.question.code}`,
            message: locals(res).t('formErrors.unstorableCharacters'),
          },
          400,
        )
      if (typeof given === 'string' && given.trim() !== '')
        texts[story.question.code] = given.trim().slice(0, 4000)
    }
    await feedback.redact(me(res), found, texts)
    res.redirect(303, `/staff/feedback/${found.entry.id}`)
  })

  router.post('/staff/feedback/:id/review', managers, async (req, res) => {
    const found = await entryOf(res, req.params.id)
    const body = z
      .object({ decision: z.enum(['approved', 'rejected']), checked: formString().optional() })
      .safeParse(bodyOf(req))
    if (!body.success) throw new HttpError(400, 'badRequest')
    // A story still flagged is published only when the moderator says they read it.
    const flagged = found.stories.some((s) => s.flags.length > 0)
    if (body.data.decision === 'approved' && flagged && body.data.checked !== 'yes')
      return showEntry(
        res,
        found.entry.id,
        { field: 'checked', message: locals(res).t('projects.entry.confirmFlags') },
        400,
      )
    await feedback.review(me(res), found, body.data.decision)
    res.redirect(303, `/staff/projects/${found.entry.projectCode}/feedback?review=new`)
  })

  // Results: responses by channel and month, ratings over time, stories; and the same as CSV.
  router.get('/staff/projects/:code/results', readers, async (req, res) => {
    const found = await project(res, req.params.code)
    const results = await feedback.projectResults(found)
    const stories = await feedback.publishedStories(found.id, 50)
    renderPage(res, 'projects/results', {
      title: locals(res).t('projects.results.title', { project: found.name }),
      project: found,
      ...projectResultsView(results, locals(res).lang, locals(res).t, locals(res).format),
      stories: stories.map((s) => ({
        ...s,
        question: inLanguage(s.questionText, locals(res).lang),
        languageName: languageName(s.language, locals(res).locale),
      })),
    })
  })

  router.get('/staff/projects/:code/results.csv', readers, async (req, res) => {
    const found = await project(res, req.params.code)
    res.type('text/csv; charset=utf-8')
    res.set('Content-Disposition', `attachment; filename="${found.code}-results.csv"`)
    res.send(projectResultsCsv(found, await feedback.projectResults(found)))
  })

  router.get('/staff/projects/:code/responses.csv', readers, async (req, res) => {
    const found = await project(res, req.params.code)
    res.type('text/csv; charset=utf-8')
    res.set('Content-Disposition', `attachment; filename="${found.code}-responses.csv"`)
    res.send(feedbackEntriesCsv(found, await feedback.feedbackMicrodata(found)))
  })

  router.get('/staff/projects/:code/stories.csv', readers, async (req, res) => {
    const found = await project(res, req.params.code)
    res.type('text/csv; charset=utf-8')
    res.set('Content-Disposition', `attachment; filename="${found.code}-stories.csv"`)
    res.send(storiesCsv(found, await feedback.publishedStories(found.id, 100_000)))
  })

  return router
}
