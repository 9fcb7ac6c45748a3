import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// Another city's published trend file (pulso-trends v1), kept to compare shared indicators side by
// side; nothing of that city's microdata is ever needed.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table trend_comparison (
    id serial primary key,
    series_id integer not null references survey_series (id) on delete cascade,
    city text not null,
    document jsonb not null,
    added_by integer references staff_user (id),
    added_at timestamptz not null default now()
  )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table trend_comparison`.execute(db)
}
