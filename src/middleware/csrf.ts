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
    const given: unknown = cookiesOf(req)[CSRF_COOKIE]
    const hasValidCookie = typeof given === 'string' && /^[A-Za-z0-9_-]{32}$/.test(given)
    let token: string | undefined
    // Made when a page carries a form: a page without one (a kept results page) sets no cookie.
    const tokenOf = () => {
      if (token) return token
      let id = hasValidCookie ? given : undefined
      if (!id) {
        id = randomBytes(24).toString('base64url')
        res.cookie(CSRF_COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/' })
      }
      return (token = sign(id))
    }
    Object.defineProperty(locals(res), 'csrfToken', { configurable: true, enumerable: true, get: tokenOf })
    if (SAFE_METHODS.has(req.method)) return next()
    // A file upload's body is read later, by its route; its form carries the token in the address instead.
    const sent: unknown = req.is('multipart/form-data') ? req.query._csrf : bodyOf(req)._csrf
    if (!hasValidCookie || typeof sent !== 'string' || !sameText(sent, tokenOf())) {
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
