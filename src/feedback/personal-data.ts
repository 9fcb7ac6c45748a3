/** Something in a story that may identify a person, for a moderator to look at before publication. */
export interface PersonalDataFlag {
  kind: 'email' | 'phone' | 'name'
  start: number
  end: number
}

const NAME = String.raw`\p{Lu}[\p{Ll}'’-]+(?:\s+(?:de|da|do|dos|das|del|la|le)?\s*\p{Lu}[\p{Ll}'’-]+)*`
const PATTERNS: { kind: PersonalDataFlag['kind']; pattern: RegExp; group?: number }[] = [
  { kind: 'email', pattern: /[\p{L}0-9._%+-]+@[\p{L}0-9-]+(?:\.[\p{L}0-9-]+)+/gu },
  // Seven to fifteen digits with the usual separators: phone numbers in any of our countries' formats.
  { kind: 'phone', pattern: /(?:\+|\b00)?\d(?:[\s().-]{0,2}\d){6,14}\b/gu },
  // Introductions ("me llamo Rosa Quispe", "je m'appelle…", "meu nome é…") and forms of address.
  {
    kind: 'name',
    pattern: new RegExp(
      String.raw`(?:[Mm]e llamo|[Mm]i nombre es|[Ss]oy|[Jj]e m['’]appelle|[Mm]on nom est|[Jj]e suis|[Mm]eu nome é|[Mm]e chamo|[Cc]hamo-me|[Ss]ou o|[Ss]ou a)\s+(${NAME})`,
      'gu',
    ),
    group: 1,
  },
  {
    kind: 'name',
    pattern: new RegExp(
      String.raw`(?<![\p{L}])(?:Sr\.|Sra\.|Srta\.|Don|Doña|Dona|Seu|Dom|M\.|Mme|Mlle|Monsieur|Madame|Señor|Señora|Senhor|Senhora)\s+(${NAME})`,
      'gu',
    ),
    group: 1,
  },
  // Two capitalised words in a row inside a sentence are often a first name and a surname.
  { kind: 'name', pattern: /(?<=[\p{Ll},;:]\s+)\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+)+/gu },
]

/** Where a story may name, or give the phone or email of, a person; overlapping findings are merged. */
export function personalDataFlags(text: string): PersonalDataFlag[] {
  const found: PersonalDataFlag[] = []
  for (const { kind, pattern, group } of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const part = group === undefined ? match[0] : match[group]
      if (!part) continue
      const start = match.index + (group === undefined ? 0 : match[0].indexOf(part))
      if (kind === 'phone' && part.replace(/\D/g, '').length < 7) continue
      found.push({ kind, start, end: start + part.length })
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end)
  const merged: PersonalDataFlag[] = []
  for (const flag of found) {
    const last = merged.at(-1)
    if (last && flag.start < last.end) last.end = Math.max(last.end, flag.end)
    else merged.push({ ...flag })
  }
  return merged
}

/** A story cut into plain and flagged pieces, so a page can mark the flagged ones. */
export function flaggedPieces(text: string): { text: string; flag?: PersonalDataFlag['kind'] }[] {
  const pieces: { text: string; flag?: PersonalDataFlag['kind'] }[] = []
  let at = 0
  for (const flag of personalDataFlags(text)) {
    if (flag.start > at) pieces.push({ text: text.slice(at, flag.start) })
    pieces.push({ text: text.slice(flag.start, flag.end), flag: flag.kind })
    at = flag.end
  }
  if (at < text.length) pieces.push({ text: text.slice(at) })
  return pieces
}
