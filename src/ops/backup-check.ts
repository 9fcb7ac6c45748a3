// Backs up the database with pg_dump, restores it into a fresh database with pg_restore, and checks
// that every response and answer came back (`npm run cli -- backup:check`).
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

/** What must survive: responses and answers per wave, and a digest of the responses' keys. */
async function inventory(connectionString: string, searchPath: string | undefined) {
  const client = new pg.Client({
    connectionString,
    ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}),
  })
  await client.connect()
  try {
    const { rows } = await client.query(`
      select w.year, s.code as series,
        (select count(*) from response r where r.wave_id = w.id)::int as responses,
        (select count(*) from answer a where a.wave_id = w.id)::int as answers,
        (select md5(coalesce(string_agg(idempotency_key, ',' order by idempotency_key), '')) from response r where r.wave_id = w.id) as digest
      from wave w join survey_series s on s.id = w.series_id order by s.code, w.year`)
    return rows as { year: number; series: string; responses: number; answers: number; digest: string }[]
  } finally {
    await client.end()
  }
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
  try {
    const before = await inventory(url, schema)
    // libpq reads a URL's search_path option differently from node-postgres; the schema is explicit.
    const source = new URL(url)
    source.searchParams.delete('options')
    run('pg_dump', [
      '--format=custom',
      '--no-owner',
      ...(schema ? ['--schema', schema] : []),
      '--file',
      dump,
      source.toString(),
    ])
    await admin.connect()
    await admin.query(`create database ${fresh}`)
    created = true
    const target = new URL(url)
    target.pathname = `/${fresh}`
    target.searchParams.delete('options')
    run('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', target.toString(), dump])
    const after = await inventory(target.toString(), schema)
    const responses = before.reduce((n, w) => n + w.responses, 0)
    return JSON.stringify(before) === JSON.stringify(after)
      ? {
          ok: true,
          message: `Restore complete: ${before.length} waves, ${responses} responses and every answer found in a fresh database.`,
        }
      : {
          ok: false,
          message: `Restore INCOMPLETE:\n  before ${JSON.stringify(before)}\n  after  ${JSON.stringify(after)}`,
        }
  } finally {
    if (created) await admin.query(`drop database ${fresh}`)
    await admin.end().catch(() => {})
    rmSync(work, { recursive: true, force: true })
  }
}
