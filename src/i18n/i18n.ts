import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import i18next, { type i18n, type TFunction } from 'i18next'
import type { Language } from '../questionnaire/translated.ts'
import { DEFAULT_PORTUGUESE, LOCALES, localeOfTag, type Locale } from './locales.ts'

export const DEFAULT_LANGUAGE: Language = 'es'
export const localesFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../locales')

/** The UI strings of one locale, as stored in locales/<locale>/translation.json. */
export function readLocale(locale: Locale): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(localesFolder, locale, 'translation.json'), 'utf8')) as Record<
    string,
    unknown
  >
}

/**
 * An i18next instance with every UI string loaded. With `strict`, a missing key throws instead of
 * showing the raw key, so a test that renders a page fails on it.
 */
export function createTranslator(options: { strict: boolean }): i18n {
  const instance = i18next.createInstance()
  void instance.init({
    initAsync: false,
    // Plain `pt` (a paper questionnaire or letters in Portuguese) reads the default Portuguese.
    resources: (() => {
      const resources: Record<string, { translation: Record<string, unknown> }> = Object.fromEntries(
        LOCALES.map((lng) => [lng, { translation: readLocale(lng) }]),
      )
      return { ...resources, pt: resources[DEFAULT_PORTUGUESE]! }
    })(),
    supportedLngs: [...LOCALES, 'pt'],
    // Region codes are kept as written (pt-BR), never reduced to pt.
    load: 'currentOnly',
    fallbackLng: options.strict ? false : DEFAULT_LANGUAGE,
    interpolation: { escapeValue: false }, // EJS escapes on output
    returnNull: false,
    ...(options.strict
      ? {
          saveMissing: true,
          missingKeyHandler: (languages: readonly string[], _ns: string, key: string) => {
            throw new Error(`missing UI string "${key}" in ${languages.join(',')}`)
          },
        }
      : {}),
  })
  return instance
}

export type Translate = TFunction

// Enough for every key of a locale file several times over; a bound, so no caller can grow it forever.
const MEMO_LIMIT = 4000

/**
 * One translation function per language for the life of the process. Strings are loaded once and
 * never change, so a call with a key alone is looked up in i18next once and then remembered:
 * a page asks for the same few dozen strings on every view (i18next was 9% of a survey page's CPU).
 */
export function fixedTranslations(translator: i18n): Record<Locale, Translate> {
  return Object.fromEntries(
    LOCALES.map((language) => {
      const t = translator.getFixedT(language)
      const memo = new Map<string, string>()
      const remembered = ((key: unknown, ...rest: unknown[]) => {
        if (rest.length > 0 || typeof key !== 'string')
          return (t as unknown as (...a: unknown[]) => unknown)(key, ...rest)
        let text = memo.get(key)
        if (text === undefined) {
          text = t(key)
          if (memo.size < MEMO_LIMIT) memo.set(key, text)
        }
        return text
      }) as unknown as Translate
      return [language, remembered]
    }),
  ) as Record<Locale, Translate>
}

/** Picks the reader's locale from Accept-Language, best quality first. */
export function negotiateLocale(
  acceptLanguage: string | undefined,
): { locale: Locale; specific: boolean } | undefined {
  if (!acceptLanguage) return undefined
  const ranges = acceptLanguage
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';')
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
      const quality = q ? Number(q.slice(2)) : 1
      return { tag: tag.toLowerCase(), quality: Number.isFinite(quality) ? quality : 0, index }
    })
    .filter((r) => r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index)
  for (const range of ranges) {
    const match = localeOfTag(range.tag)
    if (match) return match
  }
  return undefined
}
