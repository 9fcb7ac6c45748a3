import { Router, type Response } from 'express'
import { z } from 'zod'
import type { Db } from '../db/database.ts'
import { findSeries as findStaffSeries } from '../designer/designer.repository.ts'
import { HttpError } from '../http/http-error.ts'
import { renderPage } from '../http/render.ts'
import { requireRole } from '../middleware/staff-session.ts'
import { inLanguage, LANGUAGES, type Language } from '../questionnaire/translated.ts'
import type { StaffUser } from '../staff/staff.repository.ts'
import { findSeries as findPublicSeries, loadQuestionnaire } from '../survey/survey.repository.ts'
import { responseRates } from '../invitations/invitations.repository.ts'
import { minGroupSize, wavesOfSeries } from './results.repository.ts'
import { resultsViewModel } from './results-page.view-model.ts'
import type { ResultsService } from './results.service.ts'

const code = z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/)

/** Results for citizens (closed waves only) and the evaluators' dashboard (waves being answered too). */
export function resultsRoutes(db: Db, results: ResultsService): Router {
  const router = Router()

  async function page(
    res: Response,
    series: { id: number; title: Record<Language, string>; code: string; organizationName: string },
    options: { closedOnly: boolean; by: unknown; view: string; base: string; sample?: unknown },
  ) {
    const lang: Language = res.locals.lang
    const waves = (await wavesOfSeries(db, series.id)).filter((w) =>
      options.closedOnly ? w.status === 'closed' : w.status !== 'draft',
    )
    const latest = waves.at(-1)
    const questionnaire = latest ? await loadQuestionnaire(db, latest.id) : { waveId: 0, questions: [] }
    const profiles = questionnaire.questions.filter((q) => q.isProfile && q.options.length > 0)
    const breakdowns = [
      ...profiles.map((q) => ({ value: q.code, label: inLanguage(q.text, lang) })),
      { value: 'language', label: res.locals.t('results.languageOfResponse') },
    ]
    const by =
      typeof options.by === 'string' && breakdowns.some((b) => b.value === options.by)
        ? options.by
        : (profiles[0]?.code ?? undefined)
    const groupSize = await minGroupSize(db, series.id)
    // Staff may restrict the results to the drawn sample (responses that came with an invitation code).
    const sample = options.sample === 'invited' ? 'invited' : 'all'
    const trends = await results.trends(
      { id: series.id, minGroupSize: groupSize },
      { breakdown: by, closedOnly: options.closedOnly, sample },
    )
    const responseRatesByWave = options.closedOnly
      ? []
      : (
          await Promise.all(waves.map(async (w) => ({ wave: w.year, rates: await responseRates(db, w.id) })))
        ).filter((w) => w.rates.length > 0)
    const groupQuestion = profiles.find((q) => q.code === by)
    const groupLabels = new Map<string, string>(
      by === 'language'
        ? LANGUAGES.map((l) => [l, res.locals.t(`common.languageName.${l}`)])
        : (groupQuestion?.options ?? []).map((o) => [o.code, inLanguage(o.label, lang)]),
    )
    renderPage(res, options.view, {
      title: res.locals.t('results.title', { series: inLanguage(series.title, lang) }),
      seriesTitle: inLanguage(series.title, lang),
      organizationName: series.organizationName,
      base: options.base,
      breakdowns,
      by,
      byLabel: breakdowns.find((b) => b.value === by)?.label ?? '',
      sample: options.closedOnly ? undefined : sample,
      responseRatesByWave,
      waves: trends.waves,
      minGroupSize: groupSize,
      indicators: resultsViewModel({
        indicators: trends.indicators,
        rows: trends.rows,
        waves: trends.waves,
        breakdown: by,
        groupLabels,
        language: lang,
        t: res.locals.t,
        format: res.locals.format,
      }),
    })
  }

  router.get('/s/:org/:series/results', async (req, res) => {
    const org = code.safeParse(req.params.org)
    const seriesCode = code.safeParse(req.params.series)
    if (!org.success || !seriesCode.success) throw new HttpError(404, 'notFound')
    const series = await findPublicSeries(db, org.data, seriesCode.data)
    if (!series) throw new HttpError(404, 'notFound')
    await page(
      res,
      {
        id: series.seriesId,
        title: series.title,
        code: series.seriesCode,
        organizationName: series.organizationName,
      },
      {
        closedOnly: true,
        by: req.query.by,
        view: 'results/public',
        base: `/s/${org.data}/${seriesCode.data}/results`,
      },
    )
  })

  router.get('/staff/results/:series', requireRole('admin', 'designer', 'evaluator'), async (req, res) => {
    const seriesCode = code.safeParse(req.params.series)
    if (!seriesCode.success) throw new HttpError(404, 'notFound')
    const me: StaffUser = res.locals.staff
    const series = await findStaffSeries(db, me.organizationId, seriesCode.data)
    if (!series) throw new HttpError(404, 'notFound')
    await page(
      res,
      { ...series, organizationName: me.organizationName },
      {
        closedOnly: false,
        by: req.query.by,
        view: 'results/dashboard',
        base: `/staff/results/${series.code}`,
        sample: req.query.sample,
      },
    )
  })

  return router
}
