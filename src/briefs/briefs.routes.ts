import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import type { FormErrors } from '../http/form-errors.ts'
import { formErrors, noErrors, withSummary } from '../http/form-errors.ts'
import { formString } from '../http/form-text.ts'
import { HttpError } from '../http/http-error.ts'
import { locals, signedIn } from '../http/locals.ts'
import { etagOf } from '../http/page-cache.ts'
import { renderPage } from '../http/render.ts'
import { slugInAddress } from '../http/slugs.ts'
import { bodyOf } from '../middleware/form-body.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { inLanguage, LANGUAGES, nameIn } from '../questionnaire/translated.ts'
import { chartPng, sendSharedChart } from '../results/chart-png.ts'
import { standaloneSvg } from '../results/charts.ts'
import type { Series } from '../series/series.repository.ts'
import type { BriefContent } from './brief-content.ts'
import { briefPageViewModel } from './brief-page.view-model.ts'
import type { BriefDraft } from './briefs.repository.ts'
import { MAX_STORIES, type BriefProblem, type BriefService } from './briefs.service.ts'

const year = z.coerce.number().int().min(1990).max(2200)
const lead = () => formString().trim().max(1200, { error: 'formErrors.tooLong' }).default('')
// Checkboxes: absent (none ticked), one value, or several.
const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v])
const ticked = <T extends z.ZodType>(item: T) => z.preprocess(asList, z.array(item).max(50))
// Saved since it was published: readers do not see those changes yet.
const changedSincePublished = (brief: { updatedAt: Date; publishedAt: Date | null }) =>
  brief.publishedAt !== null && brief.updatedAt > brief.publishedAt
// A story's checkbox value: its feedback and question ("12-34"), read back by draftForm.
const storyValue = (ref: { feedback: number; question: number }) => `${ref.feedback}-${ref.question}`
const draftForm = z.object({
  lead_es: lead(),
  lead_fr: lead(),
  lead_pt: lead(),
  indicators: ticked(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/)),
  stories: ticked(
    z
      .string()
      .regex(/^\d{1,9}-\d{1,9}$/)
      .transform((v) => {
        const [feedback, question] = v.split('-').map(Number)
        return { feedback: feedback!, question: question! }
      }),
  ),
})

