/**
 * Targets per indicator ("awareness ≥ 45 % by 2027") and where the latest wave stands against one.
 * Values are on the indicator's own scale: a proportion (0-1) for a share, the mean for a mean.
 */
export interface Target {
  value: number
  year: number
  /** Whether the indicator should reach the value from below (at least) or from above (at most). */
  direction: 'atLeast' | 'atMost'
}

/** One wave's estimate with its 95 % interval. */
export interface WaveEstimate {
  year: number
  estimate: number
  low: number
  high: number
}

export type TargetCall = 'reached' | 'onTrack' | 'offTrack' | 'missed' | 'tooEarly'

export interface TargetStatus {
  call: TargetCall
  /** Whether the whole interval supports the call (the same call from either end of the intervals). */
  certain: boolean
  /** The straight line through the last two waves, at the target's year (when there are two). */
  projected: number | null
  latestYear: number
}

const meets = (target: Target, value: number) =>
  target.direction === 'atLeast' ? value >= target.value : value <= target.value

/** The straight line through two waves, read at `year`. */
const lineAt = (from: { year: number; value: number }, to: { year: number; value: number }, year: number) =>
  to.value + ((to.value - from.value) / (to.year - from.year)) * (year - to.year)

/**
 * Where the latest wave stands: the target reached; not yet, but on track (the straight line through
 * the last two waves reaches it by the target's year) or off track; missed (its year has come); or too
 * early to say (one wave). The call is certain when the intervals' ends agree with the estimates: for
 * "reached", the whole latest interval meets the target; for a projection, the lines through the
 * least and the most favourable ends of the two intervals both make the same call.
 */
export function targetStatus(target: Target, waves: readonly WaveEstimate[]): TargetStatus | undefined {
  const sorted = [...waves].sort((a, b) => a.year - b.year)
  const latest = sorted.at(-1)
  if (!latest) return undefined
  const base = { latestYear: latest.year }
  // The interval's end least and most favourable to the target.
  const worst = (w: WaveEstimate) => (target.direction === 'atLeast' ? w.low : w.high)
  const best = (w: WaveEstimate) => (target.direction === 'atLeast' ? w.high : w.low)
  if (meets(target, latest.estimate))
    return { ...base, call: 'reached', certain: meets(target, worst(latest)), projected: null }
  if (latest.year >= target.year)
    return { ...base, call: 'missed', certain: !meets(target, best(latest)), projected: null }
  const previous = sorted.at(-2)
  if (!previous) return { ...base, call: 'tooEarly', certain: false, projected: null }
  const projected = lineAt(
    { year: previous.year, value: previous.estimate },
    { year: latest.year, value: latest.estimate },
    target.year,
  )
  const onTrack = meets(target, projected)
  // The least favourable line starts from the previous wave's best end and ends at the latest's worst.
  const pessimistic = lineAt(
    { year: previous.year, value: best(previous) },
    { year: latest.year, value: worst(latest) },
    target.year,
  )
  const optimistic = lineAt(
    { year: previous.year, value: worst(previous) },
    { year: latest.year, value: best(latest) },
    target.year,
  )
  const certain = onTrack ? meets(target, pessimistic) : !meets(target, optimistic)
  return { ...base, call: onTrack ? 'onTrack' : 'offTrack', certain, projected }
}

/** An indicator's overall row of one wave, as the trends hold it. */
interface OverallRow {
  wave: number
  estimate: number | null
  ciLow: number | null
  ciHigh: number | null
  breakInSeries?: boolean | null
  suppressed?: boolean
}

/**
 * A target's status from an indicator's overall rows: the waves shown, since the last break in the
 * series (a line is never drawn across one).
 */
export function statusFromRows(target: Target, rows: readonly OverallRow[]): TargetStatus | undefined {
  const shown = rows.filter(
    (r) => !r.suppressed && r.estimate !== null && r.ciLow !== null && r.ciHigh !== null,
  )
  // A break on the first wave shown means nothing: there is nothing before it to compare with.
  const lastBreak = shown.findLastIndex((r, i) => i > 0 && r.breakInSeries)
  const comparable = shown.slice(Math.max(0, lastBreak))
  return targetStatus(
    target,
    comparable.map((r) => ({ year: r.wave, estimate: r.estimate!, low: r.ciLow!, high: r.ciHigh! })),
  )
}
