import type { Db } from '../db/database.ts'
import type { Translated } from '../questionnaire/translated.ts'
import type { OutputsService } from '../results/outputs.service.ts'
import type { ResultsService, TrendRow, Trends } from '../results/results.service.ts'
import { recordAudit } from '../staff/audit.ts'
import type { StaffUser } from '../staff/staff.repository.ts'
import * as repo from './network.repository.ts'

/** One city's latest published wave of an indicator, as the network page lists it. */
export interface Standing {
  member: repo.NetworkMember
  kind: 'share' | 'mean'
  label: Translated
  wave: number
  /** The latest closed wave's overall row (suppressed: too few answers to show). */
  latest: TrendRow
  /** The change from the wave before (null: first wave, or none computed). */
  change: TrendRow | null
  weighted: boolean
  respondents: number
}

/**
 * The network page: cities of this instance that opted in, compared per indicator code on their latest
 * closed wave (published results only, suppression and breaks as on each city's own page).
 */
export function createNetworkService(db: Db, results: ResultsService, outputs: OutputsService) {
  // A series' published trends, kept for its results version (closing a wave or re-weighting moves it).
  const kept = new Map<number, { version: string; trends: Trends }>()
  async function publishedTrends(member: repo.NetworkMember): Promise<Trends | undefined> {
    const series = await outputs.publicSeries(member.slug, member.seriesCode)
    if (!series) return undefined
    const memo = kept.get(member.seriesId)
    if (memo?.version === series.version) return memo.trends
    const trends = await results.trends(
      { id: member.seriesId, minGroupSize: await outputs.minGroupSize(member.seriesId) },
      { closedOnly: true },
    )
    if (kept.size > 500) kept.clear()
    kept.set(member.seriesId, { version: series.version, trends })
    return trends
  }

  async function standingsOf(member: repo.NetworkMember, code: string): Promise<Standing | undefined> {
    const trends = await publishedTrends(member)
    const indicator = trends?.indicators.find((i) => i.code === code)
    if (!trends || !indicator) return undefined
    const overall = trends.rows.filter((r) => r.indicator === code && r.breakdown === 'overall')
    const latest = overall.at(-1)
    if (!latest) return undefined
    const wave = trends.waves.find((w) => w.wave === latest.wave)
    return {
      member,
      kind: indicator.kind,
      label: indicator.label,
      wave: latest.wave,
      latest,
      change:
        trends.rows.find((r) => r.indicator === code && r.breakdown === 'change' && r.wave === latest.wave) ??
        null,
      weighted: wave?.weighted ?? false,
      respondents: wave?.respondents ?? 0,
    }
  }

  /** Every member's latest wave of an indicator: shown ones from highest to lowest, withheld ones last. */
  async function standings(code: string): Promise<Standing[]> {
    const found: Standing[] = []
    for (const member of await repo.networkMembers(db)) {
      const standing = await standingsOf(member, code)
      if (standing) found.push(standing)
    }
    return found.sort(
      (a, b) =>
        Number(a.latest.suppressed) - Number(b.latest.suppressed) ||
        (b.latest.estimate ?? 0) - (a.latest.estimate ?? 0) ||
        a.member.slug.localeCompare(b.member.slug),
    )
  }

  return {
    /** The indicator codes the members publish, each with its label and how many cities publish it. */
    async indicators(): Promise<{ code: string; label: Translated; cities: number }[]> {
      const byCode = new Map<string, { code: string; label: Translated; cities: number }>()
      for (const member of await repo.networkMembers(db)) {
        const trends = await publishedTrends(member)
        for (const indicator of trends?.indicators ?? []) {
          if (!trends!.rows.some((r) => r.indicator === indicator.code && r.breakdown === 'overall')) continue
          const known = byCode.get(indicator.code) ?? {
            code: indicator.code,
            label: indicator.label,
            cities: 0,
          }
          known.cities += 1
          byCode.set(indicator.code, known)
        }
      }
      return [...byCode.values()].sort((a, b) => b.cities - a.cities || a.code.localeCompare(b.code))
    },

    /** Every member's latest wave of an indicator: shown ones from highest to lowest, withheld ones last. */
    standings,

    optedIn: (organizationId: number) => repo.networkOptIn(db, organizationId),

    /** A member's place on an indicator among the cities shown (1: highest); none unless it opted in. */
    async standingOf(
      organizationId: number,
      code: string,
    ): Promise<{ rank: number; of: number } | undefined> {
      if (!(await repo.networkOptIn(db, organizationId))) return undefined
      const shown = (await standings(code)).filter((s) => !s.latest.suppressed)
      const at = shown.findIndex((s) => s.member.organizationId === organizationId)
      return at === -1 || shown.length < 2 ? undefined : { rank: at + 1, of: shown.length }
    },

    /** An admin shows (or stops showing) the organization's published results on the network page. */
    setOptIn: (actor: StaffUser, optIn: boolean) =>
      db.transaction().execute(async (trx) => {
        await repo.setNetworkOptIn(trx, actor.organizationId, optIn)
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actor.id,
          action: 'organization.network',
          details: { optIn },
        })
      }),
  }
}

export type NetworkService = ReturnType<typeof createNetworkService>