/** The brief of a year, as readers get it and as staff prepare it (#20.2). */
export function briefRoutes(briefs: BriefService, publicUrl?: string): Router {
  const router = Router()
  const readers = requirePermission('readResults')
  const editors = requirePermission('editMethodology')

  async function publishedBrief(req: Request) {
    const org = slugInAddress.safeParse(req.params.org)
    const series = slugInAddress.safeParse(req.params.series)
    const when = year.safeParse(req.params.year)
    if (!org.success || !series.success || !when.success) throw new HttpError(404, 'notFound')
    const found = await briefs.published(org.data, series.data, when.data)
    if (!found) throw new HttpError(404, 'notFound')
    return { ...found, base: `/s/${org.data}/${series.data}` }
  }

  const pageModel = (res: Response, content: BriefContent, base: string) => {
    const { lang, locale, t, format } = locals(res)
    return briefPageViewModel({ content, language: lang, locale, t, format, resultsHref: `${base}/results` })
  }

  router.get('/s/:org/:series/brief/:year', async (req, res) => {
    const brief = await publishedBrief(req)
    locals(res).preferPortuguese(brief.portuguese)
    const model = pageModel(res, brief.content, brief.base)
    const { t, locale, format } = locals(res)
    const first = model.indicators.find((i) => i.chart)
    // A link shared on social media shows the headline chart (absolute addresses need PUBLIC_URL).
    const openGraph = publicUrl
      ? {
          title: model.title,
          description: first
            ? `${first.label}: ${first.figure}. ${first.changeText}`
            : model.lead.slice(0, 200),
          url: `${publicUrl}${req.originalUrl}`,
          image: first
            ? `${publicUrl}${brief.base}/brief/${brief.content.year}/chart.png?lang=${locale}`
            : '',
          imageAlt: first ? t('results.trendTitle', { indicator: first.label }) : '',
        }
      : undefined
    renderPage(res, 'briefs/brief', {
      ...model,
      openGraph,
      publishedOn: t('briefs.publishedOn', { date: format.date(brief.publishedAt) }),
    })
  })

  // The headline chart of a published brief as PNG: the image of its Open Graph preview.
  router.get('/s/:org/:series/brief/:year/chart.png', async (req, res) => {
    const brief = await publishedBrief(req)
    locals(res).preferPortuguese(brief.portuguese)
    const first = pageModel(res, brief.content, brief.base).indicators.find((i) => i.chart)
    if (!first) throw new HttpError(404, 'notFound')
    const body = chartPng(standaloneSvg(first.chart))
    sendSharedChart(req, res, { body, etag: etagOf(body), type: 'image/png' })
  })

  async function staffBrief(res: Response, params: Record<string, unknown>) {
    const code = slugInAddress.safeParse(params.series)
    if (!code.success) throw new HttpError(404, 'notFound')
    const series = await briefs.findSeries(signedIn(res), code.data)
    if (!series) throw new HttpError(404, 'notFound')
    if (params.year === undefined) return { series, year: 0 }
    const when = year.safeParse(params.year)
    if (!when.success || !(await briefs.closedYears(series)).includes(when.data))
      throw new HttpError(404, 'notFound')
    return { series, year: when.data }
  }

  router.get('/staff/results/:series/briefs', readers, async (req, res) => {
    const { series } = await staffBrief(res, req.params)
    const { t, lang, format } = locals(res)
    const base = `/staff/results/${series.code}/briefs`
    renderPage(res, 'briefs/list', {
      title: t('briefs.listTitle', { series: inLanguage(series.title, lang) }),
      back: `/staff/results/${series.code}`,
      notice:
        typeof req.query.notice === 'string' && /^[a-zA-Z]{1,20}$/.test(req.query.notice)
          ? req.query.notice
          : '',
      canEdit: locals(res).can.editMethodology,
      years: (await briefs.overview(series)).map(({ year: y, brief }) => ({
        year: y,
        edit: `${base}/${y}`,
        preview: `${base}/${y}/preview`,
        publicHref: `/s/${series.organizationSlug}/${series.code}/brief/${y}`,
        state: !brief
          ? t('briefs.state.none')
          : brief.publishedAt
            ? t(changedSincePublished(brief) ? 'briefs.state.changedSince' : 'briefs.state.published', {
                date: format.date(brief.publishedAt),
              })
            : t('briefs.state.draft'),
        published: Boolean(brief?.publishedAt),
      })),
    })
  })

  const draftValues = (draft: BriefDraft) => ({
    ...Object.fromEntries(LANGUAGES.map((l) => [`lead_${l}`, draft.lead[l] ?? ''])),
    indicators: draft.indicatorCodes,
    stories: draft.stories.map(storyValue),
  })

  async function showEditor(
    res: Response,
    where: { series: Series; year: number },
    values: ReturnType<typeof draftValues>,
    errors: FormErrors = noErrors,
    status = 200,
  ) {
    const { t, lang, format } = locals(res)
    const { series, year: y } = where
    const saved = await briefs.findBrief(series, y)
    const indicators = await briefs.indicators(series)
    const stories = await briefs.quotable(series)
    const base = `/staff/results/${series.code}/briefs`
    renderPage(
      res,
      'briefs/edit',
      {
        title: `${errors.links.length ? t('common.errorPrefix') + ' ' : ''}${t('briefs.editTitle', { year: y })}`,
        year: y,
        back: base,
        action: `${base}/${y}`,
        preview: `${base}/${y}/preview`,
        publicHref: `/s/${series.organizationSlug}/${series.code}/brief/${y}`,
        published: saved?.publishedAt
          ? t('briefs.state.published', { date: format.date(saved.publishedAt) })
          : '',
        changedSince: saved ? changedSincePublished(saved) : false,
        values,
        errors,
        maxStories: MAX_STORIES,
        indicators: indicators.map((i) => ({
          code: i.code,
          label: inLanguage(i.label, lang),
          checked: values.indicators.includes(i.code),
        })),
        stories: stories.map((s) => ({
          value: storyValue(s.ref),
          text: s.text,
          lang: s.language,
          source: t('briefs.storySource', {
            project: nameIn(s.project.names, s.project.name, lang),
            month: format.month(s.month),
          }),
          checked: values.stories.includes(storyValue(s.ref)),
        })),
      },
      status,
    )
  }

  /** Problems in words, each on the field that can mend it. */
  function problemErrors(res: Response, problems: BriefProblem[]): FormErrors {
    const { t } = locals(res)
    const fields: Record<string, string> = {}
    for (const p of problems) {
      const field =
        p.key === 'briefs.problems.leadMissing'
          ? `lead_${p.params.languages[0]}`
          : p.key === 'briefs.problems.noIndicator' || p.key === 'briefs.problems.unknownIndicator'
            ? 'indicators'
            : p.key === 'briefs.problems.waveNotClosed'
              ? 'form'
              : 'stories'
      const params =
        p.key === 'briefs.problems.leadMissing'
          ? {
              languages: new Intl.ListFormat(locals(res).locale, { type: 'conjunction' }).format(
                p.params.languages.map((l) => t(`common.languageName.${l}`)),
              ),
            }
          : p.params
      fields[field] ??= t(p.key, params)
    }
    return withSummary(fields)
  }

  router.get('/staff/results/:series/briefs/:year', editors, async (req, res) => {
    const where = await staffBrief(res, req.params)
    await showEditor(res, where, draftValues(await briefs.draftOf(where.series, where.year)))
  })

  router.post('/staff/results/:series/briefs/:year', editors, async (req, res) => {
    const where = await staffBrief(res, req.params)
    const body = bodyOf(req)
    const texts = (v: unknown) => asList(v).filter((x): x is string => typeof x === 'string')
    const values = {
      ...Object.fromEntries(
        LANGUAGES.map((l) => [`lead_${l}`, typeof body[`lead_${l}`] === 'string' ? body[`lead_${l}`] : '']),
      ),
      indicators: texts(body.indicators),
      stories: texts(body.stories),
    }
    const form = draftForm.safeParse(body)
    if (!form.success) return showEditor(res, where, values, formErrors(form.error, locals(res).t), 400)
    const draft: BriefDraft = {
      lead: Object.fromEntries(
        LANGUAGES.map((l) => [l, form.data[`lead_${l}`]] as const).filter(([, text]) => text !== ''),
      ),
      indicatorCodes: [...new Set(form.data.indicators)],
      stories: form.data.stories.filter(
        (s, i, all) => all.findIndex((o) => o.feedback === s.feedback && o.question === s.question) === i,
      ),
    }
    const problems = await briefs.save(signedIn(res), where.series, where.year, draft)
    if (problems.length) return showEditor(res, where, values, problemErrors(res, problems), 400)
    res.redirect(303, `/staff/results/${where.series.code}/briefs/${where.year}?saved=1`)
  })

  router.post('/staff/results/:series/briefs/:year/publish', editors, async (req, res) => {
    const where = await staffBrief(res, req.params)
    const problems = await briefs.publish(signedIn(res), where.series, where.year)
    if (problems.length)
      return showEditor(
        res,
        where,
        draftValues(await briefs.draftOf(where.series, where.year)),
        problemErrors(res, problems),
        409,
      )
    res.redirect(303, `/staff/results/${where.series.code}/briefs?notice=published`)
  })

  router.post('/staff/results/:series/briefs/:year/withdraw', editors, async (req, res) => {
    const where = await staffBrief(res, req.params)
    const withdrawn = await briefs.withdraw(signedIn(res), where.series, where.year)
    res.redirect(303, `/staff/results/${where.series.code}/briefs${withdrawn ? '?notice=withdrawn' : ''}`)
  })

  router.get('/staff/results/:series/briefs/:year/preview', readers, async (req, res) => {
    const where = await staffBrief(res, req.params)
    const content = await briefs.compute(
      where.series,
      where.year,
      await briefs.draftOf(where.series, where.year),
    )
    if (!content) throw new HttpError(404, 'notFound')
    const model = pageModel(res, content, `/s/${where.series.organizationSlug}/${where.series.code}`)
    renderPage(res, 'briefs/brief', {
      ...model,
      preview: { back: `/staff/results/${where.series.code}/briefs` },
      publishedOn: '',
    })
  })

  return router
}
