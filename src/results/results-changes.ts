import pg from 'pg'

/**
 * What this instance has heard of changes to public results: PostgreSQL's triggers notify channel
 * `pulso_results` on every change a public results page can show (migration public_results_notify),
 * and every instance listens on a connection of its own. A kept page is then answered without a query,
 * yet a change committed anywhere shows on the next view (see `heard`).
 */
export interface ResultsChanges {
  /** Moves whenever a change may have been made; also when the feed was lost (nothing can be trusted). */
  readonly generation: number
  /**
   * True once every change committed before this call has been heard: one round trip on the listening
   * connection (notifications arrive before its answer), shared by every request that arrives while
   * it is out. False when the feed cannot say (not connected): ask the database.
   */
  heard(): Promise<boolean>
  close(): Promise<void>
}

/** After losing its connection, the feed tries again no sooner than this (ms); requests query meanwhile. */
const RETRY_MS = 1000

/** Listens on a PostgreSQL server (`searchPath`: the schema whose changes count; others' are ignored). */
export function listenForResultsChanges(target: { url: string; searchPath?: string }): ResultsChanges {
  let generation = 0
  let client: pg.Client | undefined
  let connecting: Promise<pg.Client | undefined> | undefined
  let closed = false
  let inFlight: Promise<boolean> | undefined
  let next: Promise<boolean> | undefined

  const lose = (lost: pg.Client) => {
    generation++
    if (client === lost) client = undefined
    lost.end().catch(() => {})
    // Not before RETRY_MS: a server that is down would otherwise be dialled by every request.
    setTimeout(() => (connecting = undefined), RETRY_MS).unref()
  }

  const connect = () =>
    (connecting ??= (async () => {
      if (closed) return undefined
      const candidate = new pg.Client({
        connectionString: target.url,
        connectionTimeoutMillis: 5000,
        application_name: `pulso results feed${target.searchPath ? ` ${target.searchPath}` : ''}`,
      })
      candidate.on('notification', (message) => {
        if (!target.searchPath || !message.payload || message.payload === target.searchPath) generation++
      })
      candidate.on('error', () => lose(candidate))
      candidate.on('end', () => lose(candidate))
      try {
        await candidate.connect()
        await candidate.query('listen pulso_results')
        if (closed) throw new Error('closed')
        // Whatever was kept before this connection may have missed changes: start afresh.
        generation++
        client = candidate
        return candidate
      } catch {
        lose(candidate)
        return undefined
      }
    })())

  const roundTrip = (): Promise<boolean> => {
    const listening = client
    if (!listening) return Promise.resolve(false)
    const trip: Promise<boolean> = listening.query('select 1').then(
      () => client === listening,
      () => false,
    )
    inFlight = trip
    void trip.finally(() => {
      if (inFlight === trip) inFlight = undefined
    })
    return trip
  }

  return {
    get generation() {
      return generation
    },
    async heard() {
      if (!client) await connect()
      if (!client) return false
      // A round trip already out left before this request arrived: wait for the next one, which
      // everybody arriving meanwhile shares.
      if (!inFlight) return roundTrip()
      return (next ??= inFlight.then(() => {
        next = undefined
        return roundTrip()
      }))
    },
    async close() {
      closed = true
      const open = client ?? (await connecting)
      client = undefined
      await open?.end().catch(() => {})
    },
  }
}
