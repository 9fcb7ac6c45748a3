import type { Db } from '../db/database.ts'
import type { BriefStoryRef } from '../db/schema.ts'
import { quotableStories } from '../feedback/feedback.repository.ts'
import { breakdownQuestions } from '../questionnaire/questionnaire.ts'
import { missingLanguages, type Language } from '../questionnaire/translated.ts'
import type { OutputsService } from '../results/outputs.service.ts'
import type { ResultsService } from '../results/results.service.ts'
import { findPerceptionSeries, type Series } from '../series/series.repository.ts'
import { recordAudit } from '../staff/audit.ts'
import { actorId } from '../staff/operator.ts'
import type { StaffUser } from '../staff/staff.repository.ts'
import { briefContent, type BriefContent, type BriefStory } from './brief-content.ts'
import * as repo from './briefs.repository.ts'
import type { BriefDraft } from './briefs.repository.ts'

/** A brief quotes two or three stories: more would not fit its two pages. */
export const MAX_STORIES = 3

/** Why a brief cannot be saved or published, as message keys with their parameters. */
export type BriefProblem =
  | { key: 'briefs.problems.waveNotClosed'; params: { year: number } }
  | { key: 'briefs.problems.leadMissing'; params: { languages: Language[] } }
  | { key: 'briefs.problems.noIndicator'; params: Record<string, never> }
  | { key: 'briefs.problems.tooManyStories'; params: { max: number } }
  | { key: 'briefs.problems.storyNotQuotable'; params: Record<string, never> }
  | { key: 'briefs.problems.unknownIndicator'; params: Record<string, never> }

const sameStory = (a: BriefStoryRef, b: BriefStoryRef) =>
  a.feedback === b.feedback && a.question === b.question

/**
 * The yearly brief of a perception series: staff write its lead and choose its headline indicators
 * and stories (a draft), preview it with today's results, and publish it, which stores the brief as
 * computed then; readers get that until it is published again.
 */
