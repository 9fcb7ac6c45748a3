import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// Confirming (or withdrawing) a break in the series changes which changes between waves are computed:
// it moves the series' results version too, so no cached result keeps a change across a break.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create trigger question_break_results_changed after update of break_in_series on question
    for each row when (old.break_in_series is distinct from new.break_in_series)
    execute function pulso_results_changed()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger question_break_results_changed on question`.execute(db)
}
