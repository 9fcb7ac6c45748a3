// `npm run screenshots [folder]`: every public page type at 360 px, in every locale, from the demo on
// a fresh embedded database, written as PNG files for anyone to look at (default folder:
// screenshots/). Needs Debian's Chromium (/usr/bin/chromium, or CHROMIUM=…).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { createApp } from '../app.ts'
import { openDatabase } from '../db/database.ts'
import { migrateToLatest } from '../db/migrate.ts'
import { DEMO_PROJECTS } from '../demo/feedback-demo.ts'
import { DEMO_ORGANIZATION, DEMO_SERIES_CODE, loadDemo } from '../demo/demo-data.ts'
import { LOCALES } from '../i18n/locales.ts'
import { createLogger } from '../logger.ts'
import { createServices } from '../services.ts'

const folder = path.resolve(process.argv[2] ?? 'screenshots')
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pulso-screenshots-'))
const db = openDatabase({ kind: 'pglite', dataDir })
try {
  await migrateToLatest(db)
  await loadDemo(db)
  const app = createApp(createServices(db), {
    production: false,
    trustProxy: 'false',
    submitRateLimit: { limit: 1000, windowMs: 60_000 },
    strictTranslations: true,
    logger: createLogger({ level: 'silent' }),
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const survey = `/s/${DEMO_ORGANIZATION.slug}/${DEMO_SERIES_CODE}`
  const project = DEMO_PROJECTS[1]!.code
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  })
  mkdirSync(folder, { recursive: true })
  let written = 0
  for (const locale of LOCALES) {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale })
    const page = await context.newPage()
    const shot = async (name: string) => {
      await page.screenshot({ path: path.join(folder, `${locale}-${name}.png`), fullPage: true })
      written++
    }
    const visit = async (name: string, address: string) => {
      await page.goto(`${base}${address}${address.includes('?') ? '&' : '?'}lang=${locale}`)
      await shot(name)
    }
    await visit('1-home', '/')
    await visit('2-survey-start', survey)
    await page.locator('form[action$="/start"] button').click()
    await page.waitForURL(/\/p\/1$/)
    await shot('3-question-page')
    await page.locator('main form button[type=submit]').click()
    await page.locator('.error-summary').waitFor()
    await shot('4-question-page-with-errors')
    await visit('5-survey-start-in-progress', survey)
    await visit('6-results', `${survey}/results`)
    await visit('7-results-by-district', `${survey}/results?by=district`)
    await visit('8-feedback-form', `/f/${project}`)
    await visit('9-project-page', `/projects/${project}`)
    await visit('10-not-found', '/no/such/page')
    await visit('11-yearly-brief', `${survey}/brief/2025`)
    await visit('12-network', '/network/awareness')
    await context.close()
  }
  await browser.close()
  server.close()
  console.log(`${written} screenshots at 360 px in ${folder}`)
} finally {
  await db.destroy()
  rmSync(dataDir, { recursive: true, force: true })
}
