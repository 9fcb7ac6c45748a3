import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// A series may cap raking weights at a multiple of the mean weight (N / n); null: no cap.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table survey_series add column weight_cap double precision check (weight_cap is null or weight_cap > 1)`.execute(
    db,
  )
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table survey_series drop column weight_cap`.execute(db)
}
