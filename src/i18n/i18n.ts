import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import i18next, { type i18n, type TFunction } from 'i18next'
import { LANGUAGES, type Language } from '../questionnaire/translated.ts'

export const DEFAULT_LANGUAGE: Language = 'es'
export const localesFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../locales')

/** The UI strings of one language, as stored in locales/<lang>/translation.json. */
export function readLocale(language: Language): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(localesFolder, language, 'translation.json'), 'utf8')) as Record<
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
    resources: Object.fromEntries(LANGUAGES.map((lng) => [lng, { translation: readLocale(lng) }])),
    supportedLngs: [...LANGUAGES],
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
export function fixedTranslations(translator: i18n): Record<Language, Translate> {
  return Object.fromEntries(
    LANGUAGES.map((language) => {
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
  ) as Record<Language, Translate>
}

/** Picks the reader's language from Accept-Language, best quality first. */
export function negotiateLanguage(acceptLanguage: string | undefined): Language | undefined {
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
    const primary = range.tag.split('-')[0]
    const match = LANGUAGES.find((lng) => lng === primary)
    if (match) return match
  }
  return undefined
}
