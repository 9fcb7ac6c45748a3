import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTranslator } from '../../src/i18n/i18n.ts'
import { LOCALES } from '../../src/i18n/locales.ts'
import { AUDIT_ACTIONS } from '../../src/staff/audit.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { downloadZip } from '../helpers/zip.ts'

// The audit log for people (#19.5): actions in the reader's words, who, when, what changed, filters
// by person, action and days, the same rows as CSV; downloads of trends and microdata are in it.
let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
let admin: StaffBrowser & { account: { email: string } }
let evaluator: StaffBrowser & { account: { email: string } }

beforeAll(async () => {
  t = await createTestApp()
  fixture = await loadTrendFixture(t.services.db)
  admin = await signedIn(t.app, t.services, fixture.organizationId, 'admin')
  evaluator = await signedIn(t.app, t.services, fixture.organizationId, 'evaluator')
  await admin.get('/staff/organization')
  expect(
    (
      await admin.post('/staff/organization', {
        name: 'Ciudad Renombrada',
        portuguese: 'pt-PT',
        name_fr: 'Ville',
      })
    ).status,
  ).toBe(303)
  await admin.get('/staff/users')
  await admin.post('/staff/users', { email: 'nueva@ciudad.example', role: 'designer' })
  expect((await evaluator.get('/staff/results/perception/trends.csv?by=district')).status).toBe(200)
  expect((await downloadZip(evaluator.agent, '/staff/results/perception/microdata.zip')).status).toBe(200)
})
afterAll(() => t.close())

const rowsOf = (html: string) => [...html.matchAll(/<tr><td><time[\s\S]*?<\/tr>/g)].map((m) => m[0])

describe('the audit log', () => {
  it('names every action in words, in every language', () => {
    const translator = createTranslator({ strict: true })
    for (const locale of LOCALES)
      for (const action of AUDIT_ACTIONS) {
        const name = translator.getFixedT(locale)(`staff.audit.actions.${action}`)
        expect(name, `${locale} ${action}`).not.toContain('.')
      }
  })

  it('says who did what and what changed, before and after, and logs the downloads', async () => {
    const page = await admin.get('/staff/audit')
    expect(page.status).toBe(200)
    const rows = rowsOf(page.text)
    expect(page.text).not.toMatch(/>(staff|organization|download)\.[a-z_]+</)
    const renamed = rows.find((r) => r.includes('Cambió los datos de la organización'))!
    expect(renamed).toContain(admin.account.email)
    expect(renamed).toMatch(/name: <del>Fixture City<\/del> → <ins>Ciudad Renombrada<\/ins>/)
    expect(renamed).toMatch(/portuguese: <del>pt-BR<\/del> → <ins>pt-PT<\/ins>/)
    expect(rows.find((r) => r.includes('Invitó a una persona'))).toContain('nueva@ciudad.example')
    const trends = rows.find((r) => r.includes('Descargó las tendencias'))!
    expect(trends).toContain(evaluator.account.email)
    expect(trends).toContain('format: csv')
    expect(trends).toContain('breakdown: district')
    expect(rows.find((r) => r.includes('Descargó los microdatos'))).toContain('via: staff area')
    // The table scrolls inside its own box on a narrow screen, never the page.
    expect(page.text).toMatch(
      /<div class="table-scroll" role="region" tabindex="0" aria-labelledby="audit-caption">/,
    )
  })

  it('filters by person, action and days; a bad day is a localized error', async () => {
    const people = await admin.get('/staff/audit')
    const evaluatorId = new RegExp(
      `<option value="(\\d+)">${evaluator.account.email.replace('.', '\\.')}<`,
    ).exec(people.text)![1]!
    const byEvaluator = rowsOf((await admin.get(`/staff/audit?who=${evaluatorId}`)).text)
    expect(byEvaluator.length).toBeGreaterThanOrEqual(3)
    expect(byEvaluator.every((r) => r.includes(evaluator.account.email))).toBe(true)
    const downloads = rowsOf(
      (await admin.get(`/staff/audit?who=${evaluatorId}&action=download.microdata`)).text,
    )
    expect(downloads).toHaveLength(1)
    const today = new Date().toISOString().slice(0, 10)
    expect(rowsOf((await admin.get(`/staff/audit?from=${today}&to=${today}`)).text).length).toBeGreaterThan(4)
    const past = await admin.get('/staff/audit?from=2001-01-01&to=2001-12-31')
    expect(rowsOf(past.text)).toHaveLength(0)
    expect(past.text).toContain('Ninguna actividad con estos filtros.')

    const bad = await admin.get('/staff/audit?from=31/12/2026&action=staff.nothing')
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('error-summary')
    expect(bad.text).toContain('Escriba una fecha como 2026-03-31')
    const reversed = await admin.get('/staff/audit?from=2026-12-31&to=2026-01-01')
    expect(reversed.status).toBe(400)
  })

  it('exports the filtered rows as CSV, with the action in the reader’s language and its code', async () => {
    const res = await admin.agent.get('/staff/audit.csv?action=organization.update&lang=fr')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/csv/)
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="?audit-[a-z0-9-]+\.csv"?$/)
    const rows = parse<Record<string, string>>(res.text, { columns: true })
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      who: admin.account.email,
      action: 'A modifié les informations de l’organisation',
      action_code: 'organization.update',
    })
    expect(rows[0]!.changes).toContain('name: Fixture City → Ciudad Renombrada')
    await admin.get('/staff/audit?lang=es')
  })
})
