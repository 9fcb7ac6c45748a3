// Benchmarks: `npm run bench` (needs the PostgreSQL server at BENCH_DATABASE_URL, default the local one).
// Each figure is measured against a baseline in the same run, so ratios mean something on a noisy machine.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import ejs from 'ejs'
import express from 'express'
import { sql } from 'kysely'
import { openDatabase } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { createTranslator } from '../src/i18n/i18n.ts'
import { formattersFor } from '../src/i18n/formatters.ts'
import { questionsOnStep, shownSteps } from '../src/questionnaire/questionnaire.ts'
import { pageProgress, questionPageViewModel } from '../src/survey/question-page.view-model.ts'
import { loadQuestionnaire } from '../src/survey/survey.repository.ts'
import { listen } from './listen.ts'
import { benchApp, benchSchema, benchSurvey, startedRespondent } from './setup.ts'
import { exportBenchmark } from './export.ts'
import { lighthouseBenchmark } from './lighthouse.ts'
import { loadBenchmark } from './load.ts'
import { startupBenchmark } from './startup.ts'
import { submissionBenchmark } from './submissions.ts'
import { publicResultsBenchmark, trendBenchmark } from './trends.ts'
import { pageWeights } from './weights.ts'
import { startAppProcess } from '../test/helpers/app-process.ts'
import { bombWorkbook, wideWorkbook, withLyingSizes } from '../test/fixtures/hostile-workbooks.ts'
import { staticAssets } from '../src/http/assets.ts'
import type { Locale } from '../src/i18n/locales.ts'

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const seconds = Number(process.env.BENCH_SECONDS ?? 10)

const pageRounds = Number(process.env.BENCH_PAGE_ROUNDS ?? 3)

type Load = Awaited<ReturnType<typeof load>>
async function load(target: string, headers: Record<string, string> = {}) {
  const result = await autocannon({ url: target, connections: 50, duration: seconds, headers })
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  }
}

async function surveyPageBenchmark() {
  const { db, drop } = await benchSchema(url, 'bench_page')
  try {
    const { waveId } = await benchSurvey(db)
    const app = benchApp(db)
    const server = await listen(app)
    // A citizen's first question page, with its cookies: the page the press announcement sends people to.
    const { cookie: allCookies, token } = await startedRespondent(server.url)
    const pageUrl = `${server.url}/s/bench-city/perception/p/1`
    const html = await (await fetch(pageUrl, { headers: { cookie: allCookies } })).text()

    // Baseline: bare Express + EJS rendering the same HTML from memory.
    const template = ejs.compile('<%- html %>')
    const bare = express()
    bare.get('/', (_req, res) => {
      res.type('html').send(template({ html }))
    })
    // Second baseline: bare Express + EJS rendering our page and layout templates from a view model in
    // memory (what the page costs without the database, sessions, CSRF and language negotiation).
    const t = createTranslator({ strict: false }).getFixedT('es')
    const questionnaire = await loadQuestionnaire(db, waveId)
    const progress = pageProgress(questionnaire, shownSteps(questionnaire, {}), '1')
    const pageName = t('survey.page.progress', { page: progress.pageNumber })
    const locals = {
      lang: 'es',
      t,
      format: formattersFor('es'),
      languageLinks: (['es', 'fr', 'pt'] as const).map((lng) => ({
        lang: lng,
        href: `/s/bench-city/perception/p/1?lang=${lng}`,
        current: lng === 'es',
      })),
      csrfToken: token,
      title: `Bench: ${pageName}`,
      seriesTitle: 'Bench',
      pageName,
      done: progress.done,
      doneText: t('survey.page.done', { percent: formattersFor('es').percent(progress.done, 0) }),
      action: '/s/bench-city/perception/p/1',
      backHref: '/s/bench-city/perception',
      isLast: false,
      wholePageField: '_whole_page',
      ...questionPageViewModel({
        questions: questionsOnStep(questionnaire, '1', {}),
        answers: {},
        language: 'es',
        t,
      }),
    }
    const templated = express()
    templated.set('views', path.resolve(import.meta.dirname, '../views'))
    templated.set('view engine', 'ejs')
    templated.set('view cache', true)
    templated.locals.asset = staticAssets(path.resolve(import.meta.dirname, '../public')).asset
    templated.get('/', (_req, res, next) => {
      res.render('survey/page', locals, (error: Error | null, body?: string) => {
        if (error) return next(error)
        res.render('layouts/page', { ...locals, body })
      })
    })
    // Pulso's pages are no-store and send no ETag; the baselines do the same, so no side hashes its body.
    bare.set('etag', false)
    templated.set('etag', false)
    const baseline = await listen(bare)
    const templateBaseline = await listen(templated)
    const templateBytes = Buffer.byteLength(await (await fetch(templateBaseline.url)).text())
    // Interleaved rounds: on a shared machine the CPU on offer drifts within minutes, so each round
    // measures the three side by side and the figures are the rounds' medians.
    const rounds: { base: Load; fromTemplates: Load; ours: Load }[] = []
    for (let round = 0; round < pageRounds; round++) {
      const base = await load(baseline.url)
      const fromTemplates = await load(templateBaseline.url)
      const ours = await load(pageUrl, { cookie: allCookies })
      rounds.push({ base, fromTemplates, ours })
    }
    baseline.close()
    templateBaseline.close()
    server.close()
    const medianOf = (pick: (r: (typeof rounds)[number]) => Load) =>
      rounds.map(pick).sort((a, b) => a.rps - b.rps)[Math.floor(rounds.length / 2)]!
    const ratios = rounds.map((r) => r.ours.rps / r.fromTemplates.rps).sort((a, b) => a - b)
    return {
      base: medianOf((r) => r.base),
      fromTemplates: medianOf((r) => r.fromTemplates),
      ours: medianOf((r) => r.ours),
      ratios,
      bytes: Buffer.byteLength(html),
      templateBytes,
    }
  } finally {
    await drop()
  }
}

