import type { Db } from '../db/database.ts'
import type { BriefStoryRef } from '../db/schema.ts'
import type { Translated } from '../questionnaire/translated.ts'

/** What the staff write and choose for a year's brief. */
export interface BriefDraft {
  lead: Partial<Translated>
  indicatorCodes: string[]
  stories: BriefStoryRef[]
}

export interface BriefRecord extends BriefDraft {
  id: number
  year: number
  updatedAt: Date
  /** The brief as published (BriefContent), or null. */
  published: unknown
  publishedAt: Date | null
}

const columns = [
  'id',
  'year',
  'lead',
  'indicator_codes as indicatorCodes',
  'stories',
  'updated_at as updatedAt',
  'published',
  'published_at as publishedAt',
] as const

export async function findBrief(db: Db, seriesId: number, year: number): Promise<BriefRecord | undefined> {
  return db
    .selectFrom('brief')
    .select(columns)
    .where('series_id', '=', seriesId)
    .where('year', '=', year)
    .executeTakeFirst()
}

/** The series' briefs, newest year first. */
export async function listBriefs(db: Db, seriesId: number): Promise<BriefRecord[]> {
  return db
    .selectFrom('brief')
    .select(columns)
    .where('series_id', '=', seriesId)
    .orderBy('year', 'desc')
    .execute()
}

/** Saves the draft of a year's brief (made on its first save); the published brief stays as it was. */
export async function saveDraft(
  db: Db,
  brief: { seriesId: number; year: number; draft: BriefDraft; by: number | null; at: Date },
): Promise<void> {
  const values = {
    lead: JSON.stringify(brief.draft.lead),
    indicator_codes: JSON.stringify(brief.draft.indicatorCodes),
    stories: JSON.stringify(brief.draft.stories),
    updated_at: brief.at,
    updated_by: brief.by,
  }
  await db
    .insertInto('brief')
    .values({ series_id: brief.seriesId, year: brief.year, ...values })
    .onConflict((oc) => oc.columns(['series_id', 'year']).doUpdateSet(values))
    .execute()
}

/** Replaces what readers see of the brief with `content` (null: withdrawn). */
export async function setPublished(
  db: Db,
  briefId: number,
  content: unknown,
  by: number | null,
  at: Date,
): Promise<void> {
  await db
    .updateTable('brief')
    .set({
      published: content === null ? null : JSON.stringify(content),
      published_at: content === null ? null : at,
      published_by: content === null ? null : by,
    })
    .where('id', '=', briefId)
    .execute()
}

/** The published brief at a public address (organization slug, series code, year). */
export async function publishedBrief(db: Db, organizationSlug: string, seriesCode: string, year: number) {
  return db
    .selectFrom('brief as b')
    .innerJoin('survey_series as s', 's.id', 'b.series_id')
    .innerJoin('organization as o', 'o.id', 's.organization_id')
    .select(['b.published', 'b.published_at as publishedAt', 'o.portuguese', 'o.id as organizationId'])
    .where('o.slug', '=', organizationSlug)
    .where('s.code', '=', seriesCode)
    .where('b.year', '=', year)
    .where('b.published', 'is not', null)
    .executeTakeFirst()
}

/** The years whose brief of a series is published, newest first. */
export async function publishedYears(
  db: Db,
  seriesId: number,
): Promise<{ year: number; publishedAt: Date }[]> {
  const rows = await db
    .selectFrom('brief')
    .select(['year', 'published_at as publishedAt'])
    .where('series_id', '=', seriesId)
    .where('published', 'is not', null)
    .orderBy('year', 'desc')
    .execute()
  return rows.map((r) => ({ year: r.year, publishedAt: r.publishedAt! }))
}
