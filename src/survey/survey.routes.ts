import { Router, type Request, type RequestHandler, type Response } from 'express'
import { z } from 'zod'
import { formString } from '../http/form-text.ts'
import { HttpError } from '../http/http-error.ts'
import { renderPage } from '../http/render.ts'
import { inLanguage, organizationNameIn, type Language } from '../questionnaire/translated.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { pageProgress, questionPageViewModel, type PageLayout } from './question-page.view-model.ts'
import { WHOLE_PAGE_FIELD, type OpenSurvey, type SurveyService } from './survey.service.ts'
import { locals, signedIn } from '../http/locals.ts'
import { bodyOf, cookiesOf, fieldText } from '../middleware/form-body.ts'
import { formErrors, noErrors, type FormErrors } from '../http/form-errors.ts'
import { isOpen, isPublished } from '../series/wave-rules.ts'
import { slugInAddress } from '../http/slugs.ts'
import { STEP_PATTERN, type Step } from '../questionnaire/questionnaire.ts'

const RESPONSE_COOKIE = 'pulso_response'
const slug = slugInAddress
const surveyParams = z.object({ org: slug, series: slug })
const pageParams = surveyParams.extend({ page: z.string().regex(STEP_PATTERN) })
const formBody = z.record(z.string().max(100), z.union([z.string(), z.array(z.string())]))

/** Gives the browser the key of its response in progress, for the survey's pages only. */
function keepResponseKey(res: Response, surveyPath: string, key: string, secureCookies: boolean) {
  res.cookie(RESPONSE_COOKIE, key, {
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookies,
    path: surveyPath,
    maxAge: 30 * 24 * 3600 * 1000,
  })
}

/**
 * Assisted interviews: a facilitator (or a designer, an admin) starts a response on their own device
 * for a citizen they interview; the pages are the citizen's, and the response records the channel
 * `assisted` and the facilitator.
 */
export function interviewRoutes(survey: SurveyService, secureCookies: boolean): Router {
  const router = Router()
  /** The staff member's series named in the address, for answers typed in on their device; else 404. */
  async function openForEntry(res: Response, param: unknown) {
    const code = slug.safeParse(param)
    if (!code.success) throw new HttpError(404, 'notFound')
    const staff = signedIn(res)
    const found = await survey.find(staff.organizationSlug, code.data)
    if (found.kind === 'notFound') throw new HttpError(404, 'notFound')
    return { found, surveyPath: `/s/${staff.organizationSlug}/${code.data}`, seriesCode: code.data }
  }
  router.post('/staff/series/:series/interview', requirePermission('collectInField'), async (req, res) => {
    const { found, surveyPath } = await openForEntry(res, req.params.series)
    if (found.kind !== 'open') return res.redirect(303, surveyPath)
    const { key, firstPage } = await survey.start(found, signedIn(res).id)
    keepResponseKey(res, surveyPath, key, secureCookies)
    res.redirect(303, `${surveyPath}/p/${firstPage}`)
  })

  // Paper questionnaires typed in by staff through the citizen's pages: the questionnaire's number
  // first (each number once per wave), then the same pages, stored with the channel `paper`.
  const paperForm = z.object({
    serial: formString()
      .trim()
      .min(1, { error: 'formErrors.paperSerial' })
      .max(40, { error: 'formErrors.paperSerial' })
      .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._/-]*$/u, { error: 'formErrors.paperSerial' }),
  })
  const showPaperEntry = (
    res: Response,
    found: OpenSurvey,
    seriesCode: string,
    errors: FormErrors,
    value: string,
    status = 200,
  ) =>
    renderPage(
      res,
      'survey/paper-entry',
      {
        title: `${errors.links.length ? locals(res).t('common.errorPrefix') + ' ' : ''}${locals(res).t('paperEntry.title', { series: inLanguage(found.series.title, locals(res).lang) })}`,
        heading: locals(res).t('paperEntry.title', {
          series: inLanguage(found.series.title, locals(res).lang),
        }),
        action: `/staff/series/${seriesCode}/paper-entry`,
        paperHref: `/staff/series/${seriesCode}/waves/${found.wave.year}/paper`,
        errors,
        value,
      },
      status,
    )
  router.get('/staff/series/:series/paper-entry', requirePermission('collectInField'), async (req, res) => {
    const { found, surveyPath, seriesCode } = await openForEntry(res, req.params.series)
    if (found.kind !== 'open') return res.redirect(303, surveyPath)
    showPaperEntry(res, found, seriesCode, noErrors, '')
  })
  router.post('/staff/series/:series/paper-entry', requirePermission('collectInField'), async (req, res) => {
    const { found, surveyPath, seriesCode } = await openForEntry(res, req.params.series)
    if (found.kind !== 'open') return res.redirect(303, surveyPath)
    const form = paperForm.safeParse(bodyOf(req))
    const typed = fieldText(req, 'serial')
    if (!form.success)
      return showPaperEntry(res, found, seriesCode, formErrors(form.error, locals(res).t), typed, 400)
    const started = await survey.startPaperEntry(found, signedIn(res).id, form.data.serial)
    if (started.kind === 'taken')
      return showPaperEntry(
        res,
        found,
        seriesCode,
        formErrors({ serial: 'formErrors.paperSerialTaken' }, locals(res).t),
        typed,
        409,
      )
    keepResponseKey(res, surveyPath, started.key, secureCookies)
    res.redirect(303, `${surveyPath}/p/${started.firstPage}`)
  })
  return router
}

