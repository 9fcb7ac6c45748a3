import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Logger } from '../logger.ts'
import { foldNewResponses } from './results.repository.ts'
import { STATUSES_WITH_RESULTS } from '../series/wave-rules.ts'

/**
 * Folds new responses into the tallies in the background, at start and then every `intervalMs`, so
 * that no reader's request ever writes (readers add the few responses not folded yet on the fly).
 * Instances may all run one: folds of a wave queue on its tally_state row.
 */
export function startTallyKeeper(db: Db, log: Logger, intervalMs = 5000) {
  let running: Promise<void> | undefined
  let stopped = false
  async function sweep() {
    // The partial index response_untallied makes this an index scan of the few untallied rows.
    const { rows } = await sql<{ wave_id: number }>`
      select distinct r.wave_id from response r join wave w on w.id = r.wave_id
      where not r.tallied and w.status in (${sql.join(STATUSES_WITH_RESULTS)})`.execute(db)
    for (const { wave_id } of rows) await foldNewResponses(db, wave_id)
  }
  const tick = () => {
    if (stopped || running) return
    running = sweep()
      .catch((error: unknown) => log.error({ err: error }, 'folding new responses into the tallies failed'))
      .finally(() => (running = undefined))
  }
  tick()
  const timer = setInterval(tick, intervalMs)
  timer.unref()
  return {
    /** Folds every wave's new responses now (tests, and a final pass before stopping). */
    sweep,
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    },
  }
}
