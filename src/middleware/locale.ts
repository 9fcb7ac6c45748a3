import type { RequestHandler } from 'express'
import type { i18n } from 'i18next'
import { formattersFor } from '../i18n/formatters.ts'
import { fixedTranslations, negotiateLocale } from '../i18n/i18n.ts'
import {
  DEFAULT_PORTUGUESE,
  languageOfLocale,
  LOCALES,
  localeOfTag,
  type Locale,
  type Portuguese,
} from '../i18n/locales.ts'
import type { Language } from '../questionnaire/translated.ts'
import { locals, type Locals } from '../http/locals.ts'
import { cookiesOf } from './form-body.ts'

const LANGUAGE_COOKIE = 'pulso_lang'
const DEFAULT_LOCALE: Locale = 'es'

/**
 * Chooses the reader's locale (?lang=, then cookie, then Accept-Language, then Spanish). Portuguese
 * asked without a region (`pt`) is Brazil's until a page of an organization that chose Portugal's
 * says otherwise (`preferPortuguese`).
 */
export function locale(translator: i18n, secureCookies: boolean): RequestHandler {
  const translations = fixedTranslations(translator)
  return (req, res, next) => {
    const asked = localeOfTag(req.query.lang)
    const fromCookie = localeOfTag(cookiesOf(req)[LANGUAGE_COOKIE])
    // How the language was found: picked by the reader (link or cookie), their browser's, or none;
    // the browser is asked only when the reader has not picked.
    let found: { locale: Locale; specific: boolean }
    if (asked) {
      found = asked
      locals(res).languageSource = 'chosen'
      const kept = asked.specific ? asked.locale : 'pt'
      // Set once: a reader following links that name their language already has the cookie.
      if (cookiesOf(req)[LANGUAGE_COOKIE] !== kept)
        res.cookie(LANGUAGE_COOKIE, kept, {
          httpOnly: true,
          sameSite: 'lax',
          secure: secureCookies,
          maxAge: 365 * 24 * 3600 * 1000,
        })
    } else if (fromCookie) {
      found = fromCookie
      locals(res).languageSource = 'chosen'
    } else {
      const negotiated = negotiateLocale(req.get('accept-language'))
      found = negotiated ?? { locale: DEFAULT_LOCALE, specific: true }
      locals(res).languageSource = negotiated ? 'browser' : 'default'
    }
    res.vary('Accept-Language')
    res.vary('Cookie')
    const use = (chosen: Locale) => {
      res.set('Content-Language', chosen)
      locals(res).locale = chosen
      locals(res).lang = languageOfLocale(chosen)
      locals(res).t = translations[chosen]
      locals(res).format = formattersFor(chosen)
      // Made when a page shows the switcher (a kept page is answered without it).
      let links: Locals['languageLinks'] | undefined
      Object.defineProperty(locals(res), 'languageLinks', {
        configurable: true,
        enumerable: true,
        get: () =>
          (links ??= LOCALES.map((lng) => ({
            lang: lng,
            href: withLanguage(req.originalUrl, lng),
            current: lng === chosen,
          }))),
        set: (given: Locals['languageLinks']) => (links = given),
      })
    }
    use(found.locale)
    // Whether the reader named the Portuguese they read (pt-BR, pt-PT) rather than plain pt.
    let named = found.specific
    // A page about something in given languages (a partner project) may start in one of them.
    locals(res).useLanguage = (language: Language) => {
      if (language === 'pt' && locals(res).lang !== 'pt') named = false
      use(
        language === 'pt' ? (locals(res).lang === 'pt' ? locals(res).locale : DEFAULT_PORTUGUESE) : language,
      )
    }
    // An organization's own Portuguese, for readers who asked for Portuguese without saying which.
    locals(res).preferPortuguese = (portuguese: Portuguese) => {
      if (!named && locals(res).lang === 'pt') use(portuguese)
    }
    next()
  }
}

// The same address in another language: only `lang` changes, other query parameters stay.
// Leading slashes and backslashes collapse to one, so a crafted path never links to another host.
function withLanguage(requested: string, language: Locale): string {
  const originalUrl = '/' + requested.replace(/^[/\\]+/, '')
  const at = originalUrl.indexOf('?')
  if (at === -1) return `${originalUrl}?lang=${language}`
  const query = new URLSearchParams(originalUrl.slice(at + 1))
  query.set('lang', language)
  return `${originalUrl.slice(0, at)}?${query.toString()}`
}
