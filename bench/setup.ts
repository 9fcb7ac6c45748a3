import { randomBytes } from 'node:crypto'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { createApp } from '../src/app.ts'
import { openDatabase, type Db } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { perceptionQuestionnaire } from '../src/demo/perception-questionnaire.ts'
import {
  insertOrganization,
  insertQuestions,
  insertSeries,
  insertWave,
} from '../src/questionnaire/questionnaire.repository.ts'
import { createServices } from '../src/services.ts'
import { createLogger } from '../src/logger.ts'
import type { ResultsChanges } from '../src/results/results-changes.ts'

/** A freshly migrated schema of its own on the server, dropped by `drop()`. */
export async function benchSchema(url: string, prefix: string) {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`
  const admin = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
  })
  await sql`create schema ${sql.id(schema)}`.execute(admin)
  const db = openDatabase({ kind: 'postgres', url, searchPath: schema, poolSize: 10 })
  await migrateToLatest(db, schema)
  return {
    schema,
    db,
    drop: async () => {
      await db.destroy().catch(() => {})
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin)
      await admin.destroy()
    },
  }
}

/** The bench city's perception series (`/s/bench-city/perception`). */
export async function benchSeries(db: Db): Promise<number> {
  const organizationId = await insertOrganization(db, { slug: 'bench-city', name: 'Bench City' })
  return insertSeries(db, {
    organizationId,
    code: 'perception',
    title: { es: 'Percepción', fr: 'Perception', pt: 'Perceção' },
  })
}

/** The bench series with one 2026 wave of the demo's perception questionnaire. */
export async function benchSurvey(db: Db, status: 'open' | 'closed' = 'open') {
  const seriesId = await benchSeries(db)
  const waveId = await insertWave(db, { seriesId, year: 2026, status })
  await insertQuestions(db, waveId, perceptionQuestionnaire)
  return { seriesId, waveId }
}

/** The app as production runs it, with submission limits out of the way of the load. */
export function benchApp(db: Db, resultsChanges?: ResultsChanges) {
  return createApp(
    createServices(db, { secret: 'x'.repeat(32), ...(resultsChanges ? { resultsChanges } : {}) }),
    {
      production: true,
      trustProxy: 'false',
      submitRateLimit: { limit: 100_000_000, windowMs: 60_000 },
      logger: createLogger({ level: 'silent' }),
    },
  )
}

/** The cookies a response sets, as `name=value` pairs. */
export const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]!)

/** A citizen who has started the bench survey: the cookies their first question page needs, and a form token. */
export async function startedRespondent(serverUrl: string) {
  const start = await fetch(`${serverUrl}/s/bench-city/perception`)
  const cookies = cookiesOf(start).join('; ')
  const token = /name="_csrf" value="([^"]+)"/.exec(await start.text())![1]!
  const started = await fetch(`${serverUrl}/s/bench-city/perception/start`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
    body: `_csrf=${encodeURIComponent(token)}`,
  })
  return { cookie: [cookies, ...cookiesOf(started)].join('; '), token }
}
