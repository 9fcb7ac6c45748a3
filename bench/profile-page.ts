// Where a page's time goes: the app alone in this process, the load from an autocannon process of
// its own, so a CPU profile of this process holds the app and nothing else.
//   node --cpu-prof --cpu-prof-dir=/tmp/pulso-prof --import tsx bench/profile-page.ts [survey|results]
// (or `npm run bench:profile -- results`); open the .cpuprofile in Chrome's DevTools or speedscope.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { foldNewResponses } from '../src/results/results.repository.ts'
import { listenForResultsChanges } from '../src/results/results-changes.ts'
import { listen } from './listen.ts'
import { benchApp, benchSchema, benchSurvey, startedRespondent } from './setup.ts'
import { trendSeries } from './trends.ts'

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const which = process.argv[2] === 'results' ? 'results' : 'survey'
const { db, schema, drop } = await benchSchema(url, 'bench_profile')
const changes = listenForResultsChanges({ url, searchPath: schema })
try {
  let page: string
  const headers: string[] = []
  if (which === 'results') {
    // The public results page by district after a press release: kept in memory, brotli for browsers.
    const { waveIds } = await trendSeries(db, 2_000)
    for (const waveId of waveIds) await foldNewResponses(db, waveId)
    page = '/s/bench-city/perception/results?by=district&lang=es'
    headers.push('-H', 'accept-encoding=gzip, deflate, br')
  } else {
    await benchSurvey(db)
    page = '/s/bench-city/perception/p/1'
  }
  const server = await listen(benchApp(db, changes))
  if (which === 'survey') headers.push('-H', `cookie=${(await startedRespondent(server.url)).cookie}`)
  // Warm: the load measures the kept page, not its first rendering.
  await fetch(server.url + page)
  const autocannon = createRequire(import.meta.url).resolve('autocannon/autocannon.js')
  const child = spawn(
    process.execPath,
    [autocannon, '-c', '50', '-d', String(seconds), ...headers, server.url + page],
    {
      stdio: 'inherit',
    },
  )
  await new Promise((done) => child.on('exit', done))
  server.close()
} finally {
  await changes.close()
  await drop()
}
