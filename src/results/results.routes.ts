import { Writable } from 'node:stream'
import { Router, type Response } from 'express'
import multer from 'multer'
import { z } from 'zod'
import { formString } from '../http/form-text.ts'
import type { Db } from '../db/database.ts'
import { findSeries as findStaffSeries } from '../designer/designer.repository.ts'
import { HttpError } from '../http/http-error.ts'
import { renderPage } from '../http/render.ts'
import { requireRole } from '../middleware/staff-session.ts'
import { breakdownQuestions } from '../questionnaire/questionnaire.ts'
import { inLanguage, LANGUAGES, type Language } from '../questionnaire/translated.ts'
import type { StaffUser } from '../staff/staff.repository.ts'
import { findSeries as findPublicSeries, loadQuestionnaire } from '../survey/survey.repository.ts'
import { responseRates } from '../invitations/invitations.repository.ts'
import {
  listIndicators,
  minGroupSize,
  replaceMargins,
  saveIndicator,
  setIndicatorRetired,
  setMinGroupSize,
  setWeightCap,
  wavesOfSeries,
  weightingSettings,
} from './results.repository.ts'
import { csvLine } from '../http/csv.ts'
import { formErrors, noErrors, type FormErrors } from '../http/form-errors.ts'
import { readMarginsCsv } from './response-import.ts'
import { indicatorProblems } from './indicator-rules.ts'
import { recordAudit } from '../staff/audit.ts'
import {
  addComparison,
  COMPARISON_MAX_BYTES,
  fetchTrendFile,
  listComparisons,
  readTrendFile,
  removeComparison,
  sideBySide,
} from './comparison.ts'
import { sendMicrodataPackage, writeMicrodataPackage } from './microdata.ts'
import { comparisonChartSvg, valueDomain, type CitySeries } from './charts.ts'
import { resultsViewModel } from './results-page.view-model.ts'
import {
  TREND_FORMATS,
  trendsCsvFile,
  trendsDocument,
  trendsWorkbook,
  type TrendFormat,
} from './trend-files.ts'
import type { ResultsService } from './results.service.ts'
import type { Logger } from '../logger.ts'

const code = z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/)