/** `npm start` on the embedded database, from spawning Node to `/readyz` answering 200: first on a new data folder, then again. */
async function processStart(runs = 5) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulso-bench-start-'))
  const port = 3990
  const timeToReady = async () => {
    const begin = performance.now()
    const app = await startAppProcess({ dataDir: dir, port })
    const ms = performance.now() - begin
    const exited = new Promise((resolve) => app.once('exit', resolve))
    app.kill('SIGTERM')
    await exited
    return ms
  }
  try {
    const first = await timeToReady()
    const again: number[] = []
    for (let i = 0; i < runs; i++) again.push(await timeToReady())
    return { first, again: again.sort((a, b) => a - b) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function coldStart() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulso-bench-'))
  const begin = performance.now()
  const db = openDatabase({ kind: 'pglite', dataDir: dir })
  await migrateToLatest(db)
  const first = performance.now() - begin
  const rss = process.memoryUsage().rss
  await db.destroy()
  const again = performance.now()
  const reopened = openDatabase({ kind: 'pglite', dataDir: dir })
  await sql`select 1`.execute(reopened)
  const reopen = performance.now() - again
  await reopened.destroy()
  rmSync(dir, { recursive: true, force: true })
  return { first, reopen, rss }
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
console.log(
  `Pulso benchmarks — ${new Date().toISOString()} — ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
)
// `npm run bench` runs them all; `npm run bench -- trends page cold` runs some.
const only = new Set(process.argv.slice(2))
const wanted = (name: string) => only.size === 0 || only.has(name)

if (wanted('lighthouse')) {
  const locales = (process.env.BENCH_LIGHTHOUSE_LOCALES ?? 'es,fr,pt-BR,pt-PT').split(',') as Locale[]
  const runs = Number(process.env.BENCH_LIGHTHOUSE_RUNS ?? 3)
  const rows = await lighthouseBenchmark(locales, runs)
  if (!rows) console.log('Lighthouse: skipped (no /usr/bin/chromium)')
  else {
    console.log(
      `Lighthouse 12, mobile settings, ${runs} audits per page (medians; performance's range in brackets; FCP, LCP, TBT in ms):`,
    )
    for (const r of rows) {
      const m = r.metrics
      console.log(
        `  ${r.locale} ${r.page}: performance ${r.scores.performance} [${r.performanceRange.join('-')}], accessibility ${r.scores.accessibility}, best practices ${r.scores['best-practices']}, SEO ${r.scores.seo}; FCP ${Math.round(m['first-contentful-paint']!)}, LCP ${Math.round(m['largest-contentful-paint']!)}, TBT ${Math.round(m['total-blocking-time']!)}, CLS ${m['cumulative-layout-shift']!.toFixed(3)}`,
      )
    }
  }
}
if (wanted('page')) {
  const page = await surveyPageBenchmark()
  console.log(
    `Survey page (${page.bytes} bytes), ${seconds} s at 50 connections, ${pageRounds} interleaved rounds (medians):`,
  )
  console.log(
    `  bare Express + EJS from memory: ${page.base.rps.toFixed(0)} req/s, p50 ${page.base.p50} ms, p99 ${page.base.p99} ms`,
  )
  console.log(
    `  Pulso (session, draft, questionnaire from PostgreSQL): ${page.ours.rps.toFixed(0)} req/s, p50 ${page.ours.p50} ms, p99 ${page.ours.p99} ms, non-2xx ${page.ours.non2xx}, errors ${page.ours.errors}`,
  )
  console.log(
    `  bare Express + EJS rendering the page and layout templates from memory (${page.templateBytes} bytes): ${page.fromTemplates.rps.toFixed(0)} req/s, p50 ${page.fromTemplates.p50} ms, p99 ${page.fromTemplates.p99} ms`,
  )
  console.log(
    `  ratio ${(page.ours.rps / page.base.rps).toFixed(2)} against the string, ${(page.ours.rps / page.fromTemplates.rps).toFixed(2)} against the templates (target ≥ 0.5); each round against the templates: ${page.ratios.map((r) => r.toFixed(2)).join(', ')}`,
  )
}
if (wanted('results')) {
  const perWave = Number(process.env.BENCH_RESULTS_RESPONSES ?? 100_000)
  const r = await publicResultsBenchmark(url, perWave, seconds)
  const line = (l: typeof r.base) =>
    `${l.rps.toFixed(0)} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms, non-2xx ${l.non2xx}, errors ${l.errors}`
  console.log(
    `Public results page, 3 waves × ${perWave} responses, by district (${r.htmlBytes} bytes of HTML, ${r.wireBytes} bytes sent as ${r.encoding}), ${seconds} s at 50 connections, 3 interleaved rounds (medians):`,
  )
  console.log(`  bare Express sending the same bytes from memory: ${line(r.base)}`)
  console.log(`  Pulso (kept page, answered while the change feed hears nothing): ${line(r.ours)}`)
  console.log(
    `  ratio ${(r.ours.rps / r.base.rps).toFixed(2)} (target ≥ 0.5), p99 ${r.ours.p99} ms (target < 100 ms); each round: ${r.ratios.map((x) => x.toFixed(2)).join(', ')}`,
  )
}
if (wanted('weights')) {
  const weights = await pageWeights(url)
  console.log(`Beneficiaries' pages (stylesheet ${weights.css} bytes), budget 15,360 bytes uncompressed:`)
  for (const p of weights.pages)
    console.log(`  ${p.page}: HTML ${p.html} bytes, with the stylesheet ${p.total} bytes (${p.gzip} gzipped)`)
}
if (wanted('cold')) {
  const cold = await coldStart()
  console.log(
    `Embedded PGlite: fresh data folder + migrations ${(cold.first / 1000).toFixed(1)} s, reopen ${(cold.reopen / 1000).toFixed(1)} s, RSS ${(cold.rss / 2 ** 20).toFixed(0)} MiB`,
  )
  const start = await processStart()
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
  console.log(
    `  the app's own process, spawn to /readyz 200: new data folder ${s(start.first)}; existing folder, ${start.again.length} runs: ${start.again.map(s).join(', ')} (median ${s(start.again[start.again.length >> 1]!)})`,
  )
}
if (wanted('submit')) {
  const { base, ours, ratios, oursTotal } = await submissionBenchmark(url, seconds)
  const line = (r: typeof base) =>
    `${r.rps.toFixed(0)} submissions/s, p50 ${r.p50} ms, p99 ${r.p99} ms; sent ${r.requests}, acknowledged ${r.acknowledged}, stored ${r.stored}, other answers ${r.other}`
  console.log(
    `Submissions (a citizen's last page), ${seconds} s at 50 connections on PostgreSQL, ${ratios.length} interleaved rounds (medians):`,
  )
  console.log(`  bare Express + pg, the same SQL statements: ${line(base)}`)
  console.log(`  Pulso (all middleware, CSRF, shared rate-limit store, draft, one statement): ${line(ours)}`)
  console.log(
    `  ratio ${(ours.rps / base.rps).toFixed(2)} (target ≥ 0.75), p99 ${ours.p99} ms (target ≤ 100 ms); each round: ${ratios.map((r) => r.toFixed(2)).join(', ')}`,
  )
  console.log(
    `  all rounds: acknowledged but not stored ${Math.max(0, oursTotal.acknowledged - oursTotal.stored)}, stored more than once ${Math.max(0, oursTotal.stored - oursTotal.requests)} (a request cut off by the end of a round may be stored unacknowledged)`,
  )
}
for (const faults of [false, true]) {
  if (!wanted(faults ? 'faults' : 'load')) continue
  const seconds = Number(process.env.BENCH_LOAD_SECONDS ?? 60)
  const r = await loadBenchmark(url, { seconds, respondents: 200, faults })
  console.log(
    `${faults ? 'Load with faults (PostgreSQL stopped and restarted, then the app killed and restarted)' : 'Load'}: 200 respondents answering the whole survey (6 requests each) for ${seconds} s, the app as its own process on PostgreSQL:`,
  )
  for (const event of r.events) console.log(`  ${event}`)
  console.log(
    `  respondents started ${r.started}, acknowledged ${r.acknowledged} (${(r.acknowledged / seconds).toFixed(0)}/s), abandoned ${r.abandoned}; 503 answers ${r.status503}, other 5xx ${r.status5xx}, network errors (app down) ${r.networkErrors}`,
  )
  console.log(
    `  last page p50 ${r.submitP50.toFixed(0)} ms, p99 ${r.submitP99.toFixed(0)} ms; app peak RSS ${(r.peakRss / 2 ** 20).toFixed(0)} MiB`,
  )
  console.log(
    `  responses stored ${r.stored}: acknowledged but lost ${Math.max(0, r.acknowledged - r.stored)}, stored twice ${r.doubled}${r.stored > r.acknowledged ? `, stored but never acknowledged ${r.stored - r.acknowledged} (cut off by a fault or the end)` : ''}`,
  )
}
if (wanted('workbooks')) {
  const seconds = Number(process.env.BENCH_LOAD_SECONDS ?? 30)
  const uploads = [
    { name: 'one cell in column XFD on 2,000 rows', file: await wideWorkbook(2000) },
    { name: 'a zip bomb unpacking to 4 GB', file: await bombWorkbook(4096) },
    { name: 'a zip bomb unpacking to 1 GB', file: await bombWorkbook(1024) },
    {
      name: 'the 1 GB bomb with its directory claiming 1 KB',
      file: withLyingSizes(await bombWorkbook(1024)),
    },
  ]
  const r = await loadBenchmark(url, { seconds, respondents: 50, faults: false, uploads })
  console.log(
    `Hostile workbooks: a designer uploads each while 50 respondents answer the whole survey for ${seconds} s (the app as its own process on PostgreSQL):`,
  )
  for (const event of r.events) console.log(`  ${event}`)
  console.log(
    `  respondents acknowledged ${r.acknowledged}, abandoned ${r.abandoned}; 5xx ${r.status5xx + r.status503}, network errors ${r.networkErrors}; last page p50 ${r.submitP50.toFixed(0)} ms, p99 ${r.submitP99.toFixed(0)} ms (target < 500 ms); app peak RSS ${(r.peakRss / 2 ** 20).toFixed(0)} MiB`,
  )
}
if (wanted('export')) {
  const n = Number(process.env.BENCH_EXPORT_RESPONSES ?? 1_000_000)
  const r = await exportBenchmark(url, n)
  console.log(`Microdata export, one wave of ${n.toLocaleString('en')} responses (a process of its own):`)
  console.log(
    `  ${r.seconds.toFixed(1)} s for the package (${(r.bytes / 2 ** 20).toFixed(1)} MiB zip: the wave's CSV and the pooled CSV), ${r.rowsPerSecond.toFixed(0)} rows/s; peak RSS ${(r.peakRss / 2 ** 20).toFixed(0)} MiB (target < 150 MB), of which ${(r.rssBefore / 2 ** 20).toFixed(0)} MiB before the export began (Node, tsx, the database drivers)`,
  )
}
if (wanted('trends')) {
  const n = Number(process.env.BENCH_TREND_RESPONSES ?? 1_000_000)
  const r = await trendBenchmark(url, n)
  const s = (x: number) => `${x.toFixed(2)} s`
  const ms = (x: number) => `${(x * 1000).toFixed(0)} ms`
  console.log(
    `Trend page, 3 waves × ${n.toLocaleString('en')} responses (${r.answers.toLocaleString('en')} answer rows), all indicators overall and by district, weights recomputed:`,
  )
  console.log(
    `  generating the data in SQL: ${s(r.generating)}; tallying each wave once (as responses:import does): ${r.tallying.map(s).join(', ')}`,
  )
  console.log(`  cold (fresh process, 5 runs): ${r.cold.map(ms).join(', ')} (target < 1 s)`)
  console.log(`  nothing changed, one reader: p50 ${ms(r.warm.p50)}, p99 ${ms(r.warm.p99)} (target < 50 ms)`)
  console.log(
    `  nothing changed, 10 readers for 5 s: ${r.loaded.rps.toFixed(0)} req/s, p50 ${r.loaded.p50} ms, p99 ${r.loaded.p99} ms, non-2xx ${r.loaded.non2xx}`,
  )
  console.log(
    `  after one more response in a wave (median of 5): ${ms(r.afterResponse)}; after new margins: ${ms(r.afterMargins)}`,
  )
}
if (wanted('startup')) {
  const r = await startupBenchmark(url)
  console.log(
    `Start-up to the first /readyz 200 (median of 5 fresh processes; \`npm run build\` took ${r.buildSeconds.toFixed(1)} s):`,
  )
  for (const [how, ms] of Object.entries(r.results)) console.log(`  ${how}: ${ms.toFixed(0)} ms`)
}
