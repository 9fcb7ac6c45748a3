import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// A target per indicator: a value on the indicator's scale (a proportion for a share), the year it is
// for, whether the indicator should end at least or at most there, and why, per language. Changing it
// moves the series' results version (the indicator trigger), so kept pages show it at once.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table indicator add column target_value double precision`.execute(db)
  await sql`alter table indicator add column target_year integer`.execute(db)
  await sql`alter table indicator add column target_direction text not null default 'atLeast'
    check (target_direction in ('atLeast', 'atMost'))`.execute(db)
  await sql`alter table indicator add column target_reason jsonb not null default '{}'::jsonb`.execute(db)
  await sql`alter table indicator add constraint indicator_target_whole
    check ((target_value is null) = (target_year is null))`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table indicator drop constraint indicator_target_whole`.execute(db)
  for (const column of ['target_reason', 'target_direction', 'target_year', 'target_value'])
    await sql`alter table indicator drop column ${sql.ref(column)}`.execute(db)
}
