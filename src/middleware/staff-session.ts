import type { RequestHandler } from 'express'
import type { StaffRole } from '../db/schema.ts'
import { HttpError } from '../http/http-error.ts'
import type { StaffUser } from '../staff/staff.repository.ts'
import type { StaffService } from '../staff/staff.service.ts'

export const STAFF_COOKIE = 'pulso_staff'

/** Reads the staff session cookie on /staff and puts the signed-in member (if any) in res.locals.staff. */
export function staffSession(staff: StaffService): RequestHandler {
  return async (req, res, next) => {
    const id: unknown = req.cookies?.[STAFF_COOKIE]
    res.locals.staff = undefined
    if (typeof id === 'string' && /^[A-Za-z0-9_-]{43}$/.test(id)) {
      res.locals.staff = await staff.userForSession(id)
      res.locals.staffSessionId = id
    }
    next()
  }
}

// Anonymous readers are sent to sign in (GET) or refused with 401; signed-in staff not allowed get 403.
function requireStaff(allowed: (user: StaffUser) => boolean): RequestHandler {
  return (req, res, next) => {
    const user: StaffUser | undefined = res.locals.staff
    if (!user) {
      if (req.method === 'GET')
        return res.redirect(303, `/staff/sign-in?next=${encodeURIComponent(req.originalUrl)}`)
      return next(new HttpError(401, 'unauthorized'))
    }
    if (!allowed(user)) return next(new HttpError(403, 'forbidden'))
    next()
  }
}

/** Lets in only signed-in staff with one of these roles. */
export const requireRole = (...roles: StaffRole[]): RequestHandler =>
  requireStaff((user) => roles.includes(user.role))

/** Lets in only the administrators of the platform (the network hosting the instance). */
export const requirePlatformAdmin: RequestHandler = requireStaff(
  (user) => user.isPlatformAdmin && user.role === 'admin',
)
