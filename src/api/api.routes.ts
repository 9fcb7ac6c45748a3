import type { RecordDownload } from '../results/results.routes.ts'
import { etagOf } from '../http/page-cache.ts'
import { Router, type ErrorRequestHandler, type Request, type Response } from 'express'
import { z } from 'zod'
import { HttpError } from '../http/http-error.ts'
import { isDatabaseUnavailable } from '../middleware/errors.ts'
import type { OutputsService } from '../results/outputs.service.ts'
import type { ResultsService } from '../results/results.service.ts'
import { sendMicrodataPackage } from '../results/microdata.ts'
import type { ApiTokenService } from './api-tokens.service.ts'
import { openApiDocument } from './openapi.ts'
import { requestIdOf } from '../logger.ts'
import { slugInAddress } from '../http/slugs.ts'
import type { BriefService } from '../briefs/briefs.service.ts'

const slug = slugInAddress

/** Sends JSON with a strong ETag; a client that has it already gets 304 and no body. */
function sendJson(req: Request, res: Response, body: unknown) {
  const text = JSON.stringify(body)
  const etag = etagOf(text)
  res.set('ETag', etag)
  // Published results change when a wave closes or is re-weighted: caches may keep them 5 minutes.
  res.set('Cache-Control', 'public, max-age=300')
  res.vary('Accept-Encoding')
  if (
    req
      .get('if-none-match')
      ?.split(/\s*,\s*/)
      .includes(etag)
  )
    return res.status(304).end()
  res.type('application/json; charset=utf-8').send(text)
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail)
  }
}

