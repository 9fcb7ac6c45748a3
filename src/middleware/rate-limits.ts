import { rateLimit, type Store } from 'express-rate-limit'
import type { RequestHandler } from 'express'
import { HttpError } from '../http/http-error.ts'

/** Limits how many answer submissions one address may make in a window (counted in the shared store). */
export function submissionRateLimit(
  options: { limit: number; windowMs: number },
  store?: Store,
): RequestHandler {
  return rateLimit({
    ...(store ? { store } : {}),
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new HttpError(429, 'tooManyRequests')),
  })
}

/** Limits sign-in attempts per address (each account is also throttled in the database). */
export function signInRateLimit(store?: Store): RequestHandler {
  return rateLimit({
    ...(store ? { store } : {}),
    windowMs: 15 * 60_000,
    limit: 30,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new HttpError(429, 'tooManyRequests')),
  })
}
