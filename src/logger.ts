import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { RequestHandler } from 'express'
import { pino, type DestinationStream, type Logger } from 'pino'

declare module 'node:http' {
  interface IncomingMessage {
    /** The request's id (see requestLog). */
    id?: string
    /** A logger whose lines carry the request's id. */
    log: Logger
  }
}

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

/** The id the request log gave this request (always text: see requestLog). */
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
export function requestLog(logger: Logger, logRequests: boolean): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id']
    const id = typeof given === 'string' && FORWARDED_ID.test(given) ? given : randomUUID()
    res.setHeader('X-Request-Id', id)
    req.id = id
    // The request's logger is made when something is logged: most requests log nothing, and a kept
    // page after a press release is answered thousands of times a second.
    let child: Logger | undefined
    Object.defineProperty(req, 'log', {
      configurable: true,
      get: () => (child ??= logger.child({ reqId: id })),
    })
    const started = performance.now()
    const url = loggedUrl(req.originalUrl)
    const done = (message: string) => {
      const level =
        res.statusCode === 503 ? 'warn' : res.statusCode >= 500 ? 'error' : logRequests ? 'info' : undefined
      if (!level) return
      req.log[level](
        {
          req: { id, method: req.method, url },
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - started),
        },
        message,
      )
    }
    res.once('finish', () => done('request completed'))
    // The reader went away before the answer was complete.
    res.once('close', () => {
      if (!res.writableFinished) done('request aborted')
    })
    next()
  }
}
