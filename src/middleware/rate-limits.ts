import { rateLimit, type Store } from 'express-rate-limit'
import type { RequestHandler } from 'express'
import { HttpError } from '../http/http-error.ts'
import { locals } from '../http/locals.ts'

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

/**
 * Limits failed sign-ins per address (a successful one does not count, so one office's staff are never
 * locked out by signing in); each account is also throttled in the database. Over the limit, the route
 * answers with the staff sign-in page (`locals(res).signInAddressThrottled`), not the citizens' page.
 */
export function signInRateLimit(limit: number, store?: Store): RequestHandler {
  return rateLimit({
    ...(store ? { store } : {}),
    windowMs: 15 * 60_000,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    handler: (_req, res, next) => {
      locals(res).signInAddressThrottled = true
      next()
    },
  })
}

/**
 * Limits wrong invitation codes per address (a correct code does not count). There is no survey-wide
 * limit: it let anyone shut every invited respondent out with a few hundred wrong codes, and with
 * 60-bit codes guessing stays impractical without one (the README gives the figures).
 */
export function codeGuessRateLimit(limitPerAddress: number, store?: Store): RequestHandler {
  return rateLimit({
    ...(store ? { store } : {}),
    windowMs: 15 * 60_000,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    limit: limitPerAddress,
    // The submissions limit counts the same address in its own rows (each store prefixes its keys).
    validate: { singleCount: false },
    handler: (_req, _res, next) => next(new HttpError(429, 'tooManyRequests')),
  })
}
