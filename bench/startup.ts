// Start-up: from spawning the server to its first `/readyz` 200, run from TypeScript under tsx (as
// `npm run dev` does) and from the build (as `npm start` does), on an embedded data folder that
// already exists and on the PostgreSQL server. Median of `runs`, each in a fresh process.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function startOnce(command: string[], env: Record<string, string>, port: number): Promise<number> {
  const started = performance.now()
  const child = spawn(process.execPath, command, {
    cwd: root,
    env: { PATH: process.env.PATH!, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: 'ignore',
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try {
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200)
          return performance.now() - started
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 60_000) throw new Error(`${command.join(' ')} did not start`)
      await sleep(10)
    }
  } finally {
    child.kill('SIGTERM')
    await exited
  }
}

export async function startupBenchmark(databaseUrl: string, runs = 5) {
  const building = performance.now()
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stdout}${build.stderr}`)
  const buildSeconds = (performance.now() - building) / 1000
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pulso-bench-startup-'))
  const port = 23_000 + Math.floor(Math.random() * 5_000)
  const ways = {
    tsx: ['--import', 'tsx', 'src/server.ts'],
    built: ['dist/server.js'],
  }
  const where = { embedded: { DATA_DIR: dataDir }, postgres: { DATABASE_URL: databaseUrl } }
  const results: Record<string, number> = {}
  try {
    // The first start creates the embedded database (initdb): not what a restart costs.
    await startOnce(ways.built, where.embedded, port)
    for (const [database, env] of Object.entries(where))
      for (const [way, command] of Object.entries(ways)) {
        const times: number[] = []
        for (let i = 0; i < runs; i++) times.push(await startOnce(command, env, port))
        results[`${way} ${database}`] = median(times)
      }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
  return { buildSeconds, results }
}
