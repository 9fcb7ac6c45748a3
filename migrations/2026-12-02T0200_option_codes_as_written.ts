import { sql, type Kysely } from 'kysely'

// Frozen in time: never import application code here. Option codes are kept as XLSForms write them
// (`Centro`, `16-29`, `65+`): 1-40 characters, no spaces and no quotes (the application checks letters,
// digits and _ . + -; the database what any locale agrees on).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table question_option drop constraint question_option_code_check`.execute(db)
  await sql`alter table question_option add constraint question_option_code_check
    check (char_length(code) between 1 and 40 and code !~ '[[:space:]"'']')`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update question_option set code = lower(regexp_replace(code, '[^A-Za-z0-9_]', '_', 'g'))
    where code !~ '^[a-z0-9][a-z0-9_]{0,39}$'`.execute(db)
  await sql`alter table question_option drop constraint question_option_code_check`.execute(db)
  await sql`alter table question_option add constraint question_option_code_check
    check (code ~ '^[a-z0-9][a-z0-9_]{0,39}$')`.execute(db)
}
