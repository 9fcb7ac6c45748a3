import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Indicators managed in the browser: defined on a question code, edited, retired and restored,
// validated with localized errors, audit-logged, and reflected at once in results and downloads.
let t: TestApp
let designer: StaffBrowser
let evaluator: StaffBrowser
const page = '/staff/results/perception/indicators'

beforeAll(async () => {
  t = await createTestApp()
  const fixture = await loadTrendFixture(t.services.db)
  designer = await signedIn(t.app, t.services, fixture.organizationId, 'designer')
  evaluator = await signedIn(t.app, t.services, fixture.organizationId, 'evaluator')
})
afterAll(() => t.close())

const csvIndicators = async () =>
  new Set(
    parse<{
      indicator: string
    }>((await evaluator.get('/staff/results/perception/trends.csv')).text, { columns: true }).map(
      (r) => r.indicator,
    ),
  )
const valid = {
  code: 'interest_low',
  question: 'interest',
  kind: 'share',
  success: '1, 2',
  excluded: 'dont_know',
  label_es: 'Interés bajo',
  label_fr: 'Intérêt faible',
  label_pt: 'Interesse baixo',
}

describe('indicators on a staff page', () => {
  it('are for designers and admins; the dashboard links to them', async () => {
    expect((await evaluator.get(page)).status).toBe(403)
    expect((await designer.get('/staff/results/perception')).text).toContain(page)
    const list = await designer.get(page)
    expect(list.status).toBe(200)
    expect(list.text).toContain('interest_high')
  })

  it('refuse a bad definition field by field, in the reader’s language, and change nothing', async () => {
    await designer.get(`${page}?lang=fr`)
    const before = await csvIndicators()
    for (const [fields, message] of [
      [{ code: 'Bad Code' }, 'Écrivez un code de minuscules'],
      [{ question: 'nothing' }, '« nothing » n’est pas une question de la dernière édition'],
      [{ success: '9' }, '« 9 » n’est pas une option de interest'],
      [{ kind: 'mean', question: 'aware' }, 'Une moyenne demande une question de nombre ou d’échelle'],
      [{ label_pt: '' }, 'Écrivez le nom dans cette langue'],
    ] as const) {
      const res = await designer.post(page, { ...valid, ...fields })
      expect(res.status, message).toBe(400)
      expect(res.text).toContain('error-summary')
      expect(res.text).toContain(message)
    }
    expect(await csvIndicators()).toEqual(before)
  })

  it('define, edit, retire and restore, audit-logged and applied at once', async () => {
    await designer.get(`${page}?lang=es`)
    expect((await designer.post(page, valid)).status).toBe(303)
    expect(await csvIndicators()).toContain('interest_low')
    const edit = await designer.get(`${page}?edit=interest_low`)
    expect(edit.text).toContain('value="1, 2"')
    expect((await designer.post(page, { ...valid, success: '1' })).status).toBe(303)
    const rows = parse<{
      indicator: string
    }>((await evaluator.get('/staff/results/perception/trends.csv')).text, {
      columns: true,
    })
    expect(rows.filter((r) => r.indicator === 'interest_low').length).toBeGreaterThan(0)

    await designer.get(page)
    expect((await designer.post(`${page}/interest_low/retire`)).status).toBe(303)
    expect(await csvIndicators()).not.toContain('interest_low')
    expect((await designer.get(page)).text).toContain('Restablecer interest_low')
    expect((await designer.post(`${page}/interest_low/restore`)).status).toBe(303)
    expect(await csvIndicators()).toContain('interest_low')
    expect((await designer.post(`${page}/nothing_here/retire`)).status).toBe(404)

    const audit = await t.services.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'like', 'indicator.%')
      .execute()
    expect(audit.map((a) => a.action)).toEqual([
      'indicator.save',
      'indicator.save',
      'indicator.retire',
      'indicator.restore',
    ])
  })
})
