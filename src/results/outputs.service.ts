import type { Db } from '../db/database.ts'
import { responseRates } from '../invitations/invitations.repository.ts'
import type { Questionnaire } from '../questionnaire/questionnaire.ts'
import { breakdownsOf } from '../series/breakdowns.ts'
import { listPublishedSeries } from '../series/published-series.repository.ts'
import { findPerceptionSeries } from '../series/series.repository.ts'
import { wavesShown } from '../series/wave-rules.ts'
import { loadQuestionnaire } from '../survey/survey.repository.ts'
import { addComparison, listComparisons, removeComparison, type ComparisonRow } from './comparison.ts'
import { writeMicrodataPackage } from './microdata.ts'
import { listIndicators, minGroupSize, publicSeriesWithVersion, wavesOfSeries } from './results.repository.ts'
import type { ResultsService, Trends } from './results.service.ts'
import { trendsDocument } from './trend-files.ts'
import type { ResultsChanges } from './results-changes.ts'

type Wave = Awaited<ReturnType<typeof wavesOfSeries>>[number]

/**
 * What the results pages, the downloads and the API read of a series: which series and waves a reader
 * sees, its breakdowns and group size, its files, and the other cities' trends kept beside it.
 */
export function createOutputsService(db: Db, results: ResultsService, changes?: ResultsChanges) {
  type PublicSeries = NonNullable<Awaited<ReturnType<typeof publicSeriesWithVersion>>>
  // The public series by address as last read, with the feed's generation then: valid while it holds.
  const kept = new Map<string, { generation: number; series: PublicSeries }>()
  return {
    /** A perception series by its organization (staff: id; citizens and the API: slug) and code. */
    perceptionSeries: (organization: { id: number } | { slug: string }, code: string) =>
      findPerceptionSeries(db, organization, code),

    /**
     * A perception series by its public address with its results version: from memory while the
     * database's change feed says nothing moved (every change committed before the call is heard
     * first), else in one query.
     */
    async publicSeries(organizationSlug: string, code: string) {
      if (!changes || !(await changes.heard())) return publicSeriesWithVersion(db, organizationSlug, code)
      const key = `${organizationSlug}/${code}`
      const generation = changes.generation
      const memo = kept.get(key)
      if (memo?.generation === generation) return memo.series
      const series = await publicSeriesWithVersion(db, organizationSlug, code)
      // Unknown addresses are not kept (anyone can make up thousands); known ones are few.
      if (series) {
        if (kept.size >= 1000) kept.clear()
        kept.set(key, { generation, series })
      }
      return series
    },

    /** Series with published results, across organizations (the API's list). */
    publishedSeries: () => listPublishedSeries(db),

    /** The waves a reader sees: closed ones for citizens and the API, the one being answered too for staff. */
    async waves(seriesId: number, options: { publishedOnly: boolean }): Promise<Wave[]> {
      return wavesShown(await wavesOfSeries(db, seriesId), options)
    },

    /** The questionnaire of the newest of these waves (empty without one). */
    async latestQuestionnaire(waves: Wave[]): Promise<Questionnaire> {
      const latest = waves.at(-1)
      return latest ? loadQuestionnaire(db, latest.id) : { waveId: 0, questions: [] }
    },

    /** The breakdowns these waves offer (profile questions of the newest, and language). */
    breakdowns: (waves: Wave[]) => breakdownsOf(db, waves),

    indicators: (seriesId: number) => listIndicators(db, seriesId),

    /** Groups smaller than this are withheld. */
    minGroupSize: (seriesId: number) => minGroupSize(db, seriesId),

    /** Invitations sent and answered per stratum, for the waves that had invitations. */
    async responseRates(waves: Wave[]) {
      const byWave = await Promise.all(
        waves.map(async (w) => ({ wave: w.year, rates: await responseRates(db, w.id) })),
      )
      return byWave.filter((w) => w.rates.length > 0)
    },

    /** The trend file as JSON (the format other cities' evaluators compare with). */
    trendsDocument: (
      series: { id: number; code: string; organization?: { slug: string; name: string } },
      trends: Trends,
      sample: 'all' | 'invited',
      intervalMethod: 'logit' | 'wald',
    ) => trendsDocument(db, series, trends, sample, intervalMethod),

    /** Writes the microdata package of a series to `out`, streamed. */
    writeMicrodata: (
      series: { id: number; code: string; organization: string; title: string },
      out: NodeJS.WritableStream,
    ) => writeMicrodataPackage(db, results, series, out),

    comparisons: (seriesId: number) => listComparisons(db, seriesId),
    addComparison: (comparison: { seriesId: number; city: string; rows: ComparisonRow[]; addedBy: number }) =>
      addComparison(db, comparison),
    removeComparison: (seriesId: number, id: number) => removeComparison(db, seriesId, id),
  }
}

export type OutputsService = ReturnType<typeof createOutputsService>
