import type { StaffUser } from '../staff/staff.repository.ts'
import { Writable } from 'node:stream'
import { chartPng, sendSharedChart } from './chart-png.ts'
import { standaloneSvg } from './charts.ts'
import { Router, type Response } from 'express'
import multer from 'multer'
import { z } from 'zod'
import { formString } from '../http/form-text.ts'
import { HttpError } from '../http/http-error.ts'
import { renderPage, renderPageHtml } from '../http/render.ts'
import { etagOf, PageCache, sendCachedPage } from '../http/page-cache.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { breakdownQuestions } from '../questionnaire/questionnaire.ts'
import { inLanguage, organizationNameIn, type Language } from '../questionnaire/translated.ts'
import { COMPARISON_MAX_BYTES, fetchTrendFile, readTrendFile } from './comparison.ts'
import { comparisonViewModel } from './comparison-page.view-model.ts'
import { sendMicrodataPackage } from './microdata.ts'
import type { OutputsService } from './outputs.service.ts'
import { chosenBreakdown, resultsPageViewModel } from './results-page.view-model.ts'
import { TREND_FORMATS, trendsCsvFile, trendsWorkbook, type TrendFormat } from './trend-files.ts'
import type { ResultsService } from './results.service.ts'
import type { Logger } from '../logger.ts'
import { locals, signedIn } from '../http/locals.ts'
import { bodyOf } from '../middleware/form-body.ts'
import { receiveUpload } from '../http/upload.ts'
import { slugInAddress } from '../http/slugs.ts'

const code = slugInAddress

/** A perception series of the staff member's organization, by its code in the address; else a 404. */
export async function staffPerceptionSeries(outputs: OutputsService, res: Response, param: unknown) {
  const seriesCode = code.safeParse(param)
  if (!seriesCode.success) throw new HttpError(404, 'notFound')
  const me = signedIn(res)
  // A feedback questionnaire's results are its projects' (/staff/projects/<code>/results).
  const series = await outputs.perceptionSeries({ id: me.organizationId }, seriesCode.data)
  if (!series) throw new HttpError(404, 'notFound')
  return series
}

/** The results page's view model: citizens' (closed waves only) or the evaluators' (waves being answered too). */
async function pageModel(
  results: ResultsService,
  outputs: OutputsService,
  res: Response,
  series: { id: number; title: Record<Language, string>; code: string; organizationName: string },
  options: { closedOnly: boolean; by: unknown; base: string; sample?: unknown; ci?: unknown },
) {
  const waves = await outputs.waves(series.id, { publishedOnly: options.closedOnly })
  const profiles = breakdownQuestions(await outputs.latestQuestionnaire(waves))
  const by = chosenBreakdown(options.by, profiles)
  const groupSize = await outputs.minGroupSize(series.id)
  // Staff may restrict the results to the drawn sample (responses that came with an invitation code).
  const sample = options.sample === 'invited' ? 'invited' : 'all'
  // Staff choose how intervals of shares are computed; citizens see the default (logit).
  const ci = options.ci === 'wald' ? 'wald' : 'logit'
  const trends = await results.trends(
    { id: series.id, minGroupSize: groupSize },
    { breakdown: by, closedOnly: options.closedOnly, sample, ci },
  )
  const responseRatesByWave = options.closedOnly ? [] : await outputs.responseRates(waves)
  const { lang, t, format } = locals(res)
  return resultsPageViewModel({
    series,
    base: options.base,
    closedOnly: options.closedOnly,
    profiles,
    by,
    sample,
    ci,
    minGroupSize: groupSize,
    trends,
    responseRatesByWave,
    language: lang,
    t,
    format,
  })
}

/**
 * The public results page, mounted ahead of the other routes: after a press release it is most of
 * the traffic, and a kept page should not wait for every other router's paths to be tried.
 */
