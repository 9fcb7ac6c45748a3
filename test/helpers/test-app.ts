import type { Express } from 'express'
import request from 'supertest'
import { createApp } from '../../src/app.ts'
import { createLogger } from '../../src/logger.ts'
import { createServices, type Services } from '../../src/services.ts'
import { createTranslator } from '../../src/i18n/i18n.ts'
import { startMailSender, type MailSettings } from '../../src/mail/mail-sender.ts'
import { listenForResultsChanges } from '../../src/results/results-changes.ts'
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from './test-database.ts'

export interface TestApp {
  app: Express
  services: Services
  database: TestDatabase
  logged: Record<string, unknown>[]
  close: () => Promise<void>
}

/** The real app over a fresh schema, with strict translations and a clock the test may move. */
export async function createTestApp(
  options: {
    now?: () => Date
    submitRateLimit?: { limit: number; windowMs: number }
    codeGuessLimit?: number
    /** Failed sign-ins one address may make in 15 minutes (default 30). */
    signInLimit?: number
    comparisonOrigins?: string[]
    /** Log every request, as LOG_REQUESTS does. */
    logRequests?: boolean
    /** Send email through this SMTP server, with a sender woken by what is queued. */
    mail?: MailSettings
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase()
  // On a server, as the server runs: public pages kept while the change feed hears nothing.
  const resultsChanges = testDatabaseUrl
    ? listenForResultsChanges({ url: testDatabaseUrl, searchPath: database.schema })
    : undefined
  const services = createServices(database.db, {
    secret: 'test-secret-test-secret-test-secret!',
    now: options.now,
    ...(resultsChanges ? { resultsChanges } : {}),
  })
  const logged: Record<string, unknown>[] = []
  const logger = createLogger({ destination: { write: (line: string) => logged.push(JSON.parse(line)) } })
  const mailSender = options.mail
    ? startMailSender(services.mail, options.mail, createTranslator({ strict: true }), logger, {
        // Queued mail wakes the sender at once; the poll only finds reminders a moved clock made due.
        pollMs: 200,
        keepUpMs: 200,
      })
    : undefined
  const app = createApp(services, {
    production: false,
    // Tests may pose as clients at several addresses (X-Forwarded-For), as behind a reverse proxy.
    trustProxy: '1',
    submitRateLimit: options.submitRateLimit ?? { limit: 100_000, windowMs: 60_000 },
    codeGuessLimit: options.codeGuessLimit ?? 1000,
    ...(options.signInLimit ? { signInLimit: options.signInLimit } : {}),
    comparisonOrigins: options.comparisonOrigins ?? [],
    strictTranslations: true,
    // Every log line, parsed, for tests to read.
    logRequests: options.logRequests ?? false,
    logger,
    mailConfigured: options.mail !== undefined,
  })
  const close = async () => {
    await mailSender?.stop()
    await resultsChanges?.close()
    await database.drop()
  }
  return { app, services, database, logged, close }
}

/** The CSRF token a rendered form carries. */
export function csrfToken(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html)
  if (!match) throw new Error('the page has no CSRF token')
  return match[1]!
}

/** A browser-like client: keeps cookies across requests. */
export const agentFor = (app: Express) => request.agent(app)
