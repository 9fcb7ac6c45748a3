import type { Language } from '../questionnaire/translated.ts'

/**
 * The interface's locales. Questionnaires keep one text per language (`Language`: es, fr, pt); the
 * interface speaks Portuguese as Brazil and as Portugal write it (issue #18.8).
 */
export const LOCALES = ['es', 'fr', 'pt-BR', 'pt-PT'] as const
export type Locale = (typeof LOCALES)[number]
export type Portuguese = Extract<Locale, `pt-${string}`>
export const PORTUGUESES: readonly Portuguese[] = ['pt-BR', 'pt-PT']

/** Portuguese without a region (`pt`, `?lang=pt`, a browser asking `pt`): Brazil's, unless an organization chose Portugal's. */
export const DEFAULT_PORTUGUESE: Portuguese = 'pt-BR'

/** The questionnaire language a locale reads texts in. */
export const languageOfLocale = (locale: Locale): Language =>
  locale === 'pt-BR' || locale === 'pt-PT' ? 'pt' : locale

export const isPortuguese = (value: unknown): value is Portuguese => value === 'pt-BR' || value === 'pt-PT'

/**
 * A locale from a language tag as people and browsers write it (`pt-br`, `PT_PT`, `fr-CA`, `pt`);
 * `specific` says whether it named the variant or left it to the default.
 */
export function localeOfTag(tag: unknown): { locale: Locale; specific: boolean } | undefined {
  if (typeof tag !== 'string' || tag.length > 20) return undefined
  const [primary = '', region = ''] = tag.toLowerCase().split(/[-_]/)
  if (primary === 'es' || primary === 'fr') return { locale: primary, specific: true }
  if (primary !== 'pt') return undefined
  if (region === 'pt') return { locale: 'pt-PT', specific: true }
  if (region === 'br') return { locale: 'pt-BR', specific: true }
  return { locale: DEFAULT_PORTUGUESE, specific: false }
}
