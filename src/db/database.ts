import { mkdirSync } from 'node:fs'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { PGlite } from '@electric-sql/pglite'
import type { Database } from './schema.ts'
import { lockDataFolder } from './data-folder-lock.ts'
import { SerializedPGliteDialect } from './serialized-pglite-dialect.ts'

export type Db = Kysely<Database>

export type DatabaseTarget =
  | {
      kind: 'postgres'
      url: string
      searchPath?: string
      poolSize?: number
      /** Longest a statement may run, in ms (0 or unset: no limit, as operator commands need). */
      statementTimeoutMs?: number
      /** Told when an idle or busy client loses its server (the pool recovers by itself). */
      onError?: (error: Error) => void
    }
  | {
      kind: 'pglite'
      dataDir: string | undefined
      pglite?: PGlite
      searchPath?: string
      /** Who opens the folder, as another process would be told ("Pulso's server on port 3000"). */
      holder?: string
    }

const INT8 = 20

// pg returns bigint as text and PGlite as a number; ours never exceed 2^53, so both give numbers.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown
  },
}

/** Opens the database the configuration names: a PostgreSQL server, or embedded PGlite in a folder. */
export function openDatabase(target: DatabaseTarget): Db {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      types: pgTypes,
      // A server that does not answer fails the request in 5 s (a 503), never hangs it.
      connectionTimeoutMillis: 5000,
      ...(target.statementTimeoutMs ? { statement_timeout: target.statementTimeoutMs } : {}),
      ...(target.searchPath ? { options: `-c search_path=${target.searchPath}` } : {}),
    })
    // A client losing its server (restart, failover) must not crash the process: idle clients report
    // to the pool, clients in use to themselves; the query in flight fails and the page says 503.
    const onError = (error: Error) => target.onError?.(error)
    pool.on('error', onError)
    pool.on('connect', (client) => client.on('error', onError))
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  }
  // One process at a time: a second one is refused here, before it opens anything.
  const release =
    target.dataDir && !target.pglite
      ? lockDataFolder(target.dataDir, target.holder ?? `a Pulso process`)
      : undefined
  // PGlite (about 45 MB once loaded) is imported only when the embedded database is chosen.
  let opening: Promise<PGlite> | undefined
  const pglite =
    target.pglite ??
    (() =>
      (opening ??= import('@electric-sql/pglite').then(({ PGlite }) => {
        if (target.dataDir) mkdirSync(target.dataDir, { recursive: true })
        return new PGlite(target.dataDir ?? 'memory://', { parsers: { [INT8]: (v: string) => Number(v) } })
      })))
  return new Kysely<Database>({
    dialect: new SerializedPGliteDialect({ pglite, searchPath: target.searchPath, onDestroy: release }),
  })
}

/** True when the database answers a trivial query. */
export async function isDatabaseReachable(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db)
    return true
  } catch {
    return false
  }
}
