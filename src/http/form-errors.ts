import type { TFunction } from 'i18next'
import type { z } from 'zod'

export interface FormErrors {
  /** Field name -> localized message. */
  fields: Record<string, string>
  /** The error summary: a link to each field. */
  links: { href: string; text: string }[]
}

export const noErrors: FormErrors = { fields: {}, links: [] }

/**
 * Turns zod issues into the GOV.UK error pattern. Schemas put UI string keys (under `formErrors.`)
 * in their messages; a field's id is `f-<name>`.
 */
export function formErrors(error: z.ZodError | Record<string, string>, t: TFunction): FormErrors {
  const keys: Record<string, string> = {}
  if ('issues' in error && Array.isArray(error.issues)) {
    for (const issue of error.issues) {
      const field = String(issue.path[0] ?? 'form')
      keys[field] ??= issue.message.startsWith('formErrors.') ? issue.message : 'formErrors.invalid'
    }
  } else {
    Object.assign(keys, error)
  }
  return withSummary(Object.fromEntries(Object.entries(keys).map(([field, key]) => [field, String(t(key))])))
}

/** Errors already in words, field by field, with the summary linking to each field. */
export const withSummary = (fields: Record<string, string>): FormErrors => ({
  fields,
  links: Object.entries(fields).map(([field, text]) => ({ href: `#f-${field}`, text })),
})

/** One field's error, already in words (a message with values in it). */
export const fieldError = (field: string, text: string): FormErrors => withSummary({ [field]: text })
