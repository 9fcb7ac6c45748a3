import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here. Which Portuguese an organization's citizens
// read when they ask for Portuguese without saying which: Brazil's (the default) or Portugal's.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table organization add column portuguese text not null default 'pt-BR'
    check (portuguese in ('pt-BR', 'pt-PT'))`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table organization drop column portuguese`.execute(db)
}