export function createBriefService(
  db: Db,
  results: ResultsService,
  outputs: OutputsService,
  now: () => Date,
) {
  /** Stories the organization may quote (of `only`, when given), as a brief shows them. */
  async function quotable(organizationId: number, only?: BriefStoryRef[]): Promise<BriefStory[]> {
    const rows = await quotableStories(
      db,
      organizationId,
      only ? { feedbackIds: only.map((s) => s.feedback) } : {},
    )
    return rows
      .filter((r) => !only || only.some((s) => sameStory(s, r)))
      .map((r) => ({
        ref: { feedback: r.feedback, question: r.question },
        text: r.text!,
        language: r.language,
        project: {
          code: r.projectCode,
          name: r.projectName,
          names: r.projectNames,
          partner: r.partner,
          country: r.country,
        },
        month: r.submittedAt.toISOString().slice(0, 7),
      }))
  }

  /** The closed waves' years: a brief is written for one of them. */
  const closedYears = async (series: Series) =>
    (await outputs.waves(series.id, { publishedOnly: true })).map((w) => w.year)

  async function draftOf(series: Series, year: number): Promise<BriefDraft> {
    const saved = await repo.findBrief(db, series.id, year)
    if (saved) return saved
    // A new brief starts with every indicator and no story.
    return { lead: {}, indicatorCodes: (await outputs.indicators(series.id)).map((i) => i.code), stories: [] }
  }

  /** The brief of `year` computed now from the closed waves up to it (undefined: that wave is not closed). */
  async function compute(series: Series, year: number, draft: BriefDraft): Promise<BriefContent | undefined> {
    const waves = (await outputs.waves(series.id, { publishedOnly: true })).filter((w) => w.year <= year)
    const wave = waves.find((w) => w.year === year)
    if (!wave) return undefined
    const minGroupSize = await outputs.minGroupSize(series.id)
    const of = { id: series.id, minGroupSize }
    const trends = await results.trends(of, { closedOnly: true })
    const profiles = breakdownQuestions(await outputs.latestQuestionnaire([wave]))
    const byBreakdown = await Promise.all(
      profiles.map(async (question) => ({
        question,
        trends: await results.trends(of, { closedOnly: true, breakdown: question.code }),
      })),
    )
    const stories = await quotable(series.organizationId, draft.stories)
    return briefContent({
      year,
      seriesTitle: series.title,
      organization: { name: series.organizationName, names: series.organizationNames },
      lead: draft.lead,
      indicatorCodes: draft.indicatorCodes,
      trends,
      byBreakdown,
      minGroupSize,
      // In the order the staff chose them.
      stories: draft.stories.flatMap((ref) => stories.filter((s) => sameStory(s.ref, ref))),
    })
  }

  /** What may be wrong with a draft whatever its state (publishing asks more, see publish). */
  async function draftProblems(series: Series, draft: BriefDraft): Promise<BriefProblem[]> {
    const problems: BriefProblem[] = []
    const codes = new Set((await outputs.indicators(series.id)).map((i) => i.code))
    if (draft.indicatorCodes.some((c) => !codes.has(c)))
      problems.push({ key: 'briefs.problems.unknownIndicator', params: {} })
    if (draft.stories.length > MAX_STORIES)
      problems.push({ key: 'briefs.problems.tooManyStories', params: { max: MAX_STORIES } })
    const found = await quotable(series.organizationId, draft.stories)
    if (found.length !== draft.stories.length)
      problems.push({ key: 'briefs.problems.storyNotQuotable', params: {} })
    return problems
  }

  const audit = (
    actor: StaffUser,
    action: 'brief.save' | 'brief.publish' | 'brief.withdraw',
    subject: string,
    details: Record<string, unknown>,
  ) => ({
    organizationId: actor.organizationId,
    userId: actorId(actor),
    action,
    subject,
    details,
  })

  return {
    findSeries: (actor: StaffUser, code: string) =>
      findPerceptionSeries(db, { id: actor.organizationId }, code),

    /** Each closed wave's year with its brief's state, newest first. */
    async overview(series: Series) {
      const briefs = await repo.listBriefs(db, series.id)
      return (await closedYears(series))
        .reverse()
        .map((year) => ({ year, brief: briefs.find((b) => b.year === year) }))
    },

    closedYears,
    indicators: (series: Series) => outputs.indicators(series.id),
    draftOf,
    compute,
    findBrief: (series: Series, year: number) => repo.findBrief(db, series.id, year),
    quotable: (series: Series) => quotable(series.organizationId),

    /** Saves the draft (the published brief is unchanged); problems instead when it cannot be. */
    async save(actor: StaffUser, series: Series, year: number, draft: BriefDraft): Promise<BriefProblem[]> {
      if (!(await closedYears(series)).includes(year))
        return [{ key: 'briefs.problems.waveNotClosed', params: { year } }]
      const problems = await draftProblems(series, draft)
      if (problems.length) return problems
      await db.transaction().execute(async (trx) => {
        await repo.saveDraft(trx, { seriesId: series.id, year, draft, by: actorId(actor), at: now() })
        await recordAudit(
          trx,
          audit(actor, 'brief.save', `${series.code}/${year}`, {
            indicators: draft.indicatorCodes,
            stories: draft.stories.length,
            leadLanguages: Object.keys(draft.lead),
          }),
        )
      })
      return []
    },

    /**
     * Publishes the saved draft as computed now: every language's lead, at least one indicator, the
     * stories still approved with consent, the year's wave closed. Else nothing changes.
     */
    async publish(actor: StaffUser, series: Series, year: number): Promise<BriefProblem[]> {
      const brief = await repo.findBrief(db, series.id, year)
      const draft = brief ?? (await draftOf(series, year))
      const problems: BriefProblem[] = []
      const missing = missingLanguages(draft.lead)
      if (missing.length)
        problems.push({ key: 'briefs.problems.leadMissing', params: { languages: missing } })
      if (draft.indicatorCodes.length === 0) problems.push({ key: 'briefs.problems.noIndicator', params: {} })
      problems.push(...(await draftProblems(series, draft)))
      if (problems.length || !brief) return problems
      // Computed only once nothing else stops it: it reads the results of every wave up to the year.
      const content = await compute(series, year, draft)
      if (!content) return [{ key: 'briefs.problems.waveNotClosed', params: { year } }]
      await db.transaction().execute(async (trx) => {
        await repo.setPublished(trx, brief.id, content, actorId(actor), now())
        await recordAudit(
          trx,
          audit(actor, 'brief.publish', `${series.code}/${year}`, {
            republished: brief.publishedAt !== null,
            indicators: draft.indicatorCodes,
            stories: draft.stories.length,
          }),
        )
      })
      return []
    },

    /** Takes a published brief off its public address (the draft stays). */
    async withdraw(actor: StaffUser, series: Series, year: number): Promise<boolean> {
      const brief = await repo.findBrief(db, series.id, year)
      if (!brief?.publishedAt) return false
      await db.transaction().execute(async (trx) => {
        await repo.setPublished(trx, brief.id, null, actorId(actor), now())
        await recordAudit(trx, audit(actor, 'brief.withdraw', `${series.code}/${year}`, {}))
      })
      return true
    },

    /**
     * A published brief by its public address, as it was published, but for its stories: a story
     * whose approval or consent was withdrawn since is left out, and a redacted one is quoted as
     * redacted (people's words are never shown longer than they agreed to).
     */
    async published(organizationSlug: string, seriesCode: string, year: number) {
      const row = await repo.publishedBrief(db, organizationSlug, seriesCode, year)
      if (!row) return undefined
      const content = row.published as BriefContent
      const now = await quotable(
        row.organizationId,
        content.stories.map((s) => s.ref),
      )
      const stories = content.stories.flatMap((s) => {
        const current = now.find((q) => sameStory(q.ref, s.ref))
        return current ? [{ ...s, text: current.text }] : []
      })
      return { content: { ...content, stories }, publishedAt: row.publishedAt!, portuguese: row.portuguese }
    },

    publishedYears: (seriesId: number) => repo.publishedYears(db, seriesId),
  }
}

export type BriefService = ReturnType<typeof createBriefService>
