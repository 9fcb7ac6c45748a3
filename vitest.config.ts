import { defineConfig } from 'vitest/config'

// One worker without isolation: the embedded database starts once and each test file gets its own schema.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    isolate: false,
    hookTimeout: 60_000,
    testTimeout: 30_000,
    env: { NODE_ENV: 'test' },
  },
})
