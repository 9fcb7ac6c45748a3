import type { Language } from '../questionnaire/translated.ts'

const LOCALE_TAG: Record<Language, string> = { es: 'es-ES', fr: 'fr-FR', pt: 'pt-PT' }

/** Number and date formatting in the reader's language (files and the database keep ISO and dots). */
export function formattersFor(language: Language) {
  const tag = LOCALE_TAG[language]
  const integer = new Intl.NumberFormat(tag, { maximumFractionDigits: 0 })
  const date = new Intl.DateTimeFormat(tag, { dateStyle: 'long', timeZone: 'UTC' })
  const dateTime = new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
  return {
    number: (value: number, fractionDigits = 0) =>
      fractionDigits === 0
        ? integer.format(value)
        : new Intl.NumberFormat(tag, {
            minimumFractionDigits: fractionDigits,
            maximumFractionDigits: fractionDigits,
          }).format(value),
    percent: (value: number, fractionDigits = 1) =>
      new Intl.NumberFormat(tag, {
        style: 'percent',
        minimumFractionDigits: fractionDigits,
        maximumFractionDigits: fractionDigits,
      }).format(value),
    date: (value: Date) => date.format(value),
    /** Staff pages show times in UTC, and say so. */
    dateTime: (value: Date) => `${dateTime.format(value)} UTC`,
  }
}

export type Formatters = ReturnType<typeof formattersFor>
