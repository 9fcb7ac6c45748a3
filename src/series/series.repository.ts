import type { Db } from '../db/database.ts'
import type { SeriesPurpose } from '../db/schema.ts'
import type { Translated } from '../questionnaire/translated.ts'

/** A survey series with its organization: what every page, command and API answer about it starts from. */
export interface Series {
  id: number
  code: string
  title: Translated
  description: Partial<Translated>
  purpose: SeriesPurpose
  organizationId: number
  organizationSlug: string
  organizationName: string
  organizationNames: Partial<Translated>
  /** The organization's Portuguese (Brazil's or Portugal's) for readers who ask for plain Portuguese. */
  portuguese: 'pt-BR' | 'pt-PT'
}

/**
 * The one series lookup: by its code within an organization, named by id (staff, who belong to one)
 * or by slug (public addresses and the API). Callers check the purpose they serve.
 */
export async function findSeries(
  db: Db,
  organization: { id: number } | { slug: string },
  code: string,
): Promise<Series | undefined> {
  let query = db
    .selectFrom('survey_series as s')
    .innerJoin('organization as o', 'o.id', 's.organization_id')
    .select([
      's.id',
      's.code',
      's.title',
      's.description',
      's.purpose',
      'o.id as organizationId',
      'o.slug as organizationSlug',
      'o.name as organizationName',
      'o.names as organizationNames',
      'o.portuguese',
    ])
    .where('s.code', '=', code)
  query =
    'id' in organization
      ? query.where('o.id', '=', organization.id)
      : query.where('o.slug', '=', organization.slug)
  return query.executeTakeFirst()
}

/**
 * A perception series (the citizen survey), or undefined: a feedback questionnaire is answered and
 * read through its partner projects, never as citizen results, weighting or the trends API.
 */
export async function findPerceptionSeries(
  db: Db,
  organization: { id: number } | { slug: string },
  code: string,
): Promise<Series | undefined> {
  const series = await findSeries(db, organization, code)
  return series?.purpose === 'perception' ? series : undefined
}
