import { afterAll, beforeAll, describe, it } from 'vitest'
import { buildSurvey, twoPageQuestions, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import {
  BROWSER_TEST_TIMEOUT,
  browserAvailable,
  expectAccessible,
  openBrowser,
  serve,
} from '../helpers/browser.ts'
import { startMailServer, type MailServer } from '../helpers/mail-server.ts'
import { createStaff } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { saveIndicator } from '../../src/results/results.repository.ts'

// The staff pages added for running the year (#19), each with its forms and an error state, pass axe
// in Spanish and Portuguese (the templates are the same in every locale; Portuguese has the longest
// words; French: the admin's pages in staff.browser.test.ts): email invitations, strata and letters,
// confirmations before a wave opens or closes, two-factor enrolment, the audit log, a forgotten
// password and its link.
let t: TestApp
let smtp: MailServer
let survey: BuiltSurvey
let server: Awaited<ReturnType<typeof serve>>

beforeAll(async () => {
  smtp = await startMailServer()
  t = await createTestApp({
    mail: { smtpUrl: smtp.url, from: 'Pulso <pulso@ciudad.example>', ratePerMinute: 60_000 },
  })
  survey = await buildSurvey(t.services.db, { year: 2026, questions: twoPageQuestions })
  await saveIndicator(t.services.db, survey.seriesId, {
    code: 'aware_yes',
    questionCode: 'aware',
    kind: 'share',
    successCodes: ['yes'],
    excludedCodes: [],
    label: { es: 'Lo conoce', fr: 'Le connaît', pt: 'Conhece' },
  })
  server = await serve(t.app)
})
afterAll(async () => {
  await server?.close()
  await t?.close()
  await smtp?.close()
})

describe.skipIf(!browserAvailable)('staff pages for running the year', () => {
  for (const locale of ['es', 'pt-BR'] as const)
    it(`pass axe in ${locale}`, { timeout: BROWSER_TEST_TIMEOUT }, async () => {
      const admin = await createStaff(t.services, survey.organizationId, 'admin')
      const browser = await openBrowser({ locale })
      try {
        const { page } = browser
        const go = (path: string) =>
          page.goto(`${server.url}${path}${path.includes('?') ? '&' : '?'}lang=${locale}`)
        await go('/staff/sign-in')
        await page.locator('#f-email').fill(admin.email)
        await page.locator('#f-password').fill(admin.password)
        await page.locator('main form button[type=submit]').click()
        await page.waitForURL(/\/staff$/)

        const wave = '/staff/series/perception/waves/2026'
        await go(`${wave}/invitations`)
        await expectAccessible(page, 'invitations, strata and letters')
        await page.locator('#f-strata').fill('Centro\ncentro')
        await page.locator('form[action$="/letter"] button[type=submit]').click()
        await page.locator('.error-summary').waitFor()
        await expectAccessible(page, 'strata and letters, refused')

        await go(`${wave}/invitations/email`)
        await expectAccessible(page, 'invitations by email')
        await page.locator('form[action*="/list"] button[type=submit]').click()
        await page.locator('.error-summary').waitFor()
        await expectAccessible(page, 'invitations by email, no file chosen')

        await go(`${wave}/close`)
        await expectAccessible(page, 'close the wave?')

        await go('/staff/two-factor')
        await expectAccessible(page, 'two-factor sign-in, off')
        await page.locator('form[action="/staff/two-factor/start"] button').click()
        await page.locator('.qr svg').waitFor()
        await expectAccessible(page, 'two-factor sign-in, QR code')

        await go('/staff/audit?from=nonsense')
        await page.locator('.error-summary').waitFor()
        await expectAccessible(page, 'audit log, a bad filter')
        await go('/staff/audit')
        await expectAccessible(page, 'audit log')

        await go('/staff/results/perception/indicators/aware_yes/target')
        await expectAccessible(page, 'an indicator’s target')
        await page.locator('main form button[type=submit]').first().click()
        await page.locator('.error-summary').waitFor()
        await expectAccessible(page, 'an indicator’s target, refused')

        await go('/staff/organization')
        await expectAccessible(page, 'organization with two-factor requirement')

        const signedOut = await openBrowser({ locale })
        try {
          const visit = (path: string) =>
            signedOut.page.goto(`${server.url}${path}${path.includes('?') ? '&' : '?'}lang=${locale}`)
          await visit('/staff/forgot')
          await expectAccessible(signedOut.page, 'forgotten password')
          await visit('/staff/forgot?sent=1')
          await expectAccessible(signedOut.page, 'forgotten password, sent')
          const link = await t.services.staff.requestPasswordReset(admin.email)
          await visit(`/staff/set-password/${link!.token}`)
          await expectAccessible(signedOut.page, 'set one’s password')
          await visit(`/staff/set-password/${'x'.repeat(43)}`)
          await expectAccessible(signedOut.page, 'a link no longer valid')
        } finally {
          await signedOut.close()
        }
      } finally {
        await browser.close()
      }
    })
})
