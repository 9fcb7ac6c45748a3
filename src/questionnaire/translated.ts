export const LANGUAGES = ['es', 'fr', 'pt'] as const
export type Language = (typeof LANGUAGES)[number]

/** Questionnaire content in each of Pulso's three languages. */
export type Translated = Record<Language, string>

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value)
}

/** The text in the reader's language; a missing translation falls back to another language, never to nothing. */
export function inLanguage(text: Partial<Translated> | null | undefined, language: Language): string {
  if (!text) return ''
  const own = text[language]
  if (own) return language === 'fr' ? frenchTypography(own) : own
  return text.es || text.fr || text.pt || ''
}

/**
 * French as it is printed: a narrow no-break space before : ; ? ! and inside « », where staff typed
 * a plain space (or none before ? and !), so no line ever starts with the punctuation.
 */
export const frenchTypography = (text: string) =>
  text
    .replace(/(\S)[ \u00a0]+([:;?!»])/gu, '$1\u202f$2')
    .replace(/(\p{L})([?!])/gu, '$1\u202f$2')
    .replace(/«[ \u00a0]*/g, '«\u202f')

/** A name in the reader's language where one was given, else the name as it is. */
export const nameIn = (names: Partial<Translated> | null | undefined, name: string, language: Language) =>
  names?.[language]?.trim() || name

/** The organization's name in the reader's language, from a row that carries both its names. */
export const organizationNameIn = (
  row: { organizationName: string; organizationNames: Partial<Translated> | null | undefined },
  language: Language,
) => nameIn(row.organizationNames, row.organizationName, language)

/** Names typed per language in a form (`name_es`, …): only those given, trimmed; the others fall back. */
export const givenNames = (form: Record<`name_${Language}`, string>): Partial<Translated> =>
  Object.fromEntries(LANGUAGES.map((l) => [l, form[`name_${l}`].trim()] as const).filter(([, v]) => v !== ''))

/** Languages in which a text is still missing. */
export function missingLanguages(text: Partial<Translated> | null | undefined): Language[] {
  return LANGUAGES.filter((language) => !text?.[language]?.trim())
}
