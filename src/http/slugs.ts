import { z } from 'zod'

// Organizations, series and partner projects are named in addresses by a slug: `lisboa-norte/perception`.

/** The slug rule, as a JSON Schema pattern (the OpenAPI description) and a regular expression. */
export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]{1,39}$'
const SLUG = new RegExp(SLUG_PATTERN)

/** A slug read from an address; a mismatch means no such page. */
export const slugInAddress = z.string().regex(SLUG)

/** A slug typed in a form (or a command's flag), with the message that explains the rule. */
export const slugField = (message: string, required = message) =>
  z.string({ error: required }).trim().regex(SLUG, { error: message })
