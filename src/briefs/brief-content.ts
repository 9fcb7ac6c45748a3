import type { Question } from '../questionnaire/questionnaire.ts'
import type { Translated } from '../questionnaire/translated.ts'
import { change } from '../results/estimation.ts'
import type { IndicatorRecord } from '../results/results.repository.ts'
import type { TrendRow, Trends } from '../results/results.service.ts'
import { statusFromRows, type TargetStatus } from '../results/targets.ts'

/**
 * A yearly brief as computed from the closed waves up to its year: language-neutral (numbers on the
 * indicator's scale, texts as `{ es, fr, pt }` maps), so a published brief is stored as it is, shown in
 * any language, and given whole by the API.
 */
export interface BriefContent {
  format: 'pulso-brief'
  version: 1
  year: number
  /** The wave before it that changes are measured from (null: the first wave). */
  previousYear: number | null
  seriesTitle: Translated
  organization: { name: string; names: Partial<Translated> }
  lead: Partial<Translated>
  indicators: BriefIndicator[]
  /** Groups whose change from the previous wave is significant at 5 %, per indicator, largest first. */
  groups: BriefGroupChange[]
  stories: BriefStory[]
  method: BriefMethod
}

export interface BriefPoint {
  wave: number
  estimate: number
  ciLow: number
  ciHigh: number
  breakInSeries: boolean
}

export interface BriefIndicator {
  code: string
  label: Translated
  kind: 'share' | 'mean'
  /** The waves shown on its chart (closed, not withheld), up to the brief's year. */
  points: BriefPoint[]
  /** The year's estimate and 95 % interval (null: withheld, too few answers). */
  latest: { estimate: number; ciLow: number; ciHigh: number; n: number } | null
  /** From the previous wave: null on the first wave; `comparable` false across a break or a withheld wave. */
  change: {
    from: number
    comparable: boolean
    breakInSeries: boolean
    estimate: number | null
    ciLow: number | null
    ciHigh: number | null
    significant: boolean
    weightingDiffers: boolean
  } | null
  target: {
    value: number
    year: number
    direction: 'atLeast' | 'atMost'
    reason: Partial<Translated>
    status: TargetStatus | null
  } | null
}

export interface BriefGroupChange {
  indicator: string
  breakdown: string
  breakdownLabel: Translated
  group: string
  groupLabel: Translated
  before: number
  after: number
  change: number
  ciLow: number
  ciHigh: number
}

export interface BriefStory {
  /** The answer quoted: checked again whenever the brief is read (see BriefService.published). */
  ref: { feedback: number; question: number }
  text: string
  /** The language the beneficiary wrote in (es, fr, pt or another code). */
  language: string
  project: { code: string; name: string; names: Partial<Translated>; partner: string; country: string }
  /** The month it was told (YYYY-MM, UTC). */
  month: string
}

export interface BriefMethod {
  respondents: number
  previousRespondents: number | null
  weighted: boolean
  /** The profile questions the answers were weighted by. */
  weightedBy: Translated[]
  minGroupSize: number
  /** Headline indicators whose question changed this year: no change is computed across the break. */
  breaks: string[]
  /** Headline indicators whose change compares a weighted wave with an unweighted one. */
  weightingDiffers: string[]
}

/** The overall, change and group rows of one indicator, up to a year. */
const rowsOf = (rows: TrendRow[], indicator: string, breakdown: string, year: number) =>
  rows.filter((r) => r.indicator === indicator && r.breakdown === breakdown && r.wave <= year)

/**
 * The brief of `year`: its headline indicators (estimate, interval, change, target), the groups that
 * changed significantly, the chosen stories and the method. `trends` are the closed waves' (overall);
 * `byBreakdown` the same per profile question; both may hold later waves, which are left out.
 */
