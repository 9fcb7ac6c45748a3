import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { pino, type DestinationStream, type Logger } from 'pino'
import { pinoHttp } from 'pino-http'

export type { Logger }

/** JSON lines on standard error: one per event, with the time, the level and what happened. */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'pulso' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Written synchronously: an asynchronous stream lost the last lines ("stopping", "stopped") when the
    // process exited right after them, on a busy machine. Pulso logs little (errors, not every request).
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  )
}

/** The id the request log gave this request (always text: see genReqId). */
export const requestIdOf = (req: IncomingMessage & { id?: unknown }): string =>
  typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : ''

// An id a proxy in front may already have given the request (letters, digits, - and _ only).
const FORWARDED_ID = /^[A-Za-z0-9_-]{8,64}$/

/** The address, with an invitation code in it replaced: a code must never reach a log. */
const loggedUrl = (url: string | undefined) => (url ?? '').replace(/\/i\/[^/?#]+/, '/i/…')

/**
 * The request log: every request gets an id (echoed as X-Request-Id and printed on error pages, so a
 * citizen can quote it); 5xx answers are always logged (503 as a warning), others only when
 * `logRequests` is on. Neither addresses nor headers are logged: no personal data.
 */
export function requestLog(logger: Logger, logRequests: boolean) {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id']
      const id = typeof given === 'string' && FORWARDED_ID.test(given) ? given : randomUUID()
      res.setHeader('X-Request-Id', id)
      return id
    },
    customLogLevel: (_req, res, error) => {
      if (res.statusCode === 503) return 'warn'
      if (error || res.statusCode >= 500) return 'error'
      return logRequests ? 'info' : 'silent'
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: loggedUrl(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  })
}
