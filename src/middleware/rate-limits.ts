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

/**
 * Limits wrong invitation codes (a correct code does not count): per address, and per survey across
 * all addresses, so codes cannot be guessed even from many machines.
 */
export function codeGuessRateLimits(
  limitPerAddress: number,
  store?: (name: string) => Store,
): RequestHandler[] {
  const common = {
    windowMs: 15 * 60_000,
    standardHeaders: 'draft-8' as const,
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    handler: (_req: unknown, _res: unknown, next: (error: unknown) => void) =>
      next(new HttpError(429, 'tooManyRequests')),
  }
  return [
    rateLimit({
      ...common,
      ...(store ? { store: store('code-ip') } : {}),
      limit: limitPerAddress,
      // The submissions limit counts the same address in its own rows (each store prefixes its keys).
      validate: { singleCount: false },
    }),
    rateLimit({
      ...common,
      ...(store ? { store: store('code-survey') } : {}),
      limit: limitPerAddress * 20,
      keyGenerator: (req) => `${req.params.org}/${req.params.series}`,
    }),
  ]
}
