// Backs up the database with pg_dump, restores it into a fresh database with pg_restore, and checks
// that every table that matters came back with the same rows (`npm run cli -- backup:check`).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr.trim()}`)
}

// Every table whose rows matter; rate-limit counters and sessions are left out (they may change
// between the snapshot and the check, and nobody needs them back).
export const TABLES_THAT_MATTER = [
  'organization',
  'survey_series',
  'wave',
  'question',
  'question_option',
  'response',
  'answer',
  'survey_draft',
  'staff_user',
  'audit_log',
  'indicator',
  'population_margin',
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
  'mail_recipient',
  'mail_message',
  'staff_link',
  'staff_mail',
  'staff_recovery_code',
  'brief',
]

type Inventory = { table: string; rows: number; digest: string }[]

/** A table's row count and a digest of its whole content: equal digests, the same rows. */
export const contentDigestQuery = (table: string) =>
  `select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ${table} t`

/** Each table's row count and a digest of its whole content, read in the snapshot `snapshot` if given. */
async function inventory(client: pg.Client): Promise<Inventory> {
  const out: Inventory = []
  for (const table of TABLES_THAT_MATTER) {
    const { rows } = await client.query<{ rows: number; digest: string }>(contentDigestQuery(table))
    out.push({ table, rows: rows[0]!.rows, digest: rows[0]!.digest })
  }
  return out
}

const connect = async (connectionString: string, searchPath: string | undefined) => {
  const client = new pg.Client({
    connectionString,
    ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}),
  })
  await client.connect()
  return client
}

/** Dumps `url` (or one schema of it), restores into a fresh database, compares; drops the copy. */
export async function backupCheck(
  url: string,
  schema: string | undefined,
): Promise<{ ok: boolean; message: string }> {
  const work = mkdtempSync(path.join(tmpdir(), 'pulso-backup-'))
  const dump = path.join(work, 'pulso.dump')
  const fresh = `pulso_restore_check_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: url })
  let created = false
  // The inventory and the dump read one snapshot, so answers arriving meanwhile change neither.
  const live = await connect(url, schema)
  try {
    await live.query('begin isolation level repeatable read')
    const snapshot = (await live.query<{ id: string }>('select pg_export_snapshot() as id')).rows[0]!.id
    const before = await inventory(live)
    // libpq reads a URL's search_path option differently from node-postgres; the schema is explicit.
    const source = new URL(url)
    source.searchParams.delete('options')
    run('pg_dump', [
      '--format=custom',
      '--no-owner',
      `--snapshot=${snapshot}`,
      ...(schema ? ['--schema', schema] : []),
      '--file',
      dump,
      source.toString(),
    ])
    await live.query('commit')
    await admin.connect()
    await admin.query(`create database ${fresh}`)
    created = true
    const target = new URL(url)
    target.pathname = `/${fresh}`
    target.searchParams.delete('options')
    run('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', target.toString(), dump])
    const restored = await connect(target.toString(), schema)
    const after = await inventory(restored).finally(() => restored.end())
    const differ = before.filter((b, i) => b.rows !== after[i]!.rows || b.digest !== after[i]!.digest)
    const count = (table: string) => before.find((b) => b.table === table)!.rows
    return differ.length === 0
      ? {
          ok: true,
          message: `Restore complete: all ${TABLES_THAT_MATTER.length} tables came back identical in a fresh database (${count('wave')} waves, ${count('response')} responses, ${count('answer')} answers, ${count('feedback')} feedback entries, ${count('staff_user')} staff, ${count('invitation')} invitations, ${count('audit_log')} audit entries).`,
        }
      : {
          ok: false,
          message: `Restore INCOMPLETE: ${differ
            .map(
              (b) =>
                `${b.table} (${b.rows} rows before, ${after.find((a) => a.table === b.table)!.rows} after${b.rows === after.find((a) => a.table === b.table)!.rows ? ', different content' : ''})`,
            )
            .join('; ')}`,
        }
  } finally {
    await live.end().catch(() => {})
    if (created) await admin.query(`drop database ${fresh}`)
    await admin.end().catch(() => {})
    rmSync(work, { recursive: true, force: true })
  }
}
