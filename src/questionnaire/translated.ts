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
  return text[language] || text.es || text.fr || text.pt || ''
}

/** Languages in which a text is still missing. */
export function missingLanguages(text: Partial<Translated> | null | undefined): Language[] {
  return LANGUAGES.filter((language) => !text?.[language]?.trim())
}
