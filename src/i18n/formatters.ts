import type { Language } from '../questionnaire/translated.ts'
import type { Locale } from './locales.ts'

// Plain `pt` (files, letters) formats as the default Portuguese, Brazil's.
const LOCALE_TAG: Record<Language | Locale, string> = {
  es: 'es-ES',
  fr: 'fr-FR',
  pt: 'pt-BR',
  'pt-BR': 'pt-BR',
  'pt-PT': 'pt-PT',
}

const cache = new Map<Language | Locale, ReturnType<typeof buildFormatters>>()

/** Number and date formatting in the reader's language (files and the database keep ISO and dots). */
export function formattersFor(language: Language | Locale) {
  // Intl objects are costly to build: one set per language for the life of the process.
  let formatters = cache.get(language)
  if (!formatters) cache.set(language, (formatters = buildFormatters(language)))
  return formatters
}

function buildFormatters(language: Language | Locale) {
  const tag = LOCALE_TAG[language]
  const numberFormats = new Map<string, Intl.NumberFormat>()
  const numberFormat = (style: 'decimal' | 'percent', digits: number) => {
    const key = `${style}:${digits}`
    let format = numberFormats.get(key)
    if (!format) {
      format = new Intl.NumberFormat(tag, {
        style,
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      })
      numberFormats.set(key, format)
    }
    return format
  }
  const date = new Intl.DateTimeFormat(tag, { dateStyle: 'long', timeZone: 'UTC' })
  const dateTime = new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
  const month = new Intl.DateTimeFormat(tag, { month: 'short', year: 'numeric', timeZone: 'UTC' })
  return {
    number: (value: number, fractionDigits = 0) => numberFormat('decimal', fractionDigits).format(value),
    percent: (value: number, fractionDigits = 1) => numberFormat('percent', fractionDigits).format(value),
    date: (value: Date) => date.format(value),
    /** A month as `2025-01` is kept, as people read it ("ene 2025", "janv. 2025"). */
    month: (period: string) => month.format(new Date(`${period}-15T12:00:00Z`)),
    /** Staff pages show times in UTC, and say so. */
    dateTime: (value: Date) => `${dateTime.format(value)} UTC`,
  }
}

export type Formatters = ReturnType<typeof buildFormatters>

/** A language's name in the reader's locale ("portugués", "portugais"), as a caption says it. */
export function languageName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(code) ?? code
  } catch {
    return code
  }
}

/** A country's name in the reader's language (projects keep ISO 3166 codes). */
export function countryName(code: string, language: Language): string {
  try {
    return new Intl.DisplayNames([language], { type: 'region' }).of(code) ?? code
  } catch {
    return code
  }
}
