import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here.
// Number answers are tallied as differences from one value per wave and question (the smallest seen at
// the first fold), so that sums of squares of large, close values (1e8, 1e8 + 1, ...) keep their
// variance in double precision. Tallies folded before this migration used 0.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table tally_shift (
    wave_id integer not null references wave (id) on delete cascade,
    question_id integer not null references question (id) on delete cascade,
    shift double precision not null,
    primary key (wave_id, question_id)
  )`.execute(db)
  await sql`insert into tally_shift (wave_id, question_id, shift)
    select distinct wave_id, question_id, 0 from answer_tally where valued > 0`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table tally_shift`.execute(db)
}
