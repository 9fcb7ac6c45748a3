import { randomBytes } from 'node:crypto'
import type { RequestHandler, Response } from 'express'
import { HttpError } from '../http/http-error.ts'
import { locals } from '../http/locals.ts'
import { permissionsFor, type Permission } from '../staff/permissions.ts'
import type { StaffService } from '../staff/staff.service.ts'
import { cookiesOf } from './form-body.ts'

export const STAFF_COOKIE = 'pulso_staff'

/**
 * Gives the browser a staff session: its cookie for `maxAgeMs`, and, for a session that opens the staff
 * area, a new form-token secret with it (one that only waits for its second factor keeps the old one).
 */
export function setStaffSession(
  res: Response,
  sessionId: string,
  options: { maxAgeMs: number; secure: boolean; opens: boolean },
): void {
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure: options.secure, path: '/' }
  res.cookie(STAFF_COOKIE, sessionId, { ...cookie, maxAge: options.maxAgeMs })
  if (options.opens) res.cookie('pulso_csrf', randomBytes(24).toString('base64url'), cookie)
}

/**
 * Reads the staff session cookie on /staff and puts the signed-in member (if any) in `staff`, and
 * what they may do in `can`.
 */
export function staffSession(staff: StaffService): RequestHandler {
  return async (req, res, next) => {
    const id: unknown = cookiesOf(req)[STAFF_COOKIE]
    const here = locals(res)
    here.staff = undefined
    if (typeof id === 'string' && /^[A-Za-z0-9_-]{43}$/.test(id)) {
      here.staff = await staff.userForSession(id)
      here.staffSessionId = id
    }
    here.can = permissionsFor(here.staff)
    next()
  }
}

/**
 * Lets in only signed-in staff with this permission. Anonymous readers are sent to sign in (GET) or
 * refused with 401; signed-in staff without it get 403.
 */
export function requirePermission(
  permission: Permission,
  options: { duringEnrolment?: boolean } = {},
): RequestHandler {
  return (req, res, next) => {
    const { staff, can } = locals(res)
    if (!staff) {
      if (req.method === 'GET')
        return res.redirect(303, `/staff/sign-in?next=${encodeURIComponent(req.originalUrl)}`)
      return next(new HttpError(401, 'unauthorized'))
    }
    // The organization requires a second factor of this member, who has none yet: that comes first.
    if (staff.mustEnrolTwoFactor && !options.duringEnrolment) {
      if (req.method === 'GET') return res.redirect(303, '/staff/two-factor')
      return next(new HttpError(403, 'forbidden'))
    }
    if (!can[permission]) return next(new HttpError(403, 'forbidden'))
    next()
  }
}