export function publicResultsRoutes(
  results: ResultsService,
  outputs: OutputsService,
  publicUrl?: string,
  /** The years whose brief is published (publishing one moves the results version). */
  briefYears: (seriesId: number) => Promise<{ year: number }[]> = () => Promise.resolve([]),
): Router {
  const router = Router()
  // Public results change only when the series' results version moves (a wave closes, weighting or
  // indicators change, responses come in): after a press release thousands of readers get the same
  // bytes from memory, compressed once, with an ETag. The version comes from memory while the
  // database's change feed hears nothing (outputs.publicSeries), so a change made by another instance
  // still shows on the next view.
  const publicPages = new PageCache()
  // What the public sees of a series: closed waves only, titles in the reader's language.
  const publishedModel = (
    res: Response,
    series: NonNullable<Awaited<ReturnType<OutputsService['publicSeries']>>>,
    by: unknown,
    base: string,
  ) =>
    pageModel(
      results,
      outputs,
      res,
      {
        id: series.id,
        title: series.title,
        code: series.code,
        organizationName: organizationNameIn(series, locals(res).lang),
      },
      { closedOnly: true, by, base },
    )
  router.get('/s/:org/:series/results', async (req, res) => {
    const org = code.safeParse(req.params.org)
    const seriesCode = code.safeParse(req.params.series)
    if (!org.success || !seriesCode.success) throw new HttpError(404, 'notFound')
    // The series by its address and its results version: from memory, or one round trip.
    const series = await outputs.publicSeries(org.data, seriesCode.data)
    if (!series) throw new HttpError(404, 'notFound')
    locals(res).preferPortuguese(series.portuguese)
    // Per locale and address (its query too: the language links repeat it); names are in the page.
    const key = JSON.stringify([
      locals(res).locale,
      req.originalUrl,
      series.title,
      series.organizationName,
      series.organizationNames,
    ])
    const page = await publicPages.getOrRender(key, series.version, async () => {
      const model = await publishedModel(
        res,
        series,
        req.query.by,
        `/s/${org.data}/${seriesCode.data}/results`,
      )
      // Each chart has an address of its own, for other sites to show (see below).
      // Absolute with PUBLIC_URL, for other sites to embed; else relative (a kept page serves every host).
      const chartsBase = `${publicUrl ?? ''}/s/${org.data}/${seriesCode.data}/charts`
      // A link shared on social media shows the first indicator's chart (absolute addresses need PUBLIC_URL).
      const first = model.indicators.find((i) => i.table.length > 0)
      const openGraph = publicUrl
        ? {
            title: model.title,
            description: first?.changeText || locals(res).t('results.publicIntro'),
            url: `${publicUrl}${req.originalUrl}`,
            image: first ? `${chartsBase}/${first.code}.png?lang=${locals(res).locale}` : '',
            imageAlt: first ? locals(res).t('results.trendTitle', { indicator: first.label }) : '',
          }
        : undefined
      const briefs = (await briefYears(series.id)).map((b) => ({
        year: b.year,
        href: `/s/${org.data}/${seriesCode.data}/brief/${b.year}`,
      }))
      return renderPageHtml(res, 'results/public', { ...model, chartsBase, openGraph, briefs })
    })
    sendCachedPage(req, res, page)
  })

  // A trend chart on its own, as SVG or PNG (made without a browser), for a city's website or a
  // newsletter: readable from any origin, like the API; the page around it stays same-origin.
  const charts = new Map<string, { version: string; etag: string; body: Buffer }>()
  router.get('/s/:org/:series/charts/:file', async (req, res) => {
    const org = code.safeParse(req.params.org)
    const seriesCode = code.safeParse(req.params.series)
    const file = /^([a-z][a-z0-9_]{0,39})\.(svg|png)$/.exec(String(req.params.file))
    if (!org.success || !seriesCode.success || !file) throw new HttpError(404, 'notFound')
    const [, indicator, format] = file as unknown as [string, string, 'svg' | 'png']
    const series = await outputs.publicSeries(org.data, seriesCode.data)
    if (!series) throw new HttpError(404, 'notFound')
    locals(res).preferPortuguese(series.portuguese)
    const key = JSON.stringify([locals(res).locale, org.data, seriesCode.data, indicator, format])
    let kept = charts.get(key)
    if (kept?.version !== series.version) {
      const model = await publishedModel(res, series, undefined, `/s/${org.data}/${seriesCode.data}/results`)
      const found = model.indicators.find((i) => i.code === indicator)
      if (!found || found.table.length === 0) throw new HttpError(404, 'notFound')
      const svg = standaloneSvg(found.trendSvg)
      const body = format === 'svg' ? Buffer.from(svg) : chartPng(svg)
      kept = {
        version: series.version,
        etag: etagOf(body),
        body,
      }
      charts.set(key, kept)
      if (charts.size > 500) charts.delete(charts.keys().next().value!)
    }
    sendSharedChart(req, res, { ...kept, type: format === 'svg' ? 'image/svg+xml' : 'image/png' })
  })

  return router
}

