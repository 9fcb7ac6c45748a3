// Where a survey page's time goes: the app alone in this process, the load from an autocannon
// process of its own, so a CPU profile of this process holds the app and nothing else.
//   node --cpu-prof --cpu-prof-dir=/tmp/pulso-prof --import tsx bench/profile-page.ts
// (or `npm run bench:profile`); open the .cpuprofile in Chrome's DevTools or speedscope.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { listen } from './listen.ts'
import { benchApp, benchSchema, benchSurvey, startedRespondent } from './setup.ts'

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const { db, drop } = await benchSchema(url, 'bench_profile')
try {
  await benchSurvey(db)
  const server = await listen(benchApp(db))
  const { cookie } = await startedRespondent(server.url)
  const autocannon = createRequire(import.meta.url).resolve('autocannon/autocannon.js')
  const args = ['-c', '50', '-d', String(seconds), '-H', `cookie=${cookie}`]
  const child = spawn(process.execPath, [autocannon, ...args, `${server.url}/s/bench-city/perception/p/1`], {
    stdio: 'inherit',
  })
  await new Promise((done) => child.on('exit', done))
  server.close()
} finally {
  await drop()
}
