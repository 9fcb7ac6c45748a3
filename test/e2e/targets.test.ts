import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Targets per indicator (#20.1): staff set one; charts draw it dashed; pages, the trend file and the
// API say whether the latest wave reached it, is on or off track, and whether the intervals agree.
let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
let designer: StaffBrowser
const indicators = '/staff/results/perception/indicators'

beforeAll(async () => {
  t = await createTestApp()
  fixture = await loadTrendFixture(t.services.db)
  designer = await signedIn(t.app, t.services, fixture.organizationId, 'designer')
})
afterAll(() => t.close())

async function setTarget(code: string, fields: Record<string, string>) {
  await designer.get(`${indicators}/${code}/target`)
  return designer.post(`${indicators}/${code}/target`, {
    direction: 'atLeast',
    reason_es: '',
    reason_fr: '',
    reason_pt: '',
    ...fields,
  })
}

type Trends = {
  rows: {
    indicator: string
    wave: number
    breakdown: string
    estimate: number
    ciLow: number
    ciHigh: number
  }[]
  targets: {
    indicator: string
    value: number
    year: number
    direction: string
    reason: Record<string, string>
    status: { call: string; certain: boolean; projected: number | null; latestYear: number }
  }[]
}
const trends = async () =>
  (await request(t.app).get('/api/v1/series/fixture-city/perception/trends')).body as Trends

describe('targets per indicator', () => {
  it('refuses a target that is not a number, a year or a percentage, saying why, and keeps nothing', async () => {
    for (const [fields, message] of [
      [{ value: 'mucho', year: '2027' }, 'Escriba un número, por ejemplo 10 o 2,5'],
      [{ value: '45', year: '27' }, 'Escriba un año de cuatro cifras entre 2000 y 2100'],
      [{ value: '145', year: '2027' }, 'Escriba un porcentaje entre 0 y 100'],
    ] as const) {
      const res = await setTarget('aware_yes', fields)
      expect(res.status).toBe(400)
      expect(res.text).toContain('error-summary')
      expect(res.text).toContain(message)
    }
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from indicator where target_value is not null`.execute(t.services.db)
    expect(rows[0]!.n).toBe(0)
  })

  it('is drawn and judged on the public page, in the trend file and the API, as soon as it is set', async () => {
    const page = `${fixture.url}/results`
    // The page is kept in memory; a target set afterwards shows on the next view all the same.
    expect((await request(t.app).get(page)).text).not.toContain('chart-target')
    expect(
      (await setTarget('aware_yes', { value: '95', year: '2027', reason_es: 'Lo pide el pleno.' })).headers
        .location,
    ).toBe(`${indicators}?notice=targetSaved`)
    // A low bar for another indicator: reached, and surely so.
    expect((await setTarget('interest_high', { value: '1', year: '2026' })).status).toBe(303)

    const file = await trends()
    const aware = file.targets.find((x) => x.indicator === 'aware_yes')!
    expect(aware).toMatchObject({
      value: 0.95,
      year: 2027,
      direction: 'atLeast',
      reason: { es: 'Lo pide el pleno.' },
    })
    // The status, worked out again here from the file's own rows: the line through 2024 and 2025.
    const overall = (year: number) =>
      file.rows.find((r) => r.indicator === 'aware_yes' && r.breakdown === 'overall' && r.wave === year)!
    const projected = overall(2025).estimate + (overall(2025).estimate - overall(2024).estimate) * 2
    expect(aware.status.latestYear).toBe(2025)
    expect(aware.status.projected).toBeCloseTo(projected, 12)
    expect(aware.status.call).toBe(projected >= 0.95 ? 'onTrack' : 'offTrack')
    expect(file.targets.find((x) => x.indicator === 'interest_high')!.status).toMatchObject({
      call: 'reached',
      certain: true,
    })

    // Spaces as the reader sees them (the percent sign follows a no-break space).
    const seen = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ')
    const html = seen((await request(t.app).get(page)).text)
    expect(html).toMatch(/<line class="chart-target" [^>]+>/)
    expect(html).toContain('Meta 2027: 95,0 %')
    expect(html).toContain(
      aware.status.call === 'offTrack'
        ? 'Meta: al menos 95,0 % en 2027. Fuera de camino: al ritmo de 2024 a 2025, llegaría solo a'
        : 'Meta: al menos 95,0 % en 2027. En camino: al ritmo de 2024 a 2025, llegaría a',
    )
    expect(html).toContain('Por qué esta meta: Lo pide el pleno.')
    expect(html).toContain(
      'Meta: al menos 1,0 % en 2026. Alcanzada en 2025. Los intervalos de confianza lo confirman.',
    )
    const french = seen((await request(t.app).get(`${page}?lang=fr`)).text)
    expect(french).toContain('Objectif : au moins 1,0 % en 2026. Atteint en 2025.')

    const series = (await request(t.app).get('/api/v1/series/fixture-city/perception')).body as {
      indicators: { code: string; target: unknown }[]
    }
    expect(series.indicators.find((i) => i.code === 'aware_yes')!.target).toMatchObject({
      value: 0.95,
      year: 2027,
    })
    expect(series.indicators.find((i) => i.code === 'benefit_value')!.target).toBeNull()
  })

  it('shows the saved target in the form, removes it, and records each change with before and after', async () => {
    const form = await designer.get(`${indicators}/aware_yes/target`)
    expect(form.text).toMatch(/name="value" type="text" value="95"/)
    expect(form.text).toContain('Lo pide el pleno.')
    const removed = await designer.post(`${indicators}/aware_yes/target/remove`)
    expect(removed.headers.location).toBe(`${indicators}?notice=targetRemoved`)
    expect((await trends()).targets.map((x) => x.indicator)).toEqual(['interest_high'])
    const { rows } = await sql<{ details: { before: unknown; after: unknown } }>`
      select details from audit_log where action = 'indicator.target' and subject = 'perception/aware_yes'
      order by id`.execute(t.services.db)
    expect(rows.map((r) => r.details)).toEqual([
      {
        before: {},
        after: { value: 0.95, year: 2027, direction: 'atLeast', reason: { es: 'Lo pide el pleno.' } },
      },
      {
        before: { value: 0.95, year: 2027, direction: 'atLeast', reason: { es: 'Lo pide el pleno.' } },
        after: {},
      },
    ])
  })

  it('is set by designers and admins; evaluators only read it', async () => {
    const evaluator = await signedIn(t.app, t.services, fixture.organizationId, 'evaluator')
    expect((await evaluator.get(`${indicators}/aware_yes/target`)).status).toBe(403)
    expect(
      (await evaluator.post(`${indicators}/aware_yes/target`, { value: '50', year: '2027' })).status,
    ).toBe(403)
    expect((await designer.get(`${indicators}/no_such/target`)).status).toBe(404)
    const dashboard = await evaluator.get('/staff/results/perception')
    expect(dashboard.text.replace(/[\u00a0\u202f]/g, ' ')).toContain(
      'Meta: al menos 1,0 % en 2026. Alcanzada en 2025.',
    )
  })
})
