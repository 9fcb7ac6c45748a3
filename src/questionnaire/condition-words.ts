import type { TFunction } from 'i18next'
import type { Comparison, Condition } from './conditions.ts'

const COMPARISON_KEYS: Record<Comparison, string> = {
  '=': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '>': 'gt',
  '<=': 'le',
  '>=': 'ge',
}

/**
 * A condition in the reader's words ("the answer to question 3 is «Yes» or «Rather yes», and …"), for
 * paper and the designer's preview; `question` names a question (its number, or its code).
 */
export function conditionInWords(
  condition: Condition,
  words: {
    question: (code: string) => string
    option: (question: string, code: string) => string
    t: TFunction
  },
): string {
  const { t } = words
  const say = (c: Condition, nested: boolean): string => {
    if ('all' in c || 'any' in c) {
      const parts = 'all' in c ? c.all : c.any
      const joined = parts
        .map((part) => say(part, true))
        .join(` ${t('all' in c ? 'conditions.and' : 'conditions.or')} `)
      return nested ? `(${joined})` : joined
    }
    if ('not' in c) return t('conditions.not', { condition: say(c.not, true) })
    const question = words.question(c.question)
    if ('anyOf' in c)
      return t('conditions.anyOf', {
        question,
        values: c.anyOf.map((code) => `«${words.option(c.question, code)}»`).join(` ${t('conditions.or')} `),
      })
    const value = typeof c.value === 'number' ? String(c.value) : `«${words.option(c.question, c.value)}»`
    return t(`conditions.${COMPARISON_KEYS[c.compare]}`, { question, value })
  }
  return say(condition, false)
}
