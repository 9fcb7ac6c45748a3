import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { startServer } from '../../src/server.ts'
import { openServices } from '../../src/services.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { exitOf, freePort, sleep, startAppProcess } from '../helpers/app-process.ts'
import { cliDatabase } from '../helpers/cli.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { testDatabaseUrl } from '../helpers/test-database.ts'

let quiet: TestApp
let verbose: TestApp
let survey: BuiltSurvey
beforeAll(async () => {
  quiet = await createTestApp()
  verbose = await createTestApp({ logRequests: true })
  survey = await buildSurvey(verbose.services.db)
})
afterAll(async () => {
  await quiet.close()
  await verbose.close()
})

describe('the request log', () => {
  it('gives every request an id, echoed as X-Request-Id; a proxy’s own id is kept', async () => {
    const res = await request(quiet.app).get('/healthz')
    expect(res.headers['x-request-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    )
    const forwarded = await request(quiet.app).get('/healthz').set('X-Request-Id', 'lb-1234567890')
    expect(forwarded.headers['x-request-id']).toBe('lb-1234567890')
    // Anything else is replaced, never echoed.
    const hostile = await request(quiet.app).get('/healthz').set('X-Request-Id', '<script>alert(1)</script>')
    expect(hostile.headers['x-request-id']).not.toContain('<')
    // A localized 404 page prints the reference too.
    const missing = await request(quiet.app).get('/nowhere').set('Accept-Language', 'pt')
    expect(missing.text).toContain(`código de referência: ${missing.headers['x-request-id']}`)
  })

  it('logs each request with LOG_REQUESTS (method, path, status, time), no address, no header, no code', async () => {
    verbose.logged.length = 0
    const res = await request(verbose.app).get(`${survey.url}?lang=fr`).set('Cookie', 'pulso_lang=fr')
    await request(verbose.app).get(`${survey.url}/i/ABCD-EFGH-JKMN`)
    const line = verbose.logged.find((l) => (l.req as { id?: string })?.id === res.headers['x-request-id'])
    expect(line).toMatchObject({
      level: 30,
      service: 'pulso',
      req: { method: 'GET', url: `${survey.url}?lang=fr` },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    })
    const text = JSON.stringify(verbose.logged)
    expect(text).not.toMatch(/127\.0\.0\.1|::ffff|remoteAddress|cookie|pulso_lang/i)
    expect(text).not.toContain('ABCD-EFGH-JKMN')
    expect(text).toContain(`${survey.url}/i/…`)
  })

  it('without LOG_REQUESTS, logs failures only', async () => {
    quiet.logged.length = 0
    await request(quiet.app).get('/healthz')
    await request(quiet.app).get('/nowhere')
    expect(quiet.logged).toEqual([])
  })
})

describe('timeouts and configuration', () => {
  it('takes the mail server, its sender and rate, or says what is wrong with them', () => {
    expect(loadConfig({}).mail).toBeUndefined()
    expect(() => loadConfig({ SMTP_URL: 'mail.ciudad.org' })).toThrow(/^SMTP_URL: must be like smtp:/)
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail.ciudad.org' })).toThrow(
      /^MAIL_FROM: required with SMTP_URL/,
    )
    expect(() =>
      loadConfig({ SMTP_URL: 'smtp://mail.ciudad.org', MAIL_FROM: 'x', MAIL_RATE_PER_MINUTE: '0' }),
    ).toThrow(ConfigError)
    expect(
      loadConfig({ SMTP_URL: 'smtps://u:p@mail.ciudad.org:465', MAIL_FROM: 'Ciudad <encuesta@ciudad.org>' })
        .mail,
    ).toEqual({
      smtpUrl: 'smtps://u:p@mail.ciudad.org:465',
      from: 'Ciudad <encuesta@ciudad.org>',
      ratePerMinute: 60,
    })
  })

  it('sets the database pool’s timeouts and the server’s header and request timeouts', async () => {
    expect(() => loadConfig({ STATEMENT_TIMEOUT_SECONDS: 'soon' })).toThrow(ConfigError)
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(ConfigError)
    const config = {
      ...loadConfig({
        NODE_ENV: 'test',
        PORT: String(4400 + Math.floor(Math.random() * 200)),
        HOST: '127.0.0.1',
      }),
      databaseUrl: testDatabaseUrl,
      dataDir: path.join(tmpdir(), `pulso-ops-${process.pid}-${Date.now()}`),
    }
    if (testDatabaseUrl) {
      const services = openServices(config, createLogger({ level: 'silent' }))
      const { rows } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(services.db)
      expect(rows[0]!.statement_timeout).toBe('30s')
      await services.db.destroy()
    }
    const started = await startServer(config, undefined, createLogger({ level: 'silent' }))
    try {
      expect(started.server.headersTimeout).toBe(20_000)
      expect(started.server.requestTimeout).toBe(120_000)
    } finally {
      await started.stop()
      rmSync(config.dataDir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('stopping', () => {
  let database: Awaited<ReturnType<typeof cliDatabase>>
  let app: ChildProcess | undefined
  // A port the system says is free: the fixed range 4100-4299 held NATS's 4222 on this machine.
  let port = 0
  let logFile = ''
  const where = () =>
    database.env.DATABASE_URL
      ? { databaseUrl: database.env.DATABASE_URL }
      : { dataDir: database.env.DATA_DIR! }
  beforeAll(async () => {
    database = await cliDatabase()
    port = await freePort()
    logFile = path.join(tmpdir(), `pulso-ops-${port}.log`)
  })
  afterAll(async () => {
    app?.kill('SIGKILL')
    await database.cleanup()
  })

  it(
    'on SIGTERM, /readyz answers 503 at once while pages are still served, then the process ends cleanly',
    { timeout: 120_000 },
    async () => {
      app = await startAppProcess({ port, logFile, env: { SHUTDOWN_DELAY_SECONDS: '2' }, ...where() })
      const exited = exitOf(app)
      app.kill('SIGTERM')
      await sleep(300)
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
      expect(ready.status).toBe(503)
      expect(await ready.json()).toEqual({ status: 'stopping' })
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
      expect(await exited).toBe(0)
      app = undefined
      const lines = readFileSync(logFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { msg: string })
      expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['stopping', 'stopped']))
    },
  )

  it(
    'an unhandled promise rejection is logged, and the process stops cleanly with status 1',
    { timeout: 120_000 },
    async () => {
      app = await startAppProcess({
        port,
        logFile,
        script: 'test/fixtures/processes/unhandled-rejection.ts',
        ...where(),
      })
      const code = await exitOf(app)
      app = undefined
      expect(code).toBe(1)
      const lines = readFileSync(logFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 60,
          msg: 'unhandled promise rejection; stopping',
          err: expect.objectContaining({ message: 'a planted failure nobody handles' }),
        }),
      )
      expect(lines.at(-1)).toMatchObject({ msg: 'stopped' })
    },
  )
})
