import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import { PUBLISHED_STATUSES } from './wave-rules.ts'

/** Series with at least one closed wave (published results), across organizations. */
export async function listPublishedSeries(db: Db) {
  return db
    .selectFrom('survey_series as s')
    .innerJoin('organization as o', 'o.id', 's.organization_id')
    .innerJoin('wave as w', 'w.series_id', 's.id')
    .select([
      'o.slug as organization',
      'o.name as organizationName',
      's.code as series',
      's.title',
      sql<number[]>`array_agg(w.year order by w.year)`.as('waves'),
    ])
    .where('w.status', 'in', PUBLISHED_STATUSES)
    .where('s.purpose', '=', 'perception')
    .groupBy(['o.slug', 'o.name', 's.code', 's.title'])
    .orderBy('o.slug')
    .orderBy('s.code')
    .execute()
}