/** The read-only JSON API: published series, their indicators and trend results (closed waves only). */
export function apiRoutes(
  results: ResultsService,
  outputs: OutputsService,
  tokens: ApiTokenService,
  recordDownload: RecordDownload,
  briefs: Pick<BriefService, 'published' | 'publishedYears'>,
): Router {
  const router = Router()

  async function publishedSeries(params: Record<string, unknown>) {
    const org = slug.safeParse(params.org)
    const code = slug.safeParse(params.series)
    if (!org.success || !code.success) throw new ApiError(404, 'no such series')
    const series = await outputs.perceptionSeries({ slug: org.data }, code.data)
    const waves = series ? await outputs.waves(series.id, { publishedOnly: true }) : []
    if (!series || waves.length === 0)
      throw new ApiError(404, 'no such series, or none of its waves is published')
    return { series, waves }
  }

  // Published results may be read from any site's page (an evaluator's notebook, a city's dashboard):
  // CORS for the public GETs, with the ETag readable; never for microdata, which needs a personal token.
  router.use('/api/v1', (req, res, next) => {
    if (req.path.endsWith('/microdata.zip')) return next()
    res.set('Access-Control-Allow-Origin', '*')
    res.set('Access-Control-Expose-Headers', 'ETag')
    res.set('Cross-Origin-Resource-Policy', 'cross-origin')
    if (req.method !== 'OPTIONS') return next()
    // The preflight of a GET revalidating with If-None-Match.
    res.set('Access-Control-Allow-Methods', 'GET')
    res.set('Access-Control-Allow-Headers', 'If-None-Match')
    res.set('Access-Control-Max-Age', '86400')
    res.status(204).end()
  })

  router.get('/api/v1/openapi.json', (req, res) => sendJson(req, res, openApiDocument))

  router.get('/api/v1/series', async (req, res) => {
    const rows = await outputs.publishedSeries()
    sendJson(req, res, {
      series: rows.map((r) => ({
        ...r,
        links: { self: `/api/v1/series/${r.organization}/${r.series}` },
      })),
    })
  })

  router.get('/api/v1/series/:org/:series', async (req, res) => {
    const { series, waves } = await publishedSeries(req.params)
    sendJson(req, res, {
      organization: series.organizationSlug,
      organizationName: series.organizationName,
      series: series.code,
      title: series.title,
      description: series.description,
      waves: waves.map((w) => w.year),
      indicators: (await outputs.indicators(series.id)).map((i) => ({
        code: i.code,
        question: i.questionCode,
        kind: i.kind,
        successCodes: i.successCodes,
        excludedCodes: i.excludedCodes,
        label: i.label,
        target: i.target,
      })),
      breakdowns: (await outputs.breakdowns(waves)).codes,
      links: {
        trends: `/api/v1/series/${series.organizationSlug}/${series.code}/trends`,
        page: `/s/${series.organizationSlug}/${series.code}/results`,
      },
    })
  })

  router.get('/api/v1/series/:org/:series/trends', async (req, res) => {
    const { series, waves } = await publishedSeries(req.params)
    const breakdowns = (await outputs.breakdowns(waves)).codes
    const query = z
      .object({
        breakdown: z.enum(breakdowns as [string, ...string[]]).optional(),
        ci: z.enum(['logit', 'wald']).default('logit'),
      })
      .safeParse(req.query)
    if (!query.success)
      throw new ApiError(400, `breakdown must be one of ${breakdowns.join(', ')}; ci must be logit or wald`)
    const trends = await results.trends(
      { id: series.id, minGroupSize: await outputs.minGroupSize(series.id) },
      { breakdown: query.data.breakdown, ci: query.data.ci, closedOnly: true },
    )
    const document = await outputs.trendsDocument(
      {
        id: series.id,
        code: series.code,
        organization: { slug: series.organizationSlug, name: series.organizationName },
      },
      trends,
      'all',
      query.data.ci,
    )
    sendJson(req, res, document)
  })

  // Yearly briefs as published (language-neutral: numbers on the indicator's scale, texts per language).
  router.get('/api/v1/series/:org/:series/briefs', async (req, res) => {
    const { series } = await publishedSeries(req.params)
    const years = await briefs.publishedYears(series.id)
    sendJson(req, res, {
      briefs: years.map((b) => ({
        year: b.year,
        publishedAt: b.publishedAt.toISOString(),
        links: {
          self: `/api/v1/series/${series.organizationSlug}/${series.code}/briefs/${b.year}`,
          page: `/s/${series.organizationSlug}/${series.code}/brief/${b.year}`,
        },
      })),
    })
  })

  router.get('/api/v1/series/:org/:series/briefs/:year', async (req, res) => {
    const { series } = await publishedSeries(req.params)
    const year = z.coerce.number().int().min(1990).max(2200).safeParse(req.params.year)
    const brief = year.success
      ? await briefs.published(series.organizationSlug, series.code, year.data)
      : undefined
    if (!brief) throw new ApiError(404, 'no brief of that year is published')
    sendJson(req, res, {
      ...brief.content,
      // Which answer a story is stays inside Pulso.
      stories: brief.content.stories.map(({ ref: _ref, ...story }) => story),
      publishedAt: brief.publishedAt.toISOString(),
    })
  })

  // Microdata: only for evaluators of the series' organization, with a personal token.
  router.get('/api/v1/series/:org/:series/microdata.zip', async (req, res) => {
    const user = await tokens.userFor(req.get('authorization'))
    if (!user) {
      res.set('WWW-Authenticate', 'Bearer realm="pulso"')
      throw new ApiError(
        401,
        'a valid API token is required (Authorization: Bearer pulso_…); it may have expired or been revoked',
      )
    }
    const org = slug.safeParse(req.params.org)
    const code = slug.safeParse(req.params.series)
    if (!org.success || !code.success || org.data !== user.organizationSlug)
      throw new ApiError(404, 'no such series')
    const series = await outputs.perceptionSeries({ slug: org.data }, code.data)
    if (!series) throw new ApiError(404, 'no such series')
    res.set('Cache-Control', 'private, no-store')
    await recordDownload(user, 'download.microdata', series.code, { via: 'API' })
    await sendMicrodataPackage(res, series.code, (out) =>
      outputs.writeMicrodata(
        { id: series.id, code: series.code, organization: series.organizationSlug, title: series.title.es },
        out,
      ),
    )
  })

  router.use('/api', (_req, _res, next) => next(new ApiError(404, 'no such resource')))

  // Errors as RFC 9457 problem details, never a stack trace.
  const errors: ErrorRequestHandler = (error, req, res, _next) => {
    let status = 500
    let detail = 'internal error'
    if (error instanceof ApiError) [status, detail] = [error.status, error.detail]
    else if (error instanceof HttpError) [status, detail] = [error.status, error.messageKey]
    else if (isDatabaseUnavailable(error)) {
      ;[status, detail] = [503, 'the database is unavailable; retry later']
      req.log.warn({ err: error }, 'the database is unavailable')
    } else req.log.error({ err: error }, 'request failed')
    res
      .status(status)
      .type('application/problem+json')
      .set('Cache-Control', 'no-store')
      .send(
        JSON.stringify({
          status,
          title: detail,
          instance: `urn:pulso:request:${requestIdOf(req)}`,
        }),
      )
  }
  router.use(errors)
  return router
}
