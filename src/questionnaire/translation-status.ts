import { createHash } from 'node:crypto'
import type { Question } from './questionnaire.ts'
import { LANGUAGES, type Language, type Translated } from './translated.ts'

export type TranslationStatus = 'source' | 'missing' | 'outdated' | 'reviewed'

/** A short fingerprint of the source text a translation was written against. */
export const sourceFingerprint = (text: string) =>
  createHash('sha256').update(text.trim()).digest('base64url').slice(0, 16)

/** The translatable texts of a question: its wording, its help (if any), and each option's label. */
export function translatableFields(
  question: Pick<Question, 'text' | 'help' | 'options'>,
): { field: string; text: Partial<Translated> }[] {
  const fields: { field: string; text: Partial<Translated> }[] = [{ field: 'text', text: question.text }]
  if (LANGUAGES.some((l) => question.help[l]?.trim())) fields.push({ field: 'help', text: question.help })
  for (const option of question.options) fields.push({ field: `option.${option.code}`, text: option.label })
  return fields
}

/** Whether one text in one language is the source, missing, written against an older source, or current. */
export function translationStatus(
  text: Partial<Translated>,
  field: string,
  language: Language,
  sourceLanguage: Language,
  stamps: Record<string, string>,
): TranslationStatus {
  if (!text[language]?.trim()) return 'missing'
  if (language === sourceLanguage) return 'source'
  const source = text[sourceLanguage]?.trim()
  if (!source) return 'outdated'
  return stamps[`${field}.${language}`] === sourceFingerprint(source) ? 'reviewed' : 'outdated'
}

export type StatusCounts = Record<TranslationStatus, number>

/** How many texts of a question are in each status, per language. */
export function questionStatusCounts(
  question: Pick<Question, 'text' | 'help' | 'options'>,
  sourceLanguage: Language,
  stamps: Record<string, string>,
): Record<Language, StatusCounts> {
  const counts = Object.fromEntries(
    LANGUAGES.map((l) => [l, { source: 0, missing: 0, outdated: 0, reviewed: 0 }]),
  ) as Record<Language, StatusCounts>
  for (const { field, text } of translatableFields(question)) {
    for (const language of LANGUAGES)
      counts[language][translationStatus(text, field, language, sourceLanguage, stamps)] += 1
  }
  return counts
}

/**
 * The stamps after an edit: a translation is stamped current when it is new or changed, or when its
 * author confirms it still fits a changed source; otherwise it keeps its old stamp (and may be outdated).
 */
export function restamp(input: {
  before: Pick<Question, 'text' | 'help' | 'options'> | undefined
  after: Pick<Question, 'text' | 'help' | 'options'>
  sourceLanguage: Language
  stamps: Record<string, string>
  confirmed: Language[]
}): Record<string, string> {
  const { before, after, sourceLanguage, confirmed } = input
  const previous = new Map((before ? translatableFields(before) : []).map((f) => [f.field, f.text]))
  const stamps: Record<string, string> = {}
  for (const { field, text } of translatableFields(after)) {
    const source = text[sourceLanguage]?.trim()
    for (const language of LANGUAGES) {
      if (language === sourceLanguage || !source || !text[language]?.trim()) continue
      const key = `${field}.${language}`
      const old = previous.get(field)?.[language]?.trim()
      const changed = old !== text[language].trim()
      stamps[key] =
        changed || confirmed.includes(language) ? sourceFingerprint(source) : (input.stamps[key] ?? '')
    }
  }
  return stamps
}

/** Stamps for texts that are all taken as current (demo data, imports). */
export function stampsForCurrentTexts(
  question: Pick<Question, 'text' | 'help' | 'options'>,
  sourceLanguage: Language,
) {
  return restamp({
    before: undefined,
    after: question,
    sourceLanguage,
    stamps: {},
    confirmed: [...LANGUAGES],
  })
}
