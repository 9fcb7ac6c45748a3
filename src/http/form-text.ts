import { z } from 'zod'
import { hasUnstorableCharacters } from '../questionnaire/unstorable-text.ts'

export { hasUnstorableCharacters }

/** A text field of a form or an uploaded file: a string with no unstorable character (a field error). */
export const formString = (error = 'formErrors.unstorableCharacters') =>
  z.string().refine((text) => !hasUnstorableCharacters(text), { error })