/** The evaluators' results pages, downloads and comparisons. */
/** How a download is written in the audit log (the staff service's recordDownload). */
export type RecordDownload = (
  user: StaffUser,
  action: 'download.trends' | 'download.microdata',
  subject: string,
  details: Record<string, unknown>,
) => Promise<void>

export function resultsRoutes(
  results: ResultsService,
  outputs: OutputsService,
  comparisonOrigins: string[],
  recordDownload: RecordDownload,
  networkStanding?: (
    organizationId: number,
    code: string,
  ) => Promise<{ rank: number; of: number } | undefined>,
): Router {
  const router = Router()

  const evaluators = requirePermission('readResults')

  const staffSeries = (res: Response, param: unknown) => staffPerceptionSeries(outputs, res, param)

  /** The options of a download, from its query; anything unknown is a 400, never silently ignored. */
  async function downloadOptions(seriesId: number, query: Record<string, unknown>) {
    const waves = await outputs.waves(seriesId, { publishedOnly: false })
    const profiles = (await outputs.breakdowns(waves)).questions
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
    const groupSize = await outputs.minGroupSize(series.id)
    const trends = await results.trends(
      { id: series.id, minGroupSize: groupSize },
      { breakdown: options.by, sample: options.sample, ci: options.ci },
    )
    if (format === 'csv') return Buffer.from(trendsCsvFile(trends, options.bom === '1'))
    if (format === 'json')
      return Buffer.from(
        JSON.stringify(
          await outputs.trendsDocument(
            {
              ...series,
              organization: {
                slug: signedIn(res).organizationSlug,
                name: signedIn(res).organizationName,
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
      seriesTitle: inLanguage(series.title, locals(res).lang),
      language: locals(res).lang,
      t: locals(res).t,
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
    await recordDownload(signedIn(res), 'download.trends', series.code, {
      format: format.data,
      breakdown: options.by ?? null,
      sample: options.sample,
      interval: options.ci,
    })
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
    const organization = signedIn(res).organizationSlug
    const title = inLanguage(series.title, locals(res).lang)
    await recordDownload(signedIn(res), 'download.microdata', series.code, { via: 'staff area' })
    await sendMicrodataPackage(res, series.code, (out) =>
      outputs.writeMicrodata({ id: series.id, code: series.code, organization, title }, out),
    )
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
    setImmediate(() => {
      write().then(
        (bytes) => (entry.bytes = bytes),
        (error: unknown) => {
          log.error({ err: error, file: key }, 'working out a download’s size failed')
          sizes.delete(key)
        },
      )
    })
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
    await outputs.writeMicrodata({ id: series.id, code: series.code, organization, title }, counter)
    return bytes
  }

  // Evaluators see every file with its size before downloading it.
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
      href: `/staff/results/${series.code}/trends.${format}${query.size ? `?${query.toString()}` : ''}`,
      bytes: sizeOf(
        `${series.id}/trends.${format}?${query.toString()}&lang=${locals(res).lang}`,
        version,
        async () => (await trendFile(res, series, format, options)).byteLength,
        req.log,
      ),
    }))
    const organization = signedIn(res).organizationSlug
    const bomQuery = new URLSearchParams(query)
    bomQuery.set('bom', '1')
    renderPage(res, 'results/downloads', {
      title: locals(res).t('downloads.title', { series: inLanguage(series.title, locals(res).lang) }),
      dashboardHref: `/staff/results/${series.code}`,
      files,
      csvWithBomHref: `/staff/results/${series.code}/trends.csv?${bomQuery.toString()}`,
      microdataHref: `/staff/results/${series.code}/microdata.zip`,
      microdataBytes: sizeOf(
        `${series.id}/microdata.zip`,
        version,
        () => microdataBytes(series, organization),
        req.log,
      ),
      minGroupSize: await outputs.minGroupSize(series.id),
      by: options.by,
      sample: options.sample,
      ci: options.ci,
      methodText: locals(res).t('results.methodStaff', {
        method: locals(res).t(`results.ciMethod.${options.ci}`),
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
    const lang: Language = locals(res).lang
    const trends = await results.trends({
      id: series.id,
      minGroupSize: await outputs.minGroupSize(series.id),
    })
    const comparisons = await outputs.comparisons(series.id)
    renderPage(
      res,
      'results/compare',
      {
        title: `${state.problems?.length ? locals(res).t('common.errorPrefix') + ' ' : ''}${locals(res).t('compare.title', { series: inLanguage(series.title, lang) })}`,
        base: `/staff/results/${series.code}`,
        city: series.organizationName,
        comparisons,
        indicators: comparisonViewModel({
          trends,
          comparisons,
          city: series.organizationName,
          language: lang,
          t: locals(res).t,
          format: locals(res).format,
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
    await outputs.addComparison({
      seriesId: series.id,
      city: reading.city,
      rows: reading.rows,
      addedBy: signedIn(res).id,
    })
    res.redirect(303, `/staff/results/${series.code}/compare?notice=added`)
  }

  router.get('/staff/results/:series/compare', evaluators, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    await showComparison(res, series, { notice: req.query.notice === 'added' ? 'added' : undefined })
  })

  router.post('/staff/results/:series/compare', evaluators, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const error = await receiveUpload(comparisonUpload, req, res)
    const problem = (reason: string) =>
      showComparison(res, series, { problems: [{ row: 0, reason }], status: 400 })
    if (error)
      return problem(
        locals(res).t(
          (error as { code?: string }).code === 'LIMIT_FILE_SIZE' ? 'compare.tooLarge' : 'compare.unreadable',
        ),
      )
    if (!req.file) return problem(locals(res).t('compare.chooseFile'))
    const reading = readTrendFile(
      req.file.buffer.toString('utf8'),
      req.file.originalname.replace(/\.json$/i, ''),
    )
    await keepComparison(res, series, reading)
  })

  router.post('/staff/results/:series/compare/url', evaluators, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const address = z
      .object({ url: formString().trim().max(2000, { error: 'formErrors.tooLong' }) })
      .safeParse(bodyOf(req))
    if (!address.success) {
      const message = address.error.issues[0]!.message
      return showComparison(res, series, {
        problems: [
          {
            row: 0,
            reason: locals(res).t(message.startsWith('formErrors.') ? message : 'formErrors.invalid'),
          },
        ],
        status: 400,
      })
    }
    const fetched = await fetchTrendFile(address.data.url, comparisonOrigins)
    if (!fetched.ok)
      return showComparison(res, series, {
        problems: [{ row: 0, reason: locals(res).t(`compare.${fetched.reason}`) }],
        status: 400,
        url: address.data.url,
      })
    await keepComparison(res, series, readTrendFile(fetched.text, fetched.host), address.data.url)
  })

  router.post('/staff/results/:series/compare/:id/remove', evaluators, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const id = z.coerce.number().int().positive().safeParse(req.params.id)
    if (!id.success) throw new HttpError(404, 'notFound')
    await outputs.removeComparison(series.id, id.data)
    res.redirect(303, `/staff/results/${series.code}/compare`)
  })

  router.get('/staff/results/:series', evaluators, async (req, res) => {
    const series = await staffSeries(res, req.params.series)
    const model = await pageModel(results, outputs, res, series, {
      closedOnly: false,
      by: req.query.by,
      base: `/staff/results/${series.code}`,
      sample: req.query.sample,
      ci: req.query.ci,
    })
    // Where the city stands among the network's cities that publish the same indicator (if it opted in).
    const standings: Record<string, { rank: number; of: number } | undefined> = {}
    if (networkStanding)
      for (const i of model.indicators)
        standings[i.code] = await networkStanding(signedIn(res).organizationId, i.code)
    renderPage(res, 'results/dashboard', { ...model, standings })
  })

  return router
}
