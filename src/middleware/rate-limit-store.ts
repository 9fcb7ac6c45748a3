import { createHmac } from 'node:crypto'
import { sql } from 'kysely'
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit'
import type { Db } from '../db/database.ts'

/**
 * express-rate-limit's counters in PostgreSQL, so that every instance behind one address counts the
 * same hits. Keys are HMACs of the client address: the table never holds an IP address.
 */
/** The most hits one instance keeps in memory for a key before writing them, and for how long. */
const MAX_BATCH = 100
const MAX_BATCH_AGE_MS = 1_000
const MAX_KEYS_IN_MEMORY = 10_000

export class PostgresRateLimitStore implements Store {
  #windowMs = 60_000
  #limit = 0
  readonly localKeys = false

  readonly #db: Db
  readonly #name: string
  readonly #secret: Buffer
  // The shared count as last written, and hits not written yet (see #batch).
  readonly #known = new Map<string, { hits: number; windowStartedAt: number }>()
  readonly #pending = new Map<string, { hits: number; since: number }>()
  // Decrements being written (a request that did not count, such as a correct code): the next hit of
  // the same address waits for them, so it is never counted against a request that did not count.
  readonly #decrements = new Map<string, Promise<unknown>>()

  constructor(db: Db, name: string, secret: Buffer) {
    this.#db = db
    this.#name = name
    this.#secret = secret
  }

  init(options: Options): void {
    this.#windowMs = options.windowMs
    this.#limit = typeof options.limit === 'number' ? options.limit : 0
  }

  /**
   * Hits counted in memory between writes: 2% of the limit (so limits hold across instances within
   * that margin, exactly for small limits), at most 100 and never older than a second. Every request
   * of one address updates the same row, and writing each would queue them all on its lock.
   */
  get #batch() {
    return this.#limit > 0 ? Math.max(1, Math.min(MAX_BATCH, Math.floor(this.#limit / 50))) : 1
  }

  #key(key: string) {
    return `${this.#name}:${createHmac('sha256', this.#secret).update(key).digest('base64url')}`
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const k = this.#key(key)
    await this.#decrements.get(k)?.catch(() => {})
    const nowMs = Date.now()
    const known = this.#known.get(k)
    const pending = this.#pending.get(k) ?? { hits: 0, since: nowMs }
    pending.hits += 1
    if (
      known &&
      pending.hits < this.#batch &&
      nowMs - pending.since < MAX_BATCH_AGE_MS &&
      known.windowStartedAt + this.#windowMs > nowMs
    ) {
      this.#pending.set(k, pending)
      return {
        totalHits: known.hits + pending.hits,
        resetTime: new Date(known.windowStartedAt + this.#windowMs),
      }
    }
    this.#pending.delete(k)
    const now = new Date(nowMs)
    const expired = new Date(nowMs - this.#windowMs)
    const { rows } = await sql<{ hits: number; window_started_at: Date }>`
      insert into rate_limit (key, window_started_at, hits) values (${k}, ${now}, ${pending.hits})
      on conflict (key) do update set
        hits = case when rate_limit.window_started_at <= ${expired} then ${pending.hits} else rate_limit.hits + ${pending.hits} end,
        window_started_at = case when rate_limit.window_started_at <= ${expired} then ${now} else rate_limit.window_started_at end
      returning hits, window_started_at`.execute(this.#db)
    const row = rows[0]!
    const windowStartedAt = new Date(row.window_started_at).getTime()
    if (this.#known.size >= MAX_KEYS_IN_MEMORY) this.#known.clear()
    if (this.#batch > 1) this.#known.set(k, { hits: Number(row.hits), windowStartedAt })
    return { totalHits: Number(row.hits), resetTime: new Date(windowStartedAt + this.#windowMs) }
  }

  async decrement(key: string): Promise<void> {
    const k = this.#key(key)
    const pending = this.#pending.get(k)
    if (pending && pending.hits > 0) {
      pending.hits -= 1
      return
    }
    const written = sql`update rate_limit set hits = greatest(hits - 1, 0) where key = ${k}`.execute(this.#db)
    this.#decrements.set(k, written)
    try {
      await written
    } finally {
      if (this.#decrements.get(k) === written) this.#decrements.delete(k)
    }
  }

  async resetKey(key: string): Promise<void> {
    const k = this.#key(key)
    this.#known.delete(k)
    this.#pending.delete(k)
    await sql`delete from rate_limit where key = ${k}`.execute(this.#db)
  }
}
