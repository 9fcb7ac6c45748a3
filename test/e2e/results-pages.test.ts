import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { Respondent } from '../helpers/respondent.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
let evaluator: StaffBrowser

beforeAll(async () => {
  t = await createTestApp()
  // 2025 is still being answered: citizens see 2023-2024, staff see 2025 "so far".
  fixture = await loadTrendFixture(t.services.db, { statuses: { 2025: 'open' } })
  evaluator = await signedIn(t.app, t.services, fixture.organizationId, 'evaluator')
})
afterAll(() => t.close())

describe('the public results page', () => {
  it('shows closed waves only, in the reader’s language, with charts that have a title, a description and a table', async () => {
    const es = await request(t.app).get(`${fixture.url}/results?lang=es`)
    expect(es.status).toBe(200)
    expect(es.text).toContain('<html lang="es">')
    expect(es.text).toContain('Resultados: Percepción')
    expect(es.text).toMatch(
      /<svg class="chart"[^>]*role="img"[^>]*aria-labelledby="chart-interest_high-title chart-interest_high-desc"/,
    )
    expect(es.text).toContain('<title id="chart-interest_high-title">Interés alto, por edición</title>')
    // interest_high: 24.5 % in 2023, 34.6 % in 2024 (R's reference numbers): up 10.1 points.
    expect(es.text).toContain('En 2024 sube 10,1 puntos respecto a la edición anterior')
    expect(es.text).not.toContain('>2025')
    expect(es.text).toContain('2023: 300 respuestas, sin ponderar')
    expect(es.text).toContain('2024: 400 respuestas, ponderadas a la población')
    // The small district is withheld everywhere: a sentence, never a number.
    const islaRow = /<th scope="row">isla<\/th><td colspan="3">demasiado pocas respuestas<\/td>/
    expect(es.text).toMatch(islaRow)

    const fr = await request(t.app).get(`${fixture.url}/results?lang=fr`)
    expect(fr.text).toContain('<html lang="fr">')
    expect(fr.text).toMatch(/\d+,\d[\u202f\u00a0]%/) // French decimals and a non-breaking space before %
    const pt = await request(t.app).get(`${fixture.url}/results?lang=pt&by=language`)
    expect(pt.text).toContain('<option value="language" selected>Idioma de resposta</option>')
  })

  it('keeps the page small and free of inline script or style', async () => {
    const res = await request(t.app).get(`${fixture.url}/results`)
    expect(res.text).not.toMatch(/<script|<style|\sstyle=/)
    expect(Buffer.byteLength(res.text)).toBeLessThan(60 * 1024)
  })

  it('answers 404 for an unknown series and ignores an unknown breakdown', async () => {
    expect((await request(t.app).get('/s/fixture-city/nothing/results')).status).toBe(404)
    const res = await request(t.app).get(`${fixture.url}/results?by=%3Cscript%3E`)
    expect(res.status).toBe(200)
    expect(res.text).not.toContain('<script>')
  })
})

describe('the evaluators’ dashboard', () => {
  it('shows weights per wave and the wave being answered "so far", and never stale numbers', async () => {
    const page = await evaluator.get('/staff/results/perception')
    expect(page.status).toBe(200)
    expect(page.text).toContain('Ponderación por edición')
    expect(page.text).toContain('2025 (en curso)')
    expect(page.text).toMatch(/Calibrada \(raking\) a la población por age_band, district/)
    expect(page.text).toContain('Efecto de diseño (Kish)')
    const respondents = () =>
      /<th scope="row">2025 \(en curso\)<\/th><td>([\d\s.\u202f\u00a0]+)<\/td>/.exec(page2.text)?.[1]
    let page2 = page
    const before = respondents()

    // A citizen answers the open wave: the next view counts them.
    const citizen = new Respondent(t.app, fixture.url)
    await citizen.start()
    await citizen.answer(`${fixture.url}/p/1`, { interest: '5', aware: 'yes', benefit: '9' })
    const done = await citizen.answer(`${fixture.url}/p/2`, { district: 'norte', age_band: '16_29' })
    expect(done.headers.location).toBe(`${fixture.url}/thanks`)
    page2 = await evaluator.get('/staff/results/perception')
    expect(respondents()).not.toBe(before)
    expect(respondents()!.replace(/\D/g, '')).toBe('501')
  })

  it('is for evaluators, designers and admins of the organization only', async () => {
    expect((await request(t.app).get('/staff/results/perception')).status).toBe(303)
    const facilitator = await signedIn(t.app, t.services, fixture.organizationId, 'facilitator')
    expect((await facilitator.get('/staff/results/perception')).status).toBe(403)
    // Another city with the same series code, whose 2024 wave is still a draft: its dashboard shows no
    // 2024, where ours does; a leak of our series into theirs would show it.
    const other = await loadTrendFixture(t.services.db, { slug: 'other-city', statuses: { 2024: 'draft' } })
    const outsider = await signedIn(t.app, t.services, other.organizationId, 'evaluator')
    const theirs = await outsider.get('/staff/results/perception')
    expect(theirs.status).toBe(200)
    expect(theirs.text).not.toContain('<th scope="row">2024')
    expect((await evaluator.get('/staff/results/perception')).text).toContain('<th scope="row">2024')
    // The same series code in another organization is that organization's own series.
    const { rows } = await sql<{
      n: number
    }>`select count(*)::int as n from survey_series where code = 'perception'`.execute(t.services.db)
    expect(rows[0]!.n).toBe(2)
  })
})