/** The public path of a citizen answering the open wave of a series. */
export function surveyRoutes(
  survey: SurveyService,
  submissions: RequestHandler,
  codeGuesses: RequestHandler,
  secureCookies: boolean,
): Router {
  const router = Router()
  const base = (s: OpenSurvey | { series: { organizationSlug: string; seriesCode: string } }) =>
    `/s/${s.series.organizationSlug}/${s.series.seriesCode}`

  async function openSurvey(
    req: Request,
    res: Response,
    answering: boolean,
  ): Promise<OpenSurvey | undefined> {
    const params = surveyParams.safeParse(req.params)
    if (!params.success) throw new HttpError(404, 'notFound')
    const found = await survey.find(params.data.org, params.data.series, keyFrom(req))
    if (found.kind === 'notFound') throw new HttpError(404, 'notFound')
    locals(res).preferPortuguese(found.series.portuguese)
    if (found.kind === 'notOpen') {
      const t = locals(res).t
      renderPage(
        res,
        'survey/closed',
        {
          title: t('survey.closed.title'),
          seriesTitle: inLanguage(found.series.title, locals(res).lang),
          organizationName: organizationNameIn(found.series, locals(res).lang),
          // Why it takes no answers: closed (which year), or not open yet (from when), or no wave.
          closedYear: found.wave && isPublished(found.wave) ? found.wave.year : undefined,
          opensOn: found.wave && isOpen(found.wave) ? (found.wave.opensAt ?? undefined) : undefined,
          resultsHref: `/s/${found.series.organizationSlug}/${found.series.seriesCode}/results`,
        },
        answering ? 409 : 200,
      )
      return undefined
    }
    return found
  }

  const keyFrom = (req: Request): string | undefined => {
    const key: unknown = cookiesOf(req)[RESPONSE_COOKIE]
    return typeof key === 'string' && /^[A-Za-z0-9_-]{32}$/.test(key) ? key : undefined
  }

  async function landing(
    req: Request,
    res: Response,
    open: OpenSurvey,
    code: { value?: string; error?: string } = {},
    status = 200,
  ) {
    const t = locals(res).t
    // A response in progress in this browser: continue it (or start again), rather than a blank one.
    const current = await survey.draft(open, keyFrom(req))
    const inProgress = current.kind === 'draft' && survey.hasProgress(current) ? current : undefined
    const lang: Language = locals(res).lang
    const questionCount = open.questionnaire.questions.length
    const codeError = code.error ? t(`survey.code.errors.${code.error}`) : undefined
    renderPage(
      res,
      'survey/landing',
      {
        title: `${codeError ? t('common.errorPrefix') + ' ' : ''}${inLanguage(open.series.title, lang)}`,
        heading: inLanguage(open.series.title, lang),
        organizationName: organizationNameIn(open.series, locals(res).lang),
        description: inLanguage(open.series.description, lang),
        year: open.wave.year,
        closesAt: open.wave.closesAt,
        minutes: Math.max(1, Math.ceil(questionCount / 3)),
        startAction: open.wave.accessMode === 'invitation' ? undefined : `${base(open)}/start`,
        codeAction: open.wave.accessMode === 'open' ? undefined : `${base(open)}/code`,
        code: code.value ?? '',
        codeError,
        errorLinks: codeError ? [{ href: '#code', text: codeError }] : [],
        expired: req.query.expired === '1',
        resultsHref: `${base(open)}/results`,
        continueHref: inProgress ? `${base(open)}/p/${survey.resumeStep(open, inProgress)}` : undefined,
        startAgainHref: inProgress ? `${base(open)}/start-again` : undefined,
        t,
      },
      status,
    )
  }

  const keepKey = (res: Response, open: OpenSurvey, key: string) =>
    keepResponseKey(res, base(open), key, secureCookies)

  router.get('/s/:org/:series', async (req, res) => {
    const open = await openSurvey(req, res, false)
    if (open) await landing(req, res, open)
  })

  // Starting again discards the answers given so far: asked first, on a page of its own (no JavaScript).
  router.get('/s/:org/:series/start-again', async (req, res) => {
    const open = await openSurvey(req, res, false)
    if (!open) return
    const current = await survey.draft(open, keyFrom(req))
    if (current.kind !== 'draft' || !survey.hasProgress(current)) return res.redirect(303, base(open))
    const t = locals(res).t
    renderPage(res, 'survey/start-again', {
      title: t('survey.startAgain.title'),
      seriesTitle: inLanguage(open.series.title, locals(res).lang),
      action: `${base(open)}/start-again`,
      continueHref: `${base(open)}/p/${survey.resumeStep(open, current)}`,
    })
  })

  router.post('/s/:org/:series/start-again', submissions, async (req, res) => {
    const open = await openSurvey(req, res, true)
    if (!open) return
    const current = await survey.draft(open, keyFrom(req))
    if (current.kind === 'submitted') return res.redirect(303, `${base(open)}/thanks`)
    if (current.kind !== 'draft') return res.redirect(303, base(open))
    const { key, firstPage } = await survey.startAgain(open, current)
    keepKey(res, open, key)
    res.redirect(303, `${base(open)}/p/${firstPage}`)
  })

  // The address printed on an invitation letter (and in its QR code): the landing with the code filled in.
  router.get('/s/:org/:series/i/:code', async (req, res) => {
    const open = await openSurvey(req, res, false)
    if (!open) return
    const code = z.string().max(40).safeParse(req.params.code)
    await landing(req, res, open, { value: code.success ? code.data : '' })
  })

  router.post('/s/:org/:series/code', codeGuesses, submissions, async (req, res) => {
    const body = z.object({ code: formString().max(100) }).safeParse(bodyOf(req))
    const open = await openSurvey(req, res, true)
    if (!open) return
    if (open.wave.accessMode === 'open') throw new HttpError(404, 'notFound')
    if (!body.success) return await landing(req, res, open, { error: 'malformed' }, 400)
    const outcome = await survey.startWithCode(open, body.data.code)
    if (outcome.kind === 'used') {
      const t = locals(res).t
      return renderPage(res, 'survey/code-used', {
        title: t('survey.code.used.title'),
        seriesTitle: inLanguage(open.series.title, locals(res).lang),
        organizationName: organizationNameIn(open.series, locals(res).lang),
        resultsHref: `${base(open)}/results`,
      })
    }
    if (outcome.kind !== 'started')
      return await landing(req, res, open, { value: body.data.code, error: outcome.kind }, 400)
    keepKey(res, open, outcome.key)
    res.redirect(303, `${base(open)}/p/${outcome.page}`)
  })

  router.post('/s/:org/:series/start', submissions, async (req, res) => {
    const open = await openSurvey(req, res, true)
    if (!open) return
    if (open.wave.accessMode === 'invitation') throw new HttpError(403, 'invitationOnly')
    const { key, firstPage } = await survey.start(open)
    keepKey(res, open, key)
    res.redirect(303, `${base(open)}/p/${firstPage}`)
  })

  router.get('/s/:org/:series/p/:page', async (req, res) => {
    const params = pageParams.safeParse(req.params)
    if (!params.success) throw new HttpError(404, 'notFound')
    const open = await openSurvey(req, res, false)
    if (!open) return
    const current = await survey.draft(open, keyFrom(req))
    if (current.kind === 'noDraft') return res.redirect(303, `${base(open)}?expired=1`)
    if (current.kind === 'submitted') return res.redirect(303, `${base(open)}/thanks`)
    const page = params.data.page
    if (!current.pages.includes(page)) return res.redirect(303, `${base(open)}/p/${current.pages[0] ?? 1}`)
    showPage(res, open, page, current.pages, survey.stepLayout(open, current, page))
  })

  router.post('/s/:org/:series/p/:page', submissions, async (req, res) => {
    const params = pageParams.safeParse(req.params)
    if (!params.success) throw new HttpError(404, 'notFound')
    const body = formBody.safeParse(bodyOf(req))
    if (!body.success) throw new HttpError(400, 'badRequest')
    const open = await openSurvey(req, res, true)
    if (!open) return
    const page = params.data.page
    const current = await survey.draft(open, keyFrom(req))
    if (current.kind === 'noDraft') return res.redirect(303, `${base(open)}?expired=1`)
    if (current.kind === 'submitted') return res.redirect(303, `${base(open)}/thanks`)
    if (!current.pages.includes(page)) throw new HttpError(404, 'notFound')
    const outcome = await survey.answerPage(open, current, page, body.data, locals(res).lang)
    switch (outcome.kind) {
      // Post/Redirect/Get after an error too: the step's address shows what was typed, with its errors,
      // so Back and reloading never resend the form.
      case 'refused':
      case 'next':
        return res.redirect(303, `${base(open)}/p/${outcome.page}`)
      case 'incomplete':
        return res.redirect(303, `${base(open)}/p/${outcome.page}`)
      case 'submitted':
        return res.redirect(303, `${base(open)}/thanks`)
      case 'paperTaken':
        throw new HttpError(409, 'paperTaken')
    }
  })

  router.get('/s/:org/:series/thanks', async (req, res) => {
    const params = surveyParams.safeParse(req.params)
    if (!params.success) throw new HttpError(404, 'notFound')
    const found = await survey.find(params.data.org, params.data.series, keyFrom(req))
    if (found.kind === 'notFound') throw new HttpError(404, 'notFound')
    locals(res).preferPortuguese(found.series.portuguese)
    // "We have saved your answers" only to the browser whose response was stored.
    const sent = found.kind === 'open' && (await survey.draft(found, keyFrom(req))).kind === 'submitted'
    if (!sent) return res.redirect(303, base(found))
    const t = locals(res).t
    renderPage(res, 'survey/thanks', {
      title: t('survey.thanks.title'),
      seriesTitle: inLanguage(found.series.title, locals(res).lang),
      organizationName: organizationNameIn(found.series, locals(res).lang),
      resultsHref: `/s/${found.series.organizationSlug}/${found.series.seriesCode}/results`,
    })
  })

  function showPage(res: Response, open: OpenSurvey, page: Step, pages: Step[], layout: PageLayout) {
    const { t, lang, format } = locals(res)
    const view = questionPageViewModel({ ...layout, language: lang, t })
    const index = pages.indexOf(page)
    const progress = pageProgress(open.questionnaire, pages, page)
    const seriesTitle = inLanguage(open.series.title, lang)
    const pageName = t('survey.page.progress', { page: progress.pageNumber })
    renderPage(res, 'survey/page', {
      title: `${view.errorLinks.length ? t('common.errorPrefix') + ' ' : ''}${seriesTitle}${t('common.labelSeparator')}${pageName}`,
      seriesTitle,
      pageName,
      done: progress.done,
      doneText: t('survey.page.done', { percent: format.percent(progress.done, 0) }),
      action: `${base(open)}/p/${page}`,
      backHref: index > 0 ? `${base(open)}/p/${pages[index - 1]}` : base(open),
      isLast: index === pages.length - 1,
      wholePageField: WHOLE_PAGE_FIELD,
      ...(view.followsAnswers ? { script: 'conditions.js' } : {}),
      ...view,
    })
  }

  return router
}
