import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formattersFor } from '../../src/i18n/formatters.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { serve } from '../helpers/browser.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let evaluator: StaffBrowser
let otherCityFile: string
const base = '/staff/results/perception'

beforeAll(async () => {
  t = await createTestApp()
  const ours = await loadTrendFixture(t.services.db, { slug: 'ciudad-a', name: 'Ciudad A' })
  await loadTrendFixture(t.services.db, { slug: 'ciudad-b', name: 'Ciudad B', statuses: { 2025: 'open' } })
  evaluator = await signedIn(t.app, t.services, ours.organizationId, 'evaluator')
  // The other city's published trends, as its API serves them to anyone.
  const published = await evaluator.agent.get('/api/v1/series/ciudad-b/perception/trends')
  otherCityFile = published.text
})
afterAll(() => t.close())

const upload = (content: string | Buffer, name = 'ciudad-b.json') =>
  evaluator.agent
    .post(`${base}/compare?_csrf=${encodeURIComponent(evaluator.token)}`)
    .attach('file', Buffer.from(content), name)

describe('comparing cities on their published trend files', () => {
  it('shows the shared indicators side by side over the years, with each city’s intervals', async () => {
    await evaluator.get(`${base}/compare`)
    const added = await upload(otherCityFile)
    expect(added.status).toBe(303)
    const page = await evaluator.get(`${base}/compare?notice=added`)
    expect(page.status).toBe(200)
    expect(page.text).toContain('Se añadió el archivo de la ciudad.')
    // The other city by its name, not its code.
    expect(page.text).toContain('<th scope="col">Ciudad B</th>')
    // A chart per shared indicator: both cities named in its legend, a mark per number in its table.
    const section = page.text.slice(page.text.indexOf('id="cmp-aware_yes"'))
    const chart = /<svg class="chart"[\s\S]*?<\/svg>/.exec(section)![0]
    expect(chart).toContain('>Ciudad A</text>')
    expect(chart).toContain('>Ciudad B</text>')
    const table = section.slice(section.indexOf('<table'), section.indexOf('</table>'))
    const numbers = (table.match(/<td>[^<—]+<\/td>/g) ?? []).length
    // One mark per number, plus one per city in the legend.
    expect((chart.match(/class="chart-dot/g) ?? []).length).toBe(numbers + 2)
    const [left, top, right, bottom] = /data-plot="([^"]+)"/.exec(chart)![1]!.split(' ').map(Number)
    for (const m of chart.matchAll(
      /<line class="chart-interval[^"]*" x1="([\d.]+)" x2="[\d.]+" y1="([\d.]+)" y2="([\d.]+)"/g,
    )) {
      expect(+m[1]!).toBeGreaterThanOrEqual(left! - 0.5)
      expect(+m[1]!).toBeLessThanOrEqual(right! + 0.5)
      for (const y of [+m[2]!, +m[3]!]) expect(y >= top! - 0.5 && y <= bottom! + 0.5).toBe(true)
    }
    const other = JSON.parse(otherCityFile)
    const row = other.rows.find(
      (r: { indicator: string; wave: number; breakdown: string }) =>
        r.indicator === 'aware_yes' && r.wave === 2024 && r.breakdown === 'overall',
    )
    const f = formattersFor('es')
    expect(page.text).toContain(
      `${f.percent(row.estimate, 1)} (${f.percent(row.ciLow, 1)} – ${f.percent(row.ciHigh, 1)})`,
    )
    // 2025 is not published by the other city: a dash in its column, our 2025 in ours.
    expect(page.text).toMatch(/<tr><th scope="row">2025<\/th><td>[^<—]+<\/td><td>—<\/td><\/tr>/)
  })

  it('rejects a malformed file row by row, and stores nothing', async () => {
    await evaluator.get(`${base}/compare`)
    const document = JSON.parse(otherCityFile)
    document.rows[2].estimate = 'high'
    document.rows[5].wave = 'last year'
    const refused = await upload(JSON.stringify(document))
    expect(refused.status).toBe(400)
    expect(refused.text).toContain('Fila 3: estimate')
    expect(refused.text).toContain('Fila 6: wave')
    const notJson = await upload('<html>')
    expect(notJson.status).toBe(400)
    expect(notJson.text).toContain('the file is not JSON')
    const wrongFormat = await upload(JSON.stringify({ format: 'other', version: 1, series: 'x', rows: [] }))
    expect(wrongFormat.text).toContain('format must be')
    const page = await evaluator.get(`${base}/compare`)
    expect(page.text.match(/Quitar Ciudad B/g)).toHaveLength(1)
  })

  it('removes a compared city', async () => {
    const page = await evaluator.get(`${base}/compare`)
    const action = /action="([^"]+\/remove)"/.exec(page.text)![1]!
    expect((await evaluator.post(action)).status).toBe(303)
    expect((await evaluator.get(`${base}/compare`)).text).not.toContain('Quitar Ciudad B')
  })
})

describe('adding another instance’s trend file by its address', () => {
  it('fetches it from an allowed origin only, without following redirects', { timeout: 60_000 }, async () => {
    expect((await evaluator.get(`${base}/compare`)).text).not.toContain('name="url"')
    const other = await serve(t.app) // the other city's instance, publishing ciudad-b
    const here = await createTestApp({ comparisonOrigins: [other.url] })
    try {
      const city = await loadTrendFixture(here.services.db, { slug: 'ciudad-c' })
      const reader = await signedIn(here.app, here.services, city.organizationId, 'evaluator')
      const page = await reader.get(`${base}/compare`)
      expect(page.text).toContain('name="url"')
      expect(page.text).toContain(other.url)
      const add = (url: string) => reader.post(`${base}/compare/url`, { url })
      for (const [url, message] of [
        [
          'https://example.org/api/v1/series/x/y/trends',
          'Esta instancia no admite archivos de esa dirección',
        ],
        ['not an address', 'Escriba una dirección completa'],
        [`${other.url}/api/v1/series/ciudad-b/nothing/trends`, 'No se pudo obtener el archivo'],
        [`${other.url}/staff/results/perception`, 'No se pudo obtener el archivo'], // a redirect to sign-in
        [`${other.url}/api/v1/openapi.json`, 'format must be'],
      ] as const) {
        const res = await add(url)
        expect(res.status, url).toBe(400)
        expect(res.text, url).toContain(message)
      }
      const added = await add(`${other.url}/api/v1/series/ciudad-b/perception/trends`)
      expect(added.status).toBe(303)
      expect((await reader.get(`${base}/compare`)).text).toContain('<th scope="col">Ciudad B</th>')
    } finally {
      await other.close()
      await here.close()
    }
  })
})
