import { Router, type RequestHandler, type Response } from 'express'
import { z } from 'zod'
import { HttpError } from '../http/http-error.ts'
import { renderPage } from '../http/render.ts'
import type { FieldError } from '../questionnaire/answer-validation.ts'
import { isLanguage, nameIn, organizationNameIn, type Language } from '../questionnaire/translated.ts'
import type { PartnerProject } from './feedback.repository.ts'
import { feedbackFormViewModel } from './feedback-form.view-model.ts'
import {
  newSubmissionKey,
  type ConsentError,
  type FeedbackForm,
  type FeedbackService,
} from './feedback.service.ts'
import { locals } from '../http/locals.ts'
import { bodyOf } from '../middleware/form-body.ts'
import { slugInAddress } from '../http/slugs.ts'
import { projectPageViewModel } from './project-page.view-model.ts'
import { countryName } from '../i18n/formatters.ts'

export const projectCode = slugInAddress
export const formBody = z.record(z.string().max(100), z.union([z.string(), z.array(z.string())]))
const submissionKey = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/)
const STORIES_PER_PAGE = 20

/**
 * Shows a project's page in its main language unless the reader chose one, or their browser asks for
 * another language used on the ground.
 */
export function speakProjectLanguage(res: Response, project: PartnerProject): void {
  const first = project.languages[0]
  const source: 'chosen' | 'browser' | 'default' = locals(res).languageSource
  if (source !== 'chosen' && isLanguage(first))
    if (source === 'default' || !project.languages.includes(locals(res).lang)) locals(res).useLanguage(first)
  // Portuguese as the organization writes it (Recife's beneficiaries read Brazil's).
  locals(res).preferPortuguese(project.portuguese)
}

/**
 * The assisted-entry form in a language of the project: the facilitator's own when the project uses it,
 * else the project's main one (a facilitator reading French opens Recife's form in Portuguese).
 */
export function speakFormLanguage(res: Response, project: PartnerProject): void {
  const first = project.languages[0]
  if (isLanguage(first) && !project.languages.includes(locals(res).lang)) locals(res).useLanguage(first)
  locals(res).preferPortuguese(project.portuguese)
}

/** The project as a reader sees it: its name and its organization's name in their language. */
export const projectInLanguage = (project: PartnerProject, language: Language): PartnerProject => ({
  ...project,
  name: nameIn(project.names, project.name, language),
  organizationName: organizationNameIn(project, language),
})

/** The key a form carries, or a new one when it is missing or malformed. */
export const submissionKeyOf = (form: Record<string, unknown>) => {
  const given = submissionKey.safeParse(form.submission)
  return given.success ? given.data : newSubmissionKey()
}

export type OpenForm = Extract<FeedbackForm, { kind: 'open' }>

/** What a re-rendered form keeps from a failed POST. */
export interface FormState {
  form?: Record<string, unknown>
  errors?: FieldError[]
  consentErrors?: ConsentError[]
}

/** The form of a project taking feedback now (within one organization, for staff), or a 404. */
export async function openFormOr404(
  feedback: FeedbackService,
  code: unknown,
  organizationId?: number,
): Promise<OpenForm> {
  const parsed = projectCode.safeParse(code)
  if (!parsed.success) throw new HttpError(404, 'notFound')
  const found = await feedback.openForm(parsed.data, organizationId)
  if (found.kind !== 'open') throw new HttpError(404, 'notFound')
  return found
}

/** Renders a project's feedback form (the beneficiary's page or the facilitator's) with its state. */
export function renderFeedbackForm(
  res: Response,
  open: OpenForm,
  state: FormState,
  status: number,
  page: { view: string; titleKey: string; model: Record<string, unknown> & { layout?: 'layouts/light' } },
) {
  const t = locals(res).t
  const view = feedbackFormViewModel({
    questionnaire: open.questionnaire,
    ...state,
    language: locals(res).lang,
    t,
  })
  const project = projectInLanguage(open.project, locals(res).lang)
  const title = t(page.titleKey, { project: project.name })
  renderPage(
    res,
    page.view,
    {
      title: `${view.errorLinks.length ? t('common.errorPrefix') + ' ' : ''}${title}`,
      project,
      ...page.model,
      ...view,
    },
    status,
  )
}

/** The beneficiaries' pages: the one-page feedback form (short address /f/:code) and the project's stories. */
export function feedbackRoutes(feedback: FeedbackService, submissions: RequestHandler): Router {
  const router = Router()

  const openForm = (code: unknown) => openFormOr404(feedback, code)

  const showForm = (res: Response, open: OpenForm, state: FormState & { submission: string }, status = 200) =>
    renderFeedbackForm(res, open, state, status, {
      view: 'feedback/form',
      titleKey: 'feedback.form.title',
      model: {
        layout: 'layouts/light',
        countryName: countryName(open.project.country, locals(res).lang),
        submission: state.submission,
      },
    })

  router.get('/f/:code', async (req, res) => {
    const open = await openForm(req.params.code)
    speakProjectLanguage(res, open.project)
    showForm(res, open, { submission: newSubmissionKey() })
  })

  router.post('/f/:code', submissions, async (req, res) => {
    const open = await openForm(req.params.code)
    speakProjectLanguage(res, open.project)
    const body = formBody.safeParse(bodyOf(req))
    if (!body.success) throw new HttpError(400, 'badRequest')
    const form = body.data
    // Only scripts fill the field people cannot see: they get the thanks page and nothing is kept.
    if (typeof form.website === 'string' && form.website.trim() !== '')
      return res.redirect(303, `/f/${open.project.code}/thanks`)
    const submission = submissionKeyOf(form)
    const outcome = await feedback.submit(open, {
      form,
      language: locals(res).lang,
      submissionKey: submission,
      channel: 'web',
    })
    if (outcome.kind === 'invalid')
      return showForm(
        res,
        open,
        { form, errors: outcome.errors, consentErrors: outcome.consentErrors, submission },
        400,
      )
    res.redirect(303, `/f/${open.project.code}/thanks`)
  })

  router.get('/f/:code/thanks', async (req, res) => {
    const parsed = projectCode.safeParse(req.params.code)
    const project = parsed.success ? await feedback.publicProject(parsed.data) : undefined
    if (!project) throw new HttpError(404, 'notFound')
    speakProjectLanguage(res, project)
    renderPage(res, 'feedback/thanks', {
      layout: 'layouts/light',
      title: locals(res).t('feedback.thanks.title'),
      project: projectInLanguage(project, locals(res).lang),
    })
  })

  router.get('/projects/:code', async (req, res) => {
    const parsed = projectCode.safeParse(req.params.code)
    const page = z.coerce
      .number()
      .int()
      .min(1)
      .max(1000)
      .catch(1)
      .parse(req.query.page ?? 1)
    const project = parsed.success ? await feedback.publicProject(parsed.data) : undefined
    if (!project) throw new HttpError(404, 'notFound')
    speakProjectLanguage(res, project)
    const rows = await feedback.publishedStories(
      project.id,
      STORIES_PER_PAGE + 1,
      (page - 1) * STORIES_PER_PAGE,
    )
    const { lang, locale, format, t } = locals(res)
    renderPage(res, 'feedback/project', {
      layout: 'layouts/light',
      ...projectPageViewModel({
        project: projectInLanguage(project, lang),
        rows,
        page,
        perPage: STORIES_PER_PAGE,
        language: lang,
        locale,
        format,
        t,
      }),
    })
  })

  return router
}
