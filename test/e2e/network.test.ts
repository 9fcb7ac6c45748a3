import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { signedIn } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// The network page (#20.4): cities of one instance that opt in, compared per indicator on their
// latest closed wave; the others never appear.
let t: TestApp
let cities: Awaited<ReturnType<typeof loadTrendFixture>>[]

beforeAll(async () => {
  t = await createTestApp()
  cities = [
    await loadTrendFixture(t.services.db, { slug: 'ciudad-norte', name: 'Ciudad Norte' }),
    // The same answers, its 2025 wave still open: its latest published wave is 2024.
    await loadTrendFixture(t.services.db, {
      slug: 'ciudad-sur',
      name: 'Ciudad Sur',
      statuses: { 2025: 'open' },
    }),
    await loadTrendFixture(t.services.db, { slug: 'ciudad-reservada', name: 'Ciudad Reservada' }),
  ]
})
afterAll(() => t.close())

async function optIn(index: number, yes: boolean) {
  const admin = await signedIn(t.app, t.services, cities[index]!.organizationId, 'admin')
  await admin.get('/staff/organization')
  const res = await admin.post('/staff/organization/network', yes ? { network_opt_in: 'yes' } : {})
  expect(res.headers.location).toBe('/staff/organization?saved=1')
}

const seen = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ')

describe('the network page', () => {
  it('lists no city until one opts in', async () => {
    expect(seen((await request(t.app).get('/network')).text)).toContain('Todavía ninguna ciudad publica aquí')
    expect((await request(t.app).get('/network/aware_yes')).status).toBe(404)
  })

  it('compares the cities that opted in, on their latest closed wave, and never the others', async () => {
    await optIn(0, true)
    await optIn(1, true)
    const index = (await request(t.app).get('/network')).text
    expect(index).toContain('href="/network/aware_yes"')
    expect(index).toContain('(2 ciudades)')

    const page = seen((await request(t.app).get('/network/aware_yes')).text)
    expect(page).not.toContain('Ciudad Reservada')
    const rows = [
      ...page.matchAll(
        /<tr><th scope="row"><a href="([^"]+)">([^<]+)<\/a><\/th><td>(\d+)<\/td><td>([^<]+)<\/td>/g,
      ),
    ].map((m) => ({ href: m[1]!, city: m[2]!, wave: Number(m[3]), estimate: m[4]! }))
    expect(rows.map((r) => [r.city, r.wave])).toEqual(
      expect.arrayContaining([
        ['Ciudad Norte', 2025],
        ['Ciudad Sur', 2024],
      ]),
    )
    expect(rows).toHaveLength(2)
    // Highest first: the figures are the cities' own published ones.
    const figures = rows.map((r) => Number(r.estimate.replace(',', '.').replace(/[^\d.]/g, '')))
    expect(figures[0]).toBeGreaterThanOrEqual(figures[1]!)
    expect(rows.find((r) => r.city === 'Ciudad Norte')!.href).toBe(
      '/s/ciudad-norte/perception/results#h-aware_yes',
    )
    const published = (await request(t.app).get('/api/v1/series/ciudad-norte/perception/trends')).body as {
      rows: { indicator: string; breakdown: string; wave: number; estimate: number }[]
    }
    const norte = published.rows.find(
      (r) => r.indicator === 'aware_yes' && r.breakdown === 'overall' && r.wave === 2025,
    )!
    expect(rows.find((r) => r.city === 'Ciudad Norte')!.estimate).toBe(
      new Intl.NumberFormat('es-ES', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 })
        .format(norte.estimate)
        .replace(/[\u00a0\u202f]/g, ' '),
    )
    expect(page).toMatch(/respuestas, (ponderadas|sin ponderar)/)
    expect(page).toMatch(/\((un cambio real|sin cambio seguro)\)/)

    // Each member city's staff see where it stands, on their dashboard.
    const evaluator = await signedIn(t.app, t.services, cities[0]!.organizationId, 'evaluator')
    const dashboard = (await evaluator.get('/staff/results/perception')).text
    const norteFirst = rows[0]!.city === 'Ciudad Norte'
    expect(dashboard).toContain(`En la red de ciudades: puesto ${norteFirst ? 1 : 2} de 2`)
    const reserved = await signedIn(t.app, t.services, cities[2]!.organizationId, 'evaluator')
    expect((await reserved.get('/staff/results/perception')).text).not.toContain('En la red de ciudades')
    // In French too, with the page's own typography.
    expect((await request(t.app).get('/network/aware_yes?lang=fr')).text).toContain('Le réseau de villes')
  })

  it('drops a city the moment it opts out, and records who chose what', async () => {
    await optIn(1, false)
    const page = (await request(t.app).get('/network/aware_yes')).text
    expect(page).toContain('Ciudad Norte')
    expect(page).not.toContain('Ciudad Sur')
    const { rows } = await sql<{ details: unknown }>`
      select details from audit_log where action = 'organization.network' order by id`.execute(t.services.db)
    expect(rows.map((r) => r.details)).toEqual([{ optIn: true }, { optIn: true }, { optIn: false }])
  })

  it('is the admins’ choice', async () => {
    const evaluator = await signedIn(t.app, t.services, cities[2]!.organizationId, 'evaluator')
    await evaluator.get('/staff')
    expect((await evaluator.post('/staff/organization/network', { network_opt_in: 'yes' })).status).toBe(403)
    expect((await request(t.app).get('/network/aware_yes')).text).not.toContain('Ciudad Reservada')
  })
})
