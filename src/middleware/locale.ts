import type { RequestHandler } from 'express'
import type { i18n } from 'i18next'
import { formattersFor } from '../i18n/formatters.ts'
import { DEFAULT_LANGUAGE, fixedTranslations, negotiateLanguage } from '../i18n/i18n.ts'
import { isLanguage, LANGUAGES, type Language } from '../questionnaire/translated.ts'
import { locals } from '../http/locals.ts'
import { cookiesOf } from './form-body.ts'

const LANGUAGE_COOKIE = 'pulso_lang'

/** Chooses the reader's language (?lang=, then cookie, then Accept-Language, then Spanish). */
export function locale(translator: i18n, secureCookies: boolean): RequestHandler {
  const translations = fixedTranslations(translator)
  return (req, res, next) => {
    const asked = req.query.lang
    const fromCookie = cookiesOf(req)[LANGUAGE_COOKIE]
    // How the language was found: picked by the reader (link or cookie), their browser's, or none;
    // the browser is asked only when the reader has not picked.
    let language: Language
    if (isLanguage(asked)) {
      language = asked
      locals(res).languageSource = 'chosen'
      res.cookie(LANGUAGE_COOKIE, asked, {
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies,
        maxAge: 365 * 24 * 3600 * 1000,
      })
    } else if (isLanguage(fromCookie)) {
      language = fromCookie
      locals(res).languageSource = 'chosen'
    } else {
      const negotiated = negotiateLanguage(req.get('accept-language'))
      language = negotiated ?? DEFAULT_LANGUAGE
      locals(res).languageSource = negotiated ? 'browser' : 'default'
    }
    res.vary('Accept-Language')
    res.vary('Cookie')
    const use = (chosen: Language) => {
      res.set('Content-Language', chosen)
      locals(res).lang = chosen
      locals(res).t = translations[chosen]
      locals(res).format = formattersFor(chosen)
      locals(res).languageLinks = LANGUAGES.map((lng) => ({
        lang: lng,
        href: withLanguage(req.originalUrl, lng),
        current: lng === chosen,
      }))
    }
    use(language)
    // A page about something in given languages (a partner project) may start in one of them.
    locals(res).useLanguage = use
    next()
  }
}

// The same address in another language: only `lang` changes, other query parameters stay.
// Leading slashes and backslashes collapse to one, so a crafted path never links to another host.
function withLanguage(requested: string, language: Language): string {
  const originalUrl = '/' + requested.replace(/^[/\\]+/, '')
  const at = originalUrl.indexOf('?')
  if (at === -1) return `${originalUrl}?lang=${language}`
  const query = new URLSearchParams(originalUrl.slice(at + 1))
  query.set('lang', language)
  return `${originalUrl.slice(0, at)}?${query.toString()}`
}
