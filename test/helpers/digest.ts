import { sql } from 'kysely'
import type { Db } from '../../src/db/database.ts'

/** Every table Pulso keeps, by name. */
export const ALL_TABLES = [
  'organization',
  'survey_series',
  'wave',
  'question',
  'question_option',
  'response',
  'answer',
  'survey_draft',
  'staff_user',
  'staff_session',
  'sign_in_failure',
  'audit_log',
  'indicator',
  'population_margin',
  'rate_limit',
  'tally_state',
  'profile_tally',
  'answer_tally',
  'tally_shift',
  'invitation_batch',
  'invitation',
  'instance_key',
  'trend_comparison',
  'api_token',
  'partner_project',
  'feedback',
  'feedback_answer',
  'feedback_contact',
]

/** A fingerprint of the tables' contents: equal digests, nothing written. */
export async function digest(db: Db, tables: string[] = ALL_TABLES): Promise<string[]> {
  const out: string[] = []
  for (const table of tables) {
    const { rows } = await sql<{
      d: string
    }>`select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as d
      from ${sql.table(table)} x`.execute(db)
    out.push(`${table}:${rows[0]!.d}`)
  }
  return out
}
