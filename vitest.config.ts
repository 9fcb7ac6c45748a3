import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

// Files run in parallel, one worker per core (at most 4: each worker starts its own embedded database,
// about 1 GB). Workers are not isolated: a worker's embedded database starts once and each test file
// gets a schema of its own, so files never see each other's rows.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: Math.min(4, Math.max(1, availableParallelism())),
    isolate: false,
    hookTimeout: 60_000,
    testTimeout: 30_000,
    env: { NODE_ENV: 'test' },
  },
})
