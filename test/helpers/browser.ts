import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { AxeBuilder } from '@axe-core/playwright'
import type { Express } from 'express'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'
import type { QuestionDraft } from '../../src/questionnaire/questionnaire.repository.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { createTestApp, type TestApp } from './test-app.ts'

export const CHROMIUM = '/usr/bin/chromium'
/** Browser tests need Debian's chromium; CI installs it, and there a missing browser is a failure. */
export const browserAvailable = existsSync(CHROMIUM) || process.env.CI === 'true'

/** Serves the app on a free loopback port. */
export async function serve(app: Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/**
 * How long a browser test may take before it counts as hung. Generous: they measure nothing, and on two
 * busy cores (CI runs test files in parallel beside PostgreSQL and Chromium) one took over 90 s.
 */
export const BROWSER_TEST_TIMEOUT = 240_000

// One Chromium per test worker, started on first use: each test gets a fresh context of its own (its
// own cookies, storage and service workers), which costs milliseconds where a launch costs seconds.
let sharedChromium: Promise<Browser> | undefined
const chromiumOfThisWorker = () =>
  (sharedChromium ??= chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  }))

/** A fresh browser context (a new profile, as it were); `locale` sets Accept-Language. */
export async function openBrowser(options: {
  locale: string
  javaScriptEnabled?: boolean
  viewport?: { width: number; height: number }
}) {
  const context: BrowserContext = await (
    await chromiumOfThisWorker()
  ).newContext({
    locale: options.locale,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    ...(options.viewport ? { viewport: options.viewport } : {}),
  })
  const page = await context.newPage()
  return { context, page, close: () => context.close() }
}

/** Runs axe-core with the WCAG 2.1 A and AA rules and expects no violation. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  // Only violations are gathered: collecting every passing node costs most of axe's time on a page.
  // (options() replaces the run options, so it comes before withTags, which adds to them.) Legacy mode
  // runs axe in the page itself instead of finishing in a new blank page each time (which halves each
  // check's time); what it cannot reach, frames of another origin, our pages do not have.
  const results = await new AxeBuilder({ page })
    .setLegacyMode()
    .options({ resultTypes: ['violations'] })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze()
  const violations = results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  )
  expect(violations, `${what} at ${page.url()}`).toEqual([])
}

const SIGN_IN_WORDS = {
  es: { email: 'Correo electrónico', password: 'Contraseña', button: 'Entrar' },
  fr: { email: 'Adresse électronique', password: 'Mot de passe', button: 'Se connecter' },
} as const

/** Signs a staff member in through the sign-in page, as a person would; resolves on the staff home. */
export async function signInInBrowser(
  page: Page,
  origin: string,
  account: { email: string; password: string },
  language: keyof typeof SIGN_IN_WORDS = 'es',
  options: { expectCode?: boolean } = {},
): Promise<void> {
  const words = SIGN_IN_WORDS[language]
  await page.goto(`${origin}/staff/sign-in`)
  await page.getByLabel(words.email).fill(account.email)
  await page.getByLabel(words.password).fill(account.password)
  await page.getByRole('button', { name: words.button }).click()
  // With two-factor sign-in, the password leads to the code step.
  await page.waitForURL(options.expectCode ? /\/staff\/sign-in\/code$/ : /\/staff$/)
}

/**
 * A test file's survey of these questions, served for a browser: `surveyUrl()` is its full address once
 * `beforeAll` has run; everything closes after the file.
 */
export function servedSurvey(questions: QuestionDraft[]) {
  let app: TestApp | undefined
  let survey: BuiltSurvey | undefined
  let server: Awaited<ReturnType<typeof serve>> | undefined
  beforeAll(async () => {
    app = await createTestApp()
    survey = await buildSurvey(app.services.db, { year: 2026, questions })
    server = await serve(app.app)
  })
  afterAll(async () => {
    await server?.close()
    await app?.close()
  })
  return { surveyUrl: () => `${server!.url}${survey!.url}` }
}