export function briefContent(input: {
  year: number
  seriesTitle: Translated
  organization: { name: string; names: Partial<Translated> }
  lead: Partial<Translated>
  indicatorCodes: string[]
  trends: Trends
  byBreakdown: { question: Question; trends: Trends }[]
  minGroupSize: number
  stories: BriefStory[]
}): BriefContent {
  const { year, trends } = input
  const waves = trends.waves.filter((w) => w.wave <= year)
  const thisWave = waves.find((w) => w.wave === year)
  const previous = waves.filter((w) => w.wave < year).at(-1)
  const headline = trends.indicators.filter((i) => input.indicatorCodes.includes(i.code))
  const indicators = headline.map((indicator) => indicatorOf(indicator, trends.rows, year))
  const groups = headline.flatMap((indicator) =>
    previous
      ? significantGroups(indicator, input.byBreakdown, year, previous.wave).sort(
          (a, b) => Math.abs(b.change) - Math.abs(a.change),
        )
      : [],
  )
  const questionOf = (code: string) =>
    input.byBreakdown.find((b) => b.question.code === code)?.question.text ?? {
      es: code,
      fr: code,
      pt: code,
    }
  return {
    format: 'pulso-brief',
    version: 1,
    year,
    previousYear: previous?.wave ?? null,
    seriesTitle: input.seriesTitle,
    organization: input.organization,
    lead: input.lead,
    indicators,
    groups,
    stories: input.stories,
    method: {
      respondents: thisWave?.respondents ?? 0,
      previousRespondents: previous?.respondents ?? null,
      weighted: Boolean(thisWave?.weighted),
      weightedBy: (thisWave?.variables ?? []).map(questionOf),
      minGroupSize: input.minGroupSize,
      breaks: indicators.filter((i) => i.change?.breakInSeries).map((i) => i.code),
      weightingDiffers: indicators.filter((i) => i.change?.weightingDiffers).map((i) => i.code),
    },
  }
}

function indicatorOf(indicator: IndicatorRecord, rows: TrendRow[], year: number): BriefIndicator {
  const overall = rowsOf(rows, indicator.code, 'overall', year)
  const shown = overall.filter((r) => !r.suppressed && r.estimate !== null)
  // A break on the first wave shown means nothing: there is nothing before it to compare with.
  const points = shown.map((r, i) => ({
    wave: r.wave,
    estimate: r.estimate!,
    ciLow: r.ciLow!,
    ciHigh: r.ciHigh!,
    breakInSeries: i > 0 && Boolean(r.breakInSeries),
  }))
  const latest = overall.find((r) => r.wave === year)
  const changeRow = rowsOf(rows, indicator.code, 'change', year).find((r) => r.wave === year)
  const from = overall.filter((r) => r.wave < year).at(-1)?.wave
  const target = indicator.target
  return {
    code: indicator.code,
    label: indicator.label,
    kind: indicator.kind,
    points,
    latest:
      latest && !latest.suppressed && latest.estimate !== null
        ? { estimate: latest.estimate, ciLow: latest.ciLow!, ciHigh: latest.ciHigh!, n: latest.n! }
        : null,
    change:
      changeRow && from !== undefined
        ? {
            from,
            comparable: changeRow.estimate !== null,
            breakInSeries: Boolean(changeRow.breakInSeries),
            estimate: changeRow.estimate,
            ciLow: changeRow.ciLow,
            ciHigh: changeRow.ciHigh,
            significant: Boolean(changeRow.significant),
            weightingDiffers: Boolean(changeRow.weightingDiffers),
          }
        : null,
    target: target
      ? {
          value: target.value,
          year: target.year,
          direction: target.direction,
          reason: target.reason,
          status: statusFromRows(target, overall) ?? null,
        }
      : null,
  }
}

/**
 * The groups of each breakdown whose estimate changed significantly from the previous wave (the two
 * waves are independent samples: the same test as the overall change), never across a break and never
 * for a withheld group.
 */
function significantGroups(
  indicator: IndicatorRecord,
  byBreakdown: { question: Question; trends: Trends }[],
  year: number,
  previousYear: number,
): BriefGroupChange[] {
  return byBreakdown.flatMap(({ question, trends }) => {
    const overallNow = trends.rows.find(
      (r) => r.indicator === indicator.code && r.breakdown === 'overall' && r.wave === year,
    )
    if (!overallNow || overallNow.breakInSeries) return []
    const rows = trends.rows.filter((r) => r.indicator === indicator.code && r.breakdown === question.code)
    return question.options.flatMap((option) => {
      const before = rows.find((r) => r.group === option.code && r.wave === previousYear)
      const after = rows.find((r) => r.group === option.code && r.wave === year)
      if (!before || !after || before.suppressed || after.suppressed) return []
      if (before.estimate === null || after.estimate === null || before.se === null || after.se === null)
        return []
      const c = change(
        { estimate: before.estimate, se: before.se },
        { estimate: after.estimate, se: after.se },
      )
      if (!c.significant) return []
      return [
        {
          indicator: indicator.code,
          breakdown: question.code,
          breakdownLabel: question.text,
          group: option.code,
          groupLabel: option.label,
          before: before.estimate,
          after: after.estimate,
          change: c.estimate,
          ciLow: c.ci[0],
          ciHigh: c.ci[1],
        },
      ]
    })
  })
}
