import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// An organization's choice to show its published results on the network page (cities hosted by the
// same instance, such as a network of cities, compared per indicator). Off unless its admin opts in.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table organization add column network_opt_in boolean not null default false`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table organization drop column network_opt_in`.execute(db)
}
