import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConfig, lintFromString } from '@redocly/openapi-core'
import { openApiDocument } from '../../src/api/openapi.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { publishFixtureBrief } from '../fixtures/brief-builder.ts'
import { signedIn } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
const api = '/api/v1/series/fixture-city/perception'

beforeAll(async () => {
  t = await createTestApp()
  // 2025 is still being answered: the API publishes 2023 and 2024 only.
  fixture = await loadTrendFixture(t.services.db, { statuses: { 2025: 'open' } })
  await publishFixtureBrief(t.services, fixture.organizationId, 2024)
})
afterAll(() => t.close())

describe('the read-only JSON API', () => {
  it('lists published series with stable links', async () => {
    const res = await request(t.app).get('/api/v1/series')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.body.series).toContainEqual(
      expect.objectContaining({
        organization: 'fixture-city',
        series: 'perception',
        waves: [2023, 2024],
        links: { self: api },
      }),
    )
  })

  it('describes a series: published waves, indicators and breakdowns', async () => {
    const res = await request(t.app).get(api)
    expect(res.body).toMatchObject({
      organization: 'fixture-city',
      series: 'perception',
      waves: [2023, 2024],
      breakdowns: ['district', 'age_band', 'gender', 'language'],
      links: { trends: `${api}/trends`, page: '/s/fixture-city/perception/results' },
    })
    expect(res.body.indicators.map((i: { code: string }) => i.code)).toEqual([
      'interest_high',
      'aware_yes',
      'benefit_value',
    ])
  })

  it('serves the trends of closed waves, the same numbers as the evaluators’ download', async () => {
    const res = await request(t.app).get(`${api}/trends?breakdown=district`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ format: 'pulso-trends', version: 1, series: 'perception' })
    expect(new Set(res.body.rows.map((r: { wave: number }) => r.wave))).toEqual(new Set([2023, 2024]))
    const evaluator = await signedIn(t.app, t.services, fixture.organizationId, 'evaluator')
    const staff = JSON.parse((await evaluator.get('/staff/results/perception/trends.json?by=district')).text)
    for (const row of res.body.rows.filter((r: { breakdown: string }) => r.breakdown !== 'change')) {
      expect(staff.rows).toContainEqual(row)
    }
    const isla = res.body.rows.filter((r: { group: string }) => r.group === 'isla')
    for (const row of isla) expect(row).toMatchObject({ suppressed: true, estimate: null, se: null })
  })

  it('answers with ETags and caching headers, and 304 when nothing changed', async () => {
    const first = await request(t.app).get(`${api}/trends`)
    expect(first.headers['cache-control']).toBe('public, max-age=300')
    const etag = first.headers.etag!
    expect(etag).toMatch(/^"[\w-]+"$/)
    const again = await request(t.app).get(`${api}/trends`).set('If-None-Match', etag)
    expect(again.status).toBe(304)
    expect(again.text).toBe('')
    const other = await request(t.app).get(`${api}/trends?ci=wald`).set('If-None-Match', etag)
    expect(other.status).toBe(200)
  })

  it('answers problems as JSON: unknown series, resources and options', async () => {
    for (const [path, status] of [
      ['/api/v1/series/fixture-city/nothing', 404],
      ['/api/v1/series/Bad!/perception/trends', 404],
      ['/api/v1/nothing', 404],
      [`${api}/trends?breakdown=aware`, 400],
      [`${api}/trends?ci=bayes`, 400],
    ] as const) {
      const res = await request(t.app).get(path)
      expect(res.status, path).toBe(status)
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
      expect(res.body.status).toBe(status)
      expect(res.text).not.toMatch(/at .*\.ts/)
    }
  })

  it('describes itself in an OpenAPI document that names every route', async () => {
    const res = await request(t.app).get('/api/v1/openapi.json')
    expect(res.body.openapi).toBe('3.1.0')
    expect(res.body).toEqual(JSON.parse(JSON.stringify(openApiDocument)))
    const paths = res.body.paths as Record<string, { get: { security?: unknown } }>
    for (const [path, item] of Object.entries(paths)) {
      const concrete = path
        .replace('{org}', 'fixture-city')
        .replace('{series}', 'perception')
        .replace('{year}', '2024')
      // Without a token, a secured path answers 401; the others (security: [], anyone) answer.
      const secured = Array.isArray(item.get.security) && item.get.security.length > 0
      expect((await request(t.app).get(concrete)).status, path).toBe(secured ? 401 : 200)
    }
  })

  it('lints clean with Redocly’s recommended rules, so generated clients get sensible names', async () => {
    const config = await createConfig({ extends: ['recommended'] })
    const problems = await lintFromString({
      source: JSON.stringify(openApiDocument),
      absoluteRef: '/api/v1/openapi.json',
      config,
    })
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message}`)).toEqual([])
  })

  it('answers cross-origin reads of published results (CORS), never of microdata', async () => {
    const from = { Origin: 'https://datos.otraciudad.example' }
    for (const path of ['/api/v1/series', '/api/v1/series/fixture-city/perception/trends']) {
      const res = await request(t.app).get(path).set(from)
      expect(res.status).toBe(200)
      expect(res.headers['access-control-allow-origin']).toBe('*')
      expect(res.headers['access-control-expose-headers']).toBe('ETag')
      expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin')
    }
    // A browser revalidating with If-None-Match asks first.
    const preflight = await request(t.app)
      .options('/api/v1/series/fixture-city/perception')
      .set({
        ...from,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'if-none-match',
      })
    expect(preflight.status).toBe(204)
    expect(preflight.headers['access-control-allow-methods']).toBe('GET')
    expect(preflight.headers['access-control-allow-headers']).toBe('If-None-Match')
    const microdata = await request(t.app)
      .get('/api/v1/series/fixture-city/perception/microdata.zip')
      .set(from)
    expect(microdata.status).toBe(401)
    expect(microdata.headers['access-control-allow-origin']).toBeUndefined()
    // The pages themselves stay same-origin.
    expect(
      (await request(t.app).get('/s/fixture-city/perception/results').set(from)).headers[
        'access-control-allow-origin'
      ],
    ).toBeUndefined()
  })
})
