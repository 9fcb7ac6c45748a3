import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * Browser files first: they are the longest (a minute or more each on two cores), and a long file
 * started last keeps one worker busy while the other has nothing left (on a fresh clone, with no
 * durations recorded, vitest starts the largest files first, and the browser files are small ones).
 */
class BrowserFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]) {
    const sorted = await super.sort(files)
    const inBrowser = (file: TestSpecification) => file.moduleId.includes('/test/browser/')
    return [...sorted.filter(inBrowser), ...sorted.filter((file) => !inBrowser(file))]
  }
}

const LIGHTHOUSE = 'test/browser/lighthouse.browser.test.ts'

// Files run in parallel, one worker per core (at most 4: each worker starts its own embedded database,
// about 1 GB). Workers are not isolated: a worker's embedded database starts once and each test file
// gets a schema of its own, so files never see each other's rows. Lighthouse's file runs first and
// alone: its performance scores are timings, which the other files running beside it on two cores
// pushed below 100 (bench/RESULTS.md, session 15).
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: Math.min(4, Math.max(1, availableParallelism())),
    isolate: false,
    hookTimeout: 60_000,
    testTimeout: 30_000,
    env: { NODE_ENV: 'test' },
    projects: [
      {
        extends: true,
        test: { name: 'lighthouse', include: [LIGHTHOUSE], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'suite',
          // Drops the run's PostgreSQL schemas once its files are done (Lighthouse's run on PGlite only).
          globalSetup: ['test/global-setup.ts'],
          include: ['test/**/*.test.ts', `!${LIGHTHOUSE}`],
          sequence: { groupOrder: 1, sequencer: BrowserFilesFirst },
        },
      },
    ],
  },
})
