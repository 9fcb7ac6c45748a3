import type { WaveStatus } from '../db/schema.ts'

export type { WaveStatus }

/**
 * A wave's lifecycle: draft → open → closed, and what each status allows. Every module asks here;
 * no other file compares a wave's status, so "closed" and "not a draft" cannot be mixed up again.
 */
type Wave = { status: WaveStatus }

/** Its questionnaire may still change (questions, imports, translations, margins copied as a draft). */
export const isEditable = (wave: Wave) => wave.status === 'draft'

/** Open for answers (its dates permitting: see `takesAnswersAt`). */
export const isOpen = (wave: Wave) => wave.status === 'open'

/** Answered: being answered now or closed. Drafts have no responses, no tallies, no results. */
export const hasResults = (wave: Wave) => wave.status !== 'draft'

/** Final: closed. Only closed waves reach citizens' pages, the public API and published files. */
export const isPublished = (wave: Wave) => wave.status === 'closed'

/** Takes invitation codes and access changes: a draft being prepared or an open wave. */
export const takesInvitations = (wave: Wave) => wave.status !== 'closed'

/** Takes responses collected elsewhere (a CSV import): open or closed, never a draft. */
export const takesImportedResponses = hasResults

/** Whether a wave takes a citizen's answers at this moment: open, and within its dates. */
export function takesAnswersAt(
  wave: Wave & { opensAt: Date | null; closesAt: Date | null },
  now: Date,
): boolean {
  return (
    isOpen(wave) &&
    (wave.opensAt === null || wave.opensAt <= now) &&
    (wave.closesAt === null || wave.closesAt > now)
  )
}

/** The transitions: a draft opens, an open wave closes; nothing else. */
export const canOpen = isEditable
export const canClose = isOpen

// The same rules for SQL, as lists of statuses (`where w.status in (...)`).
export const OPEN_STATUSES: readonly WaveStatus[] = ['open']
export const STATUSES_WITH_RESULTS: readonly WaveStatus[] = ['open', 'closed']
export const PUBLISHED_STATUSES: readonly WaveStatus[] = ['closed']
export const DRAFT: WaveStatus = 'draft'
export const OPEN: WaveStatus = 'open'
export const CLOSED: WaveStatus = 'closed'

/** The waves whose numbers a reader sees: closed ones only in public, every answered one for staff. */
export const wavesShown = <W extends Wave>(waves: W[], options: { publishedOnly: boolean }): W[] =>
  waves.filter(options.publishedOnly ? isPublished : hasResults)
