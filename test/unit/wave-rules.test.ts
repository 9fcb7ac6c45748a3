import { describe, expect, it } from 'vitest'
import {
  canClose,
  canOpen,
  hasResults,
  isEditable,
  isOpen,
  isPublished,
  takesAnswersAt,
  takesImportedResponses,
  takesInvitations,
  wavesShown,
  type WaveStatus,
} from '../../src/series/wave-rules.ts'

// The lifecycle as a table: one row per status, one column per question other modules ask.
const table: Record<WaveStatus, Record<string, boolean>> = {
  draft: {
    isEditable: true,
    isOpen: false,
    hasResults: false,
    isPublished: false,
    takesInvitations: true,
    takesImportedResponses: false,
    canOpen: true,
    canClose: false,
  },
  open: {
    isEditable: false,
    isOpen: true,
    hasResults: true,
    isPublished: false,
    takesInvitations: true,
    takesImportedResponses: true,
    canOpen: false,
    canClose: true,
  },
  closed: {
    isEditable: false,
    isOpen: false,
    hasResults: true,
    isPublished: true,
    takesInvitations: false,
    takesImportedResponses: true,
    canOpen: false,
    canClose: false,
  },
}
const rules = {
  isEditable,
  isOpen,
  hasResults,
  isPublished,
  takesInvitations,
  takesImportedResponses,
  canOpen,
  canClose,
}

describe('a wave’s lifecycle: draft → open → closed', () => {
  for (const [status, expected] of Object.entries(table) as [WaveStatus, Record<string, boolean>][])
    it(`a ${status} wave`, () => {
      const answers = Object.fromEntries(
        Object.entries(rules).map(([name, rule]) => [name, rule({ status })]),
      )
      expect(answers).toEqual(expected)
    })

  it('takes answers only while open and within its dates', () => {
    const now = new Date('2026-06-01T12:00:00Z')
    const wave = (status: WaveStatus, opensAt: string | null, closesAt: string | null) => ({
      status,
      opensAt: opensAt ? new Date(opensAt) : null,
      closesAt: closesAt ? new Date(closesAt) : null,
    })
    expect(takesAnswersAt(wave('open', null, null), now)).toBe(true)
    expect(takesAnswersAt(wave('open', '2026-07-01', null), now)).toBe(false)
    expect(takesAnswersAt(wave('open', null, '2026-06-01T12:00:00Z'), now)).toBe(false)
    expect(takesAnswersAt(wave('draft', null, null), now)).toBe(false)
    expect(takesAnswersAt(wave('closed', null, null), now)).toBe(false)
  })

  it('shows closed waves only in public, answered ones to staff', () => {
    const waves = (['draft', 'open', 'closed'] as const).map((status, i) => ({ status, year: 2024 + i }))
    expect(wavesShown(waves, { publishedOnly: true }).map((w) => w.year)).toEqual([2026])
    expect(wavesShown(waves, { publishedOnly: false }).map((w) => w.year)).toEqual([2025, 2026])
  })
})
