/** A stratum as people type it, for matching: case, accents, spaces, dots, dashes and underscores aside. */
export const stratumKey = (stratum: string) =>
  stratum
    .normalize('NFKD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[\s_.-]+/g, ' ')
    .trim()

/**
 * The stratum a typed one stands for: empty is none; with a defined list, the list's own spelling of
 * it ("san_blas" is "San Blas"), or nothing when it is not on the list; without a list, as typed.
 */
export function matchStratum(
  typed: string,
  list: readonly string[],
): { ok: true; stratum: string | null } | { ok: false } {
  const trimmed = typed.trim()
  if (trimmed === '') return { ok: true, stratum: null }
  if (list.length === 0) return { ok: true, stratum: trimmed }
  const found = list.find((s) => stratumKey(s) === stratumKey(trimmed))
  return found === undefined ? { ok: false } : { ok: true, stratum: found }
}