/** Results for citizens (closed waves only) and the evaluators' dashboard (waves being answered too). */
export function resultsRoutes(db: Db, results: ResultsService, comparisonOrigins: string[] = []): Router {
  const router = Router()

  async function page(
    res: Response,
    series: { id: number; title: Record<Language, string>; code: string; organizationName: string },
    options: { closedOnly: boolean; by: unknown; view: string; base: string; sample?: unknown; ci?: unknown },
  ) {
    const lang: Language = res.locals.lang
    const waves = (await wavesOfSeries(db, series.id)).filter((w) =>
      options.closedOnly ? w.status === 'closed' : w.status !== 'draft',
    )
    const latest = waves.at(-1)
    const questionnaire = latest ? await loadQuestionnaire(db, latest.id) : { waveId: 0, questions: [] }
    const profiles = breakdownQuestions(questionnaire)
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
    // Staff choose how intervals of shares are computed; citizens see the default (logit).
    const ci = options.ci === 'wald' ? 'wald' : 'logit'
    const trends = await results.trends(
      { id: series.id, minGroupSize: groupSize },
      { breakdown: by, closedOnly: options.closedOnly, sample, ci },
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
      ci: options.closedOnly ? undefined : ci,
      methodText: res.locals.t('results.methodStaff', { method: res.locals.t(`results.ciMethod.${ci}`) }),
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

  const evaluators = requireRole('admin', 'designer', 'evaluator')

  async function staffSeries(res: Response, param: unknown) {
    const seriesCode = code.safeParse(param)
    if (!seriesCode.success) throw new HttpError(404, 'notFound')
    const me: StaffUser = res.locals.staff
    const series = await findStaffSeries(db, me.organizationId, seriesCode.data)
    // A feedback questionnaire's results are its projects' (/staff/projects/<code>/results).
    if (!series || series.purpose !== 'perception') throw new HttpError(404, 'notFound')
    return { ...series, organizationName: me.organizationName }
  }

  /** The options of a download, from its query; anything unknown is a 400, never silently ignored. */
  async function downloadOptions(seriesId: number, query: Record<string, unknown>) {
    const waves = (await wavesOfSeries(db, seriesId)).filter((w) => w.status !== 'draft')
    const latest = waves.at(-1)
    const profiles = latest ? breakdownQuestions(await loadQuestionnaire(db, latest.id)) : []
    const parsed = z
      .object({
        by: z.enum(['language', ...profiles.map((q) => q.code)]).optional(),
        sample: z.enum(['all', 'invited']).default('all'),
        ci: z.enum(['logit', 'wald']).default('logit'),
        bom: z.enum(['0', '1']).default('0'),
      })
      .safeParse({ by: query.by || undefined, sample: query.sample, ci: query.ci, bom: query.bom })
    if (!parsed.success) throw new HttpError(400, 'badRequest')
    return parsed.data
  }

  async function trendFile(
    res: Response,
    series: { id: number; code: string; title: Record<Language, string> },
    format: TrendFormat,
    options: Awaited<ReturnType<typeof downloadOptions>>,
  ) {
    const groupSize = await minGroupSize(db, series.id)
    const trends = await results.trends(
      { id: series.id, minGroupSize: groupSize },
      { breakdown: options.by, sample: options.sample, ci: options.ci },
    )
    if (format === 'csv') return Buffer.from(trendsCsvFile(trends, options.bom === '1'))
    if (format === 'json')
      return Buffer.from(
        JSON.stringify(
          await trendsDocument(
            db,
            {
              ...series,
              organization: {
                slug: (res.locals.staff as StaffUser).organizationSlug,
                name: (res.locals.staff as StaffUser).organizationName,
              },
            },
            trends,
            options.sample,
            options.ci,
          ),
          null,
          2,
        ),
      )
    return trendsWorkbook(trends, {
      intervalMethod: options.ci,
      seriesTitle: inLanguage(series.title, res.locals.lang),
      language: res.locals.lang,
      t: res.locals.t,
      minGroupSize: groupSize,
    })
  }

  router.get('/staff/results/:series/trends.:format', evaluators, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const format = z.enum(TREND_FORMATS).safeParse(req.params.format)
    if (!format.success) throw new HttpError(404, 'notFound')
    const options = await downloadOptions(series.id, req.query)
    const file = await trendFile(res, series, format.data, options)
    const types = {
      csv: 'text/csv; charset=utf-8',
      json: 'application/json; charset=utf-8',
      xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    }
    res.type(types[format.data])
    res.attachment(
      // The interval method is in the name: files of the two methods never overwrite each other.
      `trends-${series.code}${options.by ? `-by-${options.by}` : ''}${options.sample === 'invited' ? '-invited' : ''}-${options.ci}.${format.data}`,
    )
    res.send(file)
  })

  // Streamed: a million responses go out in batches, never all in memory.
  router.get('/staff/results/:series/microdata.zip', evaluators, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    await sendMicrodataPackage(res, db, results, {
      id: series.id,
      code: series.code,
      organization: (res.locals.staff as StaffUser).organizationSlug,
      title: inLanguage(series.title, res.locals.lang),
    })
  })

  // Files' sizes for the downloads page, worked out in the background (writing a file is the only way
  // to know its size) and kept until the series' results change: a page view never builds a file.
  const sizes = new Map<string, { version: string; bytes?: number }>()
  function sizeOf(key: string, version: string, write: () => Promise<number>, log: Logger) {
    const known = sizes.get(key)
    if (known?.version === version) return known.bytes
    const entry: { version: string; bytes?: number } = { version }
    sizes.set(key, entry)
    // Oldest first in a Map: keep the sizes of a few hundred files.
    if (sizes.size > 500) sizes.delete(sizes.keys().next().value!)
    setImmediate(() =>
      write().then(
        (bytes) => (entry.bytes = bytes),
        (error: unknown) => {
          log.error({ err: error, file: key }, 'working out a download’s size failed')
          sizes.delete(key)
        },
      ),
    )
    return undefined
  }

  async function microdataBytes(series: Awaited<ReturnType<typeof staffSeries>>, organization: string) {
    let bytes = 0
    const counter = new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length
        done()
      },
    })
    const title = inLanguage(series.title, 'es')
    await writeMicrodataPackage(
      db,
      results,
      { id: series.id, code: series.code, organization, title },
      counter,
    )
    return bytes
  }

  // Evaluators see every file with its size before downloading it.
  // Weighting settings: the weight cap and the smallest group shown (designers and admins decide;
  // evaluators read them on the dashboard), and every wave's margins.
  const methodologists = requireRole('admin', 'designer')
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
    const settings = await weightingSettings(db, series.id)
    const waves = await wavesOfSeries(db, series.id)
    renderPage(
      res,
      'results/weighting',
      {
        title: res.locals.t('weighting.title', { series: inLanguage(series.title, res.locals.lang) }),
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
    const wave = (await wavesOfSeries(db, series.id)).find((w) => w.year === Number(req.params.year))
    if (!wave) throw new HttpError(404, 'notFound')
    const rows = Object.entries((req.body ?? {}) as Record<string, unknown>)
      .filter(([name]) => name.startsWith('m:'))
      .slice(0, 500)
      .map(([name, value]) => {
        const [, variable = '', level = ''] = name.split(':')
        return [variable, level, String(value).trim().replace(',', '.')]
      })
    const t = res.locals.t
    // A form with no margin in it would delete them all: refused (an import replaces them).
    if (rows.length === 0)
      return showWeighting(res, series, {
        marginProblems: [{ row: 0, text: t('weighting.noMarginRows') }],
        status: 400,
      })
    const reading = readMarginsCsv(
      [['variable', 'level', 'population'], ...rows].map((r) => csvLine(r)).join(''),
      await loadQuestionnaire(db, wave.id),
    )
    if (!reading.ok)
      return showWeighting(res, series, {
        marginProblems: reading.problems.map((p) => ({
          row: 0,
          text: t(`marginsProblems.${p.key}`, p.params),
        })),
        status: 400,
      })
    await saveMargins(res, series, wave, reading.margins)
    res.redirect(303, `/staff/results/${series.code}/weighting?notice=marginsImported`)
  })

  async function saveMargins(
    res: Response,
    series: Awaited<ReturnType<typeof staffSeries>>,
    wave: { id: number; year: number },
    margins: { variable: string; level: string; population: number }[],
  ) {
    const me: StaffUser = res.locals.staff
    await db.transaction().execute(async (trx) => {
      await replaceMargins(trx, wave.id, margins)
      await recordAudit(trx, {
        organizationId: me.organizationId,
        userId: me.id,
        action: 'margins.import',
        subject: `${series.code}/${wave.year}`,
        details: { variables: [...new Set(margins.map((m) => m.variable))] },
      })
    })
  }

  router.post('/staff/results/:series/weighting/margins', methodologists, async (req, res, next) => {
    const series = await staffSeries(res, req.params.series)
    marginsUpload(req, res, async (error: unknown) => {
      try {
        const t = res.locals.t
        const refuse = (problems: { row: number; text: string }[]) =>
          showWeighting(res, series, { marginProblems: problems, status: 400 })
        if (error || !req.file) return refuse([{ row: 0, text: t('weighting.chooseFile') }])
        const year = Number(req.body?.wave)
        const wave = (await wavesOfSeries(db, series.id)).find((w) => w.year === year)
        if (!wave) return refuse([{ row: 0, text: t('weighting.chooseWave') }])
        const reading = readMarginsCsv(req.file.buffer.toString('utf8'), await loadQuestionnaire(db, wave.id))
        if (!reading.ok)
          return refuse(
            reading.problems.map((p) => ({ row: p.row, text: t(`marginsProblems.${p.key}`, p.params) })),
          )
        await saveMargins(res, series, wave, reading.margins)
        res.redirect(303, `/staff/results/${series.code}/weighting?notice=marginsImported`)
      } catch (failure) {
        next(failure)
      }
    })
  })
  router.post('/staff/results/:series/weighting', methodologists, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const values = {
      weight_cap: String(req.body?.weight_cap ?? '').slice(0, 40),
      min_group_size: String(req.body?.min_group_size ?? '').slice(0, 40),
    }
    const form = weightingForm.safeParse(req.body ?? {})
    if (!form.success)
      return showWeighting(res, series, { errors: formErrors(form.error, res.locals.t), values, status: 400 })
    const cap = form.data.weight_cap === '' ? null : Number(form.data.weight_cap.replace(',', '.'))
    const size = Number(form.data.min_group_size)
    const me: StaffUser = res.locals.staff
    await db.transaction().execute(async (trx) => {
      await setWeightCap(trx, series.id, cap)
      await setMinGroupSize(trx, series.id, size)
      await recordAudit(trx, {
        organizationId: me.organizationId,
        userId: me.id,
        action: 'weighting.update',
        subject: series.code,
        details: { weightCap: cap, minGroupSize: size },
      })
    })
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
    const lang: Language = res.locals.lang
    const waves = (await wavesOfSeries(db, series.id)).filter((w) => w.status !== 'draft')
    const latest = waves.at(-1) ?? (await wavesOfSeries(db, series.id)).at(-1)
    const questionnaire = latest ? await loadQuestionnaire(db, latest.id) : { waveId: 0, questions: [] }
    renderPage(
      res,
      'results/indicators',
      {
        title: res.locals.t('indicators.title', { series: inLanguage(series.title, lang) }),
        base: `/staff/results/${series.code}`,
        indicators: (await listIndicators(db, series.id, { withRetired: true })).map((i) => ({
          ...i,
          shownLabel: inLanguage(i.label, lang),
        })),
        questions: questionnaire.questions
          .filter((q) => q.options.length > 0 || ['number', 'scale_0_10'].includes(q.type))
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
    const editing = (await listIndicators(db, series.id, { withRetired: true })).find(
      (i) => i.code === req.query.edit,
    )
    const notice =
      typeof req.query.notice === 'string' && ['saved', 'retired', 'restored'].includes(req.query.notice)
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
    const values = Object.fromEntries(
      INDICATOR_FIELDS.map((k) => [k, String(req.body?.[k] ?? '').slice(0, 400)]),
    )
    const form = indicatorForm.safeParse(req.body ?? {})
    if (!form.success)
      return showIndicators(res, series, {
        errors: formErrors(form.error, res.locals.t),
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
    const latest = (await wavesOfSeries(db, series.id)).at(-1)
    const problems = indicatorProblems(draft, latest ? await loadQuestionnaire(db, latest.id) : undefined)
    if (problems.length) {
      const t = res.locals.t
      // Each problem beside its field, in the reader's language, with the codes it is about.
      const fields = Object.fromEntries(
        problems.map((p) => [p.field, String(t(`indicators.problems.${p.key}`, p.params))]),
      )
      const rendered: FormErrors = {
        fields,
        links: Object.entries(fields).map(([field, text]) => ({ href: `#f-${field}`, text })),
      }
      return showIndicators(res, series, { errors: rendered, values, status: 400 })
    }
    const me: StaffUser = res.locals.staff
    await db.transaction().execute(async (trx) => {
      await saveIndicator(trx, series.id, {
        ...draft,
        label: { es: f.label_es, fr: f.label_fr, pt: f.label_pt },
      })
      await recordAudit(trx, {
        organizationId: me.organizationId,
        userId: me.id,
        action: 'indicator.save',
        subject: `${series.code}/${f.code}`,
        details: draft,
      })
    })
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
    const me: StaffUser = res.locals.staff
    const found = await db.transaction().execute(async (trx) => {
      const changed = await setIndicatorRetired(
        trx,
        series.id,
        String(req.params.code),
        action.data === 'retire',
      )
      if (changed)
        await recordAudit(trx, {
          organizationId: me.organizationId,
          userId: me.id,
          action: `indicator.${action.data}`,
          subject: `${series.code}/${indicator.data}`,
        })
      return changed
    })
    if (!found) throw new HttpError(404, 'notFound')
    res.redirect(
      303,
      `/staff/results/${series.code}/indicators?notice=${action.data === 'retire' ? 'retired' : 'restored'}`,
    )
  })

  router.get('/staff/results/:series/downloads', evaluators, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const options = await downloadOptions(series.id, req.query)
    const query = new URLSearchParams({
      ...(options.by ? { by: options.by } : {}),
      ...(options.sample === 'invited' ? { sample: 'invited' } : {}),
      ...(options.ci === 'wald' ? { ci: 'wald' } : {}),
    })
    const version = await results.currentVersion(series.id)
    const files = TREND_FORMATS.map((format) => ({
      format,
      href: `/staff/results/${series.code}/trends.${format}${query.size ? `?${query}` : ''}`,
      bytes: sizeOf(
        `${series.id}/trends.${format}?${query}&lang=${res.locals.lang}`,
        version,
        async () => (await trendFile(res, series, format, options)).byteLength,
        req.log,
      ),
    }))
    const organization = (res.locals.staff as StaffUser).organizationSlug
    const bomQuery = new URLSearchParams(query)
    bomQuery.set('bom', '1')
    renderPage(res, 'results/downloads', {
      title: res.locals.t('downloads.title', { series: inLanguage(series.title, res.locals.lang) }),
      dashboardHref: `/staff/results/${series.code}`,
      files,
      csvWithBomHref: `/staff/results/${series.code}/trends.csv?${bomQuery}`,
      microdataHref: `/staff/results/${series.code}/microdata.zip`,
      microdataBytes: sizeOf(
        `${series.id}/microdata.zip`,
        version,
        () => microdataBytes(series, organization),
        req.log,
      ),
      minGroupSize: await minGroupSize(db, series.id),
      by: options.by,
      sample: options.sample,
      ci: options.ci,
      methodText: res.locals.t('results.methodStaff', {
        method: res.locals.t(`results.ciMethod.${options.ci}`),
      }),
    })
  })

  // Another city's published trend file, side by side with ours on the indicators both publish.
  const comparisonUpload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: COMPARISON_MAX_BYTES, files: 1, fields: 2, parts: 3 },
  }).single('file')

  async function showComparison(
    res: Response,
    series: Awaited<ReturnType<typeof staffSeries>>,
    state: {
      notice?: string
      problems?: { row: number; reason: string }[]
      status?: number
      url?: string
    } = {},
  ) {
    const lang: Language = res.locals.lang
    const trends = await results.trends({ id: series.id, minGroupSize: await minGroupSize(db, series.id) })
    const comparisons = await listComparisons(db, series.id)
    const indicatorsByCode = new Map(trends.indicators.map((i) => [i.code, i]))
    const format = res.locals.format as {
      percent: (v: number, d?: number) => string
      number: (v: number, d?: number) => string
    }
    type Cell = { estimate: number | null; ciLow: number | null; ciHigh: number | null; suppressed: boolean }
    // "61,2 % (58,0 % – 64,3 %)" in the reader's language, or a sentence for a withheld group.
    const cell = (share: boolean, r: Cell | undefined) => {
      if (!r) return ''
      if (r.suppressed || r.estimate === null) return res.locals.t('compare.suppressed')
      const f = (v: number) => (share ? format.percent(v, 1) : format.number(v, 2))
      return r.ciLow === null || r.ciHigh === null
        ? f(r.estimate)
        : `${f(r.estimate)} (${f(r.ciLow)} – ${f(r.ciHigh)})`
    }
    renderPage(
      res,
      'results/compare',
      {
        title: `${state.problems?.length ? res.locals.t('common.errorPrefix') + ' ' : ''}${res.locals.t('compare.title', { series: inLanguage(series.title, lang) })}`,
        base: `/staff/results/${series.code}`,
        city: series.organizationName,
        comparisons,
        indicators: sideBySide(trends.rows, comparisons).map((i) => {
          const share = indicatorsByCode.get(i.indicator)?.kind !== 'mean'
          const label = inLanguage(indicatorsByCode.get(i.indicator)!.label, lang)
          const drawn = (rows: (Cell | undefined)[], wavesOf: number[]) =>
            rows.flatMap((r, k) =>
              r && !r.suppressed && r.estimate !== null
                ? [{ wave: wavesOf[k]!, estimate: r.estimate, ciLow: r.ciLow, ciHigh: r.ciHigh }]
                : [],
            )
          const waveYears = i.waves.map((w) => w.wave)
          const lines: CitySeries[] = [
            {
              name: series.organizationName,
              points: drawn(
                i.waves.map((w) => w.ours),
                waveYears,
              ),
            },
            ...i.cities.map((name, k) => ({
              name,
              points: drawn(
                i.waves.map((w) => w.theirs[k]),
                waveYears,
              ),
            })),
          ]
          const f = (v: number) => (share ? format.percent(v, 0) : format.number(v, 1))
          return {
            code: i.indicator,
            label,
            chartSvg: comparisonChartSvg(
              lines,
              valueDomain(
                lines.flatMap((c) => c.points),
                share ? 'share' : 'mean',
              ),
              {
                id: `cmp-chart-${i.indicator}`,
                title: res.locals.t('compare.chartTitle', { indicator: label }),
                description: lines
                  .map(
                    (c) =>
                      `${c.name}: ${c.points.map((p) => `${p.wave} ${cell(share, { ...p, suppressed: false })}`).join(', ')}.`,
                  )
                  .join(' '),
                tick: f,
              },
            ),
            cities: i.cities,
            waves: i.waves.map((w) => ({
              wave: w.wave,
              ours: cell(share, w.ours),
              theirs: w.theirs.map((r) => cell(share, r)),
            })),
          }
        }),
        notice: state.notice,
        problems: state.problems ?? [],
        urlAllowed: comparisonOrigins.length > 0,
        origins: comparisonOrigins,
        url: state.url ?? '',
      },
      state.status ?? 200,
    )
  }

  /** Keeps a trend file that read well, or shows its problems row by row. */
  async function keepComparison(
    res: Response,
    series: Awaited<ReturnType<typeof staffSeries>>,
    reading: ReturnType<typeof readTrendFile>,
    url?: string,
  ) {
    if (!reading.ok)
      return showComparison(res, series, { problems: reading.problems, status: 400, ...(url ? { url } : {}) })
    await addComparison(db, {
      seriesId: series.id,
      city: reading.city,
      rows: reading.rows,
      addedBy: (res.locals.staff as StaffUser).id,
    })
    res.redirect(303, `/staff/results/${series.code}/compare?notice=added`)
  }

  router.get('/staff/results/:series/compare', evaluators, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    await showComparison(res, series, { notice: req.query.notice === 'added' ? 'added' : undefined })
  })

  router.post('/staff/results/:series/compare', evaluators, async (req, res, next) => {
    const series = await staffSeries(res, req.params.series)
    comparisonUpload(req, res, async (error: unknown) => {
      try {
        const problem = (reason: string) =>
          showComparison(res, series, { problems: [{ row: 0, reason }], status: 400 })
        if (error)
          return problem(
            res.locals.t(
              (error as { code?: string }).code === 'LIMIT_FILE_SIZE'
                ? 'compare.tooLarge'
                : 'compare.unreadable',
            ),
          )
        if (!req.file) return problem(res.locals.t('compare.chooseFile'))
        const reading = readTrendFile(
          req.file.buffer.toString('utf8'),
          req.file.originalname.replace(/\.json$/i, ''),
        )
        await keepComparison(res, series, reading)
      } catch (failure) {
        next(failure)
      }
    })
  })

  router.post('/staff/results/:series/compare/url', evaluators, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const address = z
      .object({ url: formString().trim().max(2000, { error: 'formErrors.tooLong' }) })
      .safeParse(req.body ?? {})
    if (!address.success) {
      const message = address.error.issues[0]!.message
      return showComparison(res, series, {
        problems: [
          {
            row: 0,
            reason: res.locals.t(message.startsWith('formErrors.') ? message : 'formErrors.invalid'),
          },
        ],
        status: 400,
      })
    }
    const fetched = await fetchTrendFile(address.data.url, comparisonOrigins)
    if (!fetched.ok)
      return showComparison(res, series, {
        problems: [{ row: 0, reason: res.locals.t(`compare.${fetched.reason}`) }],
        status: 400,
        url: address.data.url,
      })
    await keepComparison(res, series, readTrendFile(fetched.text, fetched.host), address.data.url)
  })

  router.post('/staff/results/:series/compare/:id/remove', evaluators, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const id = z.coerce.number().int().positive().safeParse(req.params.id)
    if (!id.success) throw new HttpError(404, 'notFound')
    await removeComparison(db, series.id, id.data)
    res.redirect(303, `/staff/results/${series.code}/compare`)
  })

  router.get('/staff/results/:series', evaluators, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    await page(res, series, {
      closedOnly: false,
      by: req.query.by,
      view: 'results/dashboard',
      base: `/staff/results/${series.code}`,
      sample: req.query.sample,
      ci: req.query.ci,
    })
  })

  return router
}
