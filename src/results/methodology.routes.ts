import { Router, type Response } from 'express'
import multer from 'multer'
import { z } from 'zod'
import { csvLine } from '../http/csv.ts'
import { formErrors, noErrors, withSummary, type FormErrors } from '../http/form-errors.ts'
import { formString } from '../http/form-text.ts'
import { HttpError } from '../http/http-error.ts'
import { renderPage } from '../http/render.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { inLanguage, type Language } from '../questionnaire/translated.ts'
import type { MethodologyService } from './methodology.service.ts'
import { readMarginsCsv } from './response-import.ts'
import { locals, signedIn } from '../http/locals.ts'
import { bodyOf, fieldText } from '../middleware/form-body.ts'
import { receiveUpload } from '../http/upload.ts'
import { hasResults } from '../series/wave-rules.ts'
import { questionType } from '../questionnaire/question-types/index.ts'
import { slugInAddress } from '../http/slugs.ts'

const code = slugInAddress

/** The staff pages that decide how a series is weighted and what it measures (designers and admins). */
export function methodologyRoutes(methodology: MethodologyService): Router {
  const router = Router()
  const staffSeries = async (res: Response, param: unknown) => {
    const seriesCode = code.safeParse(param)
    const series = seriesCode.success
      ? await methodology.findSeries(signedIn(res), seriesCode.data)
      : undefined
    if (!series) throw new HttpError(404, 'notFound')
    return series
  }

  // Weighting settings: the weight cap and the smallest group shown (designers and admins decide;
  // evaluators read them on the dashboard), and every wave's margins.
  const methodologists = requirePermission('editMethodology')
  const weightingForm = z.object({
    weight_cap: z
      .string()
      .trim()
      .max(20)
      .refine((v) => v === '' || (/^\d+([.,]\d+)?$/.test(v) && Number(v.replace(',', '.')) > 1), {
        error: 'formErrors.weightCap',
      }),
    min_group_size: z
      .string()
      .trim()
      .regex(/^\d{1,4}$/, { error: 'formErrors.minGroupSize' })
      .refine((v) => Number(v) >= 2 && Number(v) <= 1000, { error: 'formErrors.minGroupSize' }),
  })
  async function showWeighting(
    res: Response,
    series: Awaited<ReturnType<typeof staffSeries>>,
    state: {
      errors?: FormErrors
      values?: Record<string, string>
      notice?: string
      status?: number
      marginProblems?: { row: number; text: string }[]
    } = {},
  ) {
    const settings = await methodology.settings(series)
    const waves = await methodology.waves(series)
    renderPage(
      res,
      'results/weighting',
      {
        title: locals(res).t('weighting.title', { series: inLanguage(series.title, locals(res).lang) }),
        base: `/staff/results/${series.code}`,
        values: state.values ?? {
          weight_cap: settings.weightCap === null ? '' : String(settings.weightCap),
          min_group_size: String(settings.minGroupSize),
        },
        errors: state.errors ?? noErrors,
        notice: state.notice,
        margins: settings.margins,
        waveYears: waves.map((w) => w.year).reverse(),
        marginProblems: state.marginProblems ?? [],
      },
      state.status ?? 200,
    )
  }
  router.get('/staff/results/:series/weighting', methodologists, async (req, res) => {
    const notice = req.query.notice
    await showWeighting(res, await staffSeries(res, req.params.series), {
      notice: notice === 'saved' || notice === 'marginsImported' ? notice : undefined,
    })
  })

  // A wave's margins from a CSV file (variable,level,population), as margins:import reads it.
  const marginsUpload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: 1024 * 1024, files: 1, fields: 2, parts: 3 },
  }).single('file')
  // A wave's margins edited level by level: the same checks as a file (the fields are read as one).
  router.post('/staff/results/:series/weighting/margins/:year', methodologists, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const wave = (await methodology.waves(series)).find((w) => w.year === Number(req.params.year))
    if (!wave) throw new HttpError(404, 'notFound')
    const rows = Object.entries(bodyOf(req))
      .filter(([name]) => name.startsWith('m:'))
      .slice(0, 500)
      .map(([name, value]) => {
        const [, variable = '', level = ''] = name.split(':')
        return [variable, level, String(value).trim().replace(',', '.')]
      })
    const t = locals(res).t
    // A form with no margin in it would delete them all: refused (an import replaces them).
    if (rows.length === 0)
      return showWeighting(res, series, {
        marginProblems: [{ row: 0, text: t('weighting.noMarginRows') }],
        status: 400,
      })
    const reading = readMarginsCsv(
      [['variable', 'level', 'population'], ...rows].map((r) => csvLine(r)).join(''),
      await methodology.questionnaire(wave.id),
    )
    if (!reading.ok)
      return showWeighting(res, series, {
        marginProblems: reading.problems.map((p) => ({
          row: 0,
          text: t(`marginsProblems.${p.key}`, p.params),
        })),
        status: 400,
      })
    await methodology.replaceMargins(signedIn(res), series, wave, reading.margins)
    res.redirect(303, `/staff/results/${series.code}/weighting?notice=marginsImported`)
  })

  router.post('/staff/results/:series/weighting/margins', methodologists, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const error = await receiveUpload(marginsUpload, req, res)
    const t = locals(res).t
    const refuse = (problems: { row: number; text: string }[]) =>
      showWeighting(res, series, { marginProblems: problems, status: 400 })
    if (error || !req.file) return refuse([{ row: 0, text: t('weighting.chooseFile') }])
    const year = Number(bodyOf(req).wave)
    const wave = (await methodology.waves(series)).find((w) => w.year === year)
    if (!wave) return refuse([{ row: 0, text: t('weighting.chooseWave') }])
    const reading = readMarginsCsv(req.file.buffer.toString('utf8'), await methodology.questionnaire(wave.id))
    if (!reading.ok)
      return refuse(
        reading.problems.map((p) => ({ row: p.row, text: t(`marginsProblems.${p.key}`, p.params) })),
      )
    await methodology.replaceMargins(signedIn(res), series, wave, reading.margins)
    res.redirect(303, `/staff/results/${series.code}/weighting?notice=marginsImported`)
  })
  router.post('/staff/results/:series/weighting', methodologists, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const values = {
      weight_cap: fieldText(req, 'weight_cap').slice(0, 40),
      min_group_size: fieldText(req, 'min_group_size').slice(0, 40),
    }
    const form = weightingForm.safeParse(bodyOf(req))
    if (!form.success)
      return showWeighting(res, series, {
        errors: formErrors(form.error, locals(res).t),
        values,
        status: 400,
      })
    const cap = form.data.weight_cap === '' ? null : Number(form.data.weight_cap.replace(',', '.'))
    const size = Number(form.data.min_group_size)
    await methodology.saveWeighting(signedIn(res), series, { cap, minGroupSize: size })
    res.redirect(303, `/staff/results/${series.code}/weighting?notice=saved`)
  })

  // Indicators: defined on a question code of the latest wave, so every wave asking it is comparable;
  // edited (same code), retired (kept, no longer computed) and restored. Designers and admins.
  const codeList = z
    .string()
    .trim()
    .max(400)
    .transform((v) =>
      v
        .split(/[\s,]+/)
        .map((c) => c.trim())
        .filter(Boolean),
    )
  const label = formString()
    .trim()
    .min(1, { error: 'formErrors.indicatorLabel' })
    .max(200, { error: 'formErrors.tooLong' })
  const indicatorForm = z.object({
    code: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, { error: 'formErrors.indicatorCode' }),
    question: z.string().trim().max(40),
    kind: z.enum(['share', 'mean'], { error: 'formErrors.indicatorKind' }),
    success: codeList,
    excluded: codeList,
    label_es: label,
    label_fr: label,
    label_pt: label,
  })
  const INDICATOR_FIELDS = [
    'code',
    'question',
    'kind',
    'success',
    'excluded',
    'label_es',
    'label_fr',
    'label_pt',
  ]

  async function showIndicators(
    res: Response,
    series: Awaited<ReturnType<typeof staffSeries>>,
    state: { errors?: FormErrors; values?: Record<string, string>; notice?: string; status?: number } = {},
  ) {
    const lang: Language = locals(res).lang
    const waves = (await methodology.waves(series)).filter(hasResults)
    const latest = waves.at(-1) ?? (await methodology.waves(series)).at(-1)
    const questionnaire = latest ? await methodology.questionnaire(latest.id) : { waveId: 0, questions: [] }
    renderPage(
      res,
      'results/indicators',
      {
        title: locals(res).t('indicators.title', { series: inLanguage(series.title, lang) }),
        base: `/staff/results/${series.code}`,
        indicators: (await methodology.indicators(series)).map((i) => ({
          ...i,
          shownLabel: inLanguage(i.label, lang),
        })),
        questions: questionnaire.questions
          .filter((q) => q.options.length > 0 || questionType(q.type).results.mean)
          .map((q) => ({
            code: q.code,
            text: inLanguage(q.text, lang),
            options: q.options.map((o) => o.code),
          })),
        values: state.values ?? { kind: 'share' },
        errors: state.errors ?? noErrors,
        notice: state.notice,
      },
      state.status ?? 200,
    )
  }

  router.get('/staff/results/:series/indicators', methodologists, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const editing = (await methodology.indicators(series)).find((i) => i.code === req.query.edit)
    const notice =
      typeof req.query.notice === 'string' &&
      ['saved', 'retired', 'restored', 'targetSaved', 'targetRemoved'].includes(req.query.notice)
    await showIndicators(res, series, {
      ...(editing
        ? {
            values: {
              code: editing.code,
              question: editing.questionCode,
              kind: editing.kind,
              success: editing.successCodes.join(', '),
              excluded: editing.excludedCodes.join(', '),
              label_es: editing.label.es,
              label_fr: editing.label.fr,
              label_pt: editing.label.pt,
            },
          }
        : {}),
      ...(notice ? { notice: req.query.notice as string } : {}),
    })
  })

  router.post('/staff/results/:series/indicators', methodologists, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const values = Object.fromEntries(INDICATOR_FIELDS.map((k) => [k, fieldText(req, k).slice(0, 400)]))
    const form = indicatorForm.safeParse(bodyOf(req))
    if (!form.success)
      return showIndicators(res, series, {
        errors: formErrors(form.error, locals(res).t),
        values,
        status: 400,
      })
    const f = form.data
    const draft = {
      code: f.code,
      questionCode: f.question,
      kind: f.kind,
      successCodes: f.kind === 'share' ? f.success : [],
      excludedCodes: f.excluded,
    }
    const saved = await methodology.saveIndicator(signedIn(res), series, {
      ...draft,
      label: { es: f.label_es, fr: f.label_fr, pt: f.label_pt },
    })
    if (!saved.ok) {
      const t = locals(res).t
      // Each problem beside its field, in the reader's language, with the codes it is about.
      const fields = Object.fromEntries(
        saved.problems.map((p) => [
          p.field,
          String(t(`indicators.problems.${p.key}`, p.params as Record<string, string>)),
        ]),
      )
      return showIndicators(res, series, { errors: withSummary(fields), values, status: 400 })
    }
    res.redirect(303, `/staff/results/${series.code}/indicators?notice=saved`)
  })

  router.post('/staff/results/:series/indicators/:code/:action', methodologists, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const action = z.enum(['retire', 'restore']).safeParse(req.params.action)
    const indicator = z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}$/)
      .safeParse(req.params.code)
    if (!action.success || !indicator.success) throw new HttpError(404, 'notFound')
    const found = await methodology.setRetired(
      signedIn(res),
      series,
      indicator.data,
      action.data === 'retire',
    )
    if (!found) throw new HttpError(404, 'notFound')
    res.redirect(
      303,
      `/staff/results/${series.code}/indicators?notice=${action.data === 'retire' ? 'retired' : 'restored'}`,
    )
  })

  return router
}
