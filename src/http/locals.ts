import type { Response } from 'express'
import type { Formatters } from '../i18n/formatters.ts'
import type { Translate } from '../i18n/i18n.ts'
import type { Language } from '../questionnaire/translated.ts'
import type { Can } from '../staff/permissions.ts'
import type { StaffUser } from '../staff/staff.repository.ts'
import type { Locale, Portuguese } from '../i18n/locales.ts'

/** What the middleware puts on every response, for routes and templates alike. */
export interface Locals {
  /** The page's language (questionnaire texts), its locale (interface), translations and formats. */
  lang: Language
  locale: Locale
  t: Translate
  format: Formatters
  /** How the language was found: picked by the reader, their browser's, or the default. */
  languageSource: 'chosen' | 'browser' | 'default'
  languageLinks: { lang: Locale; href: string; current: boolean }[]
  /** Switches the page to another language (a project page in one of its own). */
  useLanguage: (language: Language) => void
  /** Portuguese asked without a region becomes this organization's choice (Brazil's or Portugal's). */
  preferPortuguese: (portuguese: Portuguese) => void
  csrfToken: string
  /** The signed-in staff member on /staff and /api pages, and what they may do. */
  staff: StaffUser | undefined
  staffSessionId?: string
  can: Can
  signInAddressThrottled?: boolean
  /** Printed on error pages so a reader can quote it. */
  requestId?: string
}

/** The response's locals, typed. */
export const locals = (res: Response): Locals => res.locals as Locals

/** The signed-in staff member, on a route behind a permission check. */
export function signedIn(res: Response): StaffUser {
  const user = locals(res).staff
  if (!user) throw new Error('a staff route was reached without a signed-in member')
  return user
}

/** The signed-in member's session id (signing out, changing one's password ends the others). */
export function sessionId(res: Response): string {
  const id = locals(res).staffSessionId
  if (!id) throw new Error('a staff route was reached without a session')
  return id
}
