import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Translated } from '../questionnaire/translated.ts'
import { PUBLISHED_STATUSES } from '../series/wave-rules.ts'

export interface NetworkMember {
  organizationId: number
  slug: string
  name: string
  names: Partial<Translated>
  seriesId: number
  seriesCode: string
}

/** The perception series with published results of the organizations that chose to appear. */
export async function networkMembers(db: Db): Promise<NetworkMember[]> {
  const { rows } = await sql<NetworkMember>`
    select o.id as "organizationId", o.slug, o.name, o.names, s.id as "seriesId", s.code as "seriesCode"
    from organization o join survey_series s on s.organization_id = o.id
    where o.network_opt_in and s.purpose = 'perception'
      and exists (select 1 from wave w where w.series_id = s.id and w.status in (${sql.join(PUBLISHED_STATUSES)}))
    order by o.slug, s.code`.execute(db)
  return rows
}

export async function setNetworkOptIn(db: Db, organizationId: number, optIn: boolean): Promise<void> {
  await db
    .updateTable('organization')
    .set({ network_opt_in: optIn })
    .where('id', '=', organizationId)
    .execute()
}

export async function networkOptIn(db: Db, organizationId: number): Promise<boolean> {
  const row = await db
    .selectFrom('organization')
    .select('network_opt_in')
    .where('id', '=', organizationId)
    .executeTakeFirst()
  return row?.network_opt_in ?? false
}
