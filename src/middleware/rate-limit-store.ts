import { createHmac } from 'node:crypto'
import { sql } from 'kysely'
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit'
import type { Db } from '../db/database.ts'

/**
 * express-rate-limit's counters in PostgreSQL, so that every instance behind one address counts the
 * same hits. Keys are HMACs of the client address: the table never holds an IP address.
 */
export class PostgresRateLimitStore implements Store {
  #windowMs = 60_000
  readonly localKeys = false

  readonly #db: Db
  readonly #name: string
  readonly #secret: Buffer

  constructor(db: Db, name: string, secret: Buffer) {
    this.#db = db
    this.#name = name
    this.#secret = secret
  }

  init(options: Options): void {
    this.#windowMs = options.windowMs
  }

  #key(key: string) {
    return `${this.#name}:${createHmac('sha256', this.#secret).update(key).digest('base64url')}`
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const now = new Date()
    const expired = new Date(now.getTime() - this.#windowMs)
    const { rows } = await sql<{ hits: number; window_started_at: Date }>`
      insert into rate_limit (key, window_started_at, hits) values (${this.#key(key)}, ${now}, 1)
      on conflict (key) do update set
        hits = case when rate_limit.window_started_at <= ${expired} then 1 else rate_limit.hits + 1 end,
        window_started_at = case when rate_limit.window_started_at <= ${expired} then ${now} else rate_limit.window_started_at end
      returning hits, window_started_at`.execute(this.#db)
    const row = rows[0]!
    return {
      totalHits: Number(row.hits),
      resetTime: new Date(new Date(row.window_started_at).getTime() + this.#windowMs),
    }
  }

  async decrement(key: string): Promise<void> {
    await sql`update rate_limit set hits = greatest(hits - 1, 0) where key = ${this.#key(key)}`.execute(
      this.#db,
    )
  }

  async resetKey(key: string): Promise<void> {
    await sql`delete from rate_limit where key = ${this.#key(key)}`.execute(this.#db)
  }
}
