import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// A wave's strata as a list staff define (a typed "san_blas" is matched to "San Blas", never a second
// stratum), and what its invitation letters carry: the city's address block, a deadline, and the
// opening paragraph per language where the staff write their own.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table wave add column strata text[] not null default '{}'`.execute(db)
  await sql`alter table wave add column letter jsonb not null default '{}'::jsonb`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table wave drop column letter`.execute(db)
  await sql`alter table wave drop column strata`.execute(db)
}
