import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { RequestHandler } from 'express'
import { HttpError } from '../http/http-error.ts'
import { locals } from '../http/locals.ts'
import { bodyOf, cookiesOf } from './form-body.ts'

const CSRF_COOKIE = 'pulso_csrf'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Signed double-submit tokens: the cookie holds a random id, every form carries its HMAC under the
 * server secret, so a page on another site can neither read nor forge the pair.
 */
export function csrfProtection(secret: Buffer, secureCookies: boolean): RequestHandler {
  const sign = (id: string) => createHmac('sha256', secret).update(id).digest('base64url')
  return (req, res, next) => {
    let id: unknown = cookiesOf(req)[CSRF_COOKIE]
    const hasValidCookie = typeof id === 'string' && /^[A-Za-z0-9_-]{32}$/.test(id)
    if (!hasValidCookie) {
      id = randomBytes(24).toString('base64url')
      res.cookie(CSRF_COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/' })
    }
    const expected = sign(id as string)
    locals(res).csrfToken = expected
    if (SAFE_METHODS.has(req.method)) return next()
    // A file upload's body is read later, by its route; its form carries the token in the address instead.
    const given: unknown = req.is('multipart/form-data') ? req.query._csrf : bodyOf(req)._csrf
    if (!hasValidCookie || typeof given !== 'string' || !sameText(given, expected)) {
      return next(new HttpError(403, 'csrf'))
    }
    next()
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
