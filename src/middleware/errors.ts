import type { ErrorRequestHandler, RequestHandler } from 'express'
import type { i18n } from 'i18next'
import { formattersFor } from '../i18n/formatters.ts'
import { DEFAULT_LANGUAGE } from '../i18n/i18n.ts'
import { HttpError } from '../http/http-error.ts'
import { renderPage } from '../http/render.ts'
import { locals } from '../http/locals.ts'
import { requestIdOf } from '../logger.ts'

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin shutdown
  '57P02',
  '57P03', // cannot connect now
  '08000',
  '08001',
  '08003',
  '08006',
  '53300', // too many connections
])

/** Whether an error means the database cannot be reached (a 503, not a bug). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|connection error and is not queryable|PGlite is closed|instance is already closed/i.test(
      message,
    )
  )
}

export const notFound: RequestHandler = (_req, _res, next) => next(new HttpError(404, 'notFound'))

type PageKey = HttpError['messageKey'] | 'unavailable' | 'serverError'

/** The 4xx status a library's error carries (body-parser's, multer's), if any. */
function clientErrorStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined
}

/** Turns every error into a localized page with the right status and never a stack trace. */
export function errorPages(translator: i18n): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let status = 500
    let key: PageKey = 'serverError'
    if (error instanceof HttpError) {
      status = error.status
      key = error.messageKey
    } else if (clientErrorStatus(error) !== undefined) {
      // body-parser: too large, bad encoding, malformed body
      status = clientErrorStatus(error) === 413 ? 413 : 400
      key = status === 413 ? 'payloadTooLarge' : 'badRequest'
    } else if (isDatabaseUnavailable(error)) {
      status = 503
      key = 'unavailable'
      res.set('Retry-After', '30')
      req.log.warn({ err: error }, 'the database is unavailable')
    } else {
      req.log.error({ err: error }, 'request failed')
    }
    if (res.headersSent) return res.end()
    if (!locals(res).t) {
      locals(res).lang = DEFAULT_LANGUAGE
      locals(res).locale = 'es'
      locals(res).t = translator.getFixedT(DEFAULT_LANGUAGE)
      locals(res).format = formattersFor(DEFAULT_LANGUAGE)
      locals(res).languageLinks = []
    }
    const t = locals(res).t
    // The reference a citizen can quote; the log line of this failure carries the same id.
    locals(res).requestId = requestIdOf(req)
    res.set('Cache-Control', 'no-store')
    const plain = () =>
      res
        .status(status)
        .type('text/plain')
        .send(String(t(`pages.${key}.title`)))
    try {
      renderPage(res, 'errors/error', { title: t(`pages.${key}.title`), key }, status, plain)
    } catch {
      plain()
    }
  }
}
