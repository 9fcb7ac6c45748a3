import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { createLogger } from '../../src/logger.ts'
import { setTarget } from '../../src/results/results.repository.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { binary } from '../helpers/zip.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Each published chart has an address of its own, as SVG or PNG, for a city's website (#20.3).
let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>

beforeAll(async () => {
  t = await createTestApp()
  fixture = await loadTrendFixture(t.services.db)
  await setTarget(t.services.db, fixture.seriesId, 'aware_yes', {
    value: 0.8,
    year: 2027,
    direction: 'atLeast',
    reason: {},
  })
})
afterAll(() => t.close())

const charts = '/s/fixture-city/perception/charts'

describe('charts to share', () => {
  it('offers each chart’s address and an embed snippet on the public page', async () => {
    const page = (await request(t.app).get('/s/fixture-city/perception/results')).text
    expect(page).toContain('<details class="embed">')
    expect(page).toContain(`href="${charts}/aware_yes.svg?lang=es"`)
    // The snippet as text in the page (escaped), an img element once pasted; absolute with PUBLIC_URL.
    expect(page).toMatch(
      />&lt;img src=&#34;\/s\/fixture-city\/perception\/charts\/aware_yes\.svg\?lang=es&#34; alt=&#34;[^<]+ width=&#34;640&#34;&gt;<\/textarea>/,
    )
    const published = createApp(t.services, {
      production: false,
      trustProxy: 'false',
      submitRateLimit: { limit: 100, windowMs: 60_000 },
      publicUrl: 'https://encuesta.ciudad.example',
      logger: createLogger({ level: 'silent' }),
    })
    const withAddress = (await request(published).get('/s/fixture-city/perception/results')).text
    expect(withAddress).toContain(
      '&lt;img src=&#34;https://encuesta.ciudad.example/s/fixture-city/perception/charts/aware_yes.svg?lang=es&#34;',
    )
    // A link shared on social media shows the first chart (Open Graph), which other sites may fetch.
    expect(withAddress).toContain(
      '<meta property="og:url" content="https://encuesta.ciudad.example/s/fixture-city/perception/results">',
    )
    const image = /<meta property="og:image" content="([^"]+)">/.exec(withAddress)![1]!
    expect(image).toMatch(
      /^https:\/\/encuesta\.ciudad\.example\/s\/fixture-city\/perception\/charts\/[a-z_]+\.png\?lang=es$/,
    )
    expect(withAddress).toContain('<meta name="twitter:card" content="summary_large_image">')
    const png = await request(t.app).get(new URL(image).pathname + new URL(image).search)
    expect(png.status).toBe(200)
    expect(png.headers['content-type']).toBe('image/png')
    // Without PUBLIC_URL there is no absolute address to give: no Open Graph tags.
    expect(page).not.toContain('og:image')
  })

  it('serves an SVG that carries its own look, in the reader’s language, readable from any site', async () => {
    const res = await request(t.app)
      .get(`${charts}/aware_yes.svg?lang=fr`)
      .set('Origin', 'https://ville.example')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin')
    const svg = (res.body as Buffer).toString('utf8')
    expect(svg).toMatch(/^<svg class="chart" width="\d+" height="\d+" viewBox=/)
    expect(svg).toContain('<rect width="100%" height="100%" fill="#fff"/>')
    // No class left to style: every mark says how it looks.
    expect(svg).not.toMatch(/class="chart-/)
    expect(svg).toMatch(/<path fill="none" stroke="#0b3d66" stroke-width="2.5" d="/)
    expect(svg).toMatch(/<line stroke="#6f3c00" stroke-width="2" stroke-dasharray="8 5" /)
    expect(svg).toContain('<title id="chart-aware_yes-title">')
    expect(svg).toMatch(/Objectif 2027\u202f: 80,0[\u00a0\u202f]%/)
    expect(svg).not.toMatch(/<script|<style/)
    // Revalidation costs nothing.
    const again = await request(t.app)
      .get(`${charts}/aware_yes.svg?lang=fr`)
      .set('If-None-Match', res.headers.etag!)
    expect(again.status).toBe(304)
  })

  it('serves a PNG made from it without a browser', async () => {
    const res = await request(t.app).get(`${charts}/aware_yes.png?lang=es`).buffer(true).parse(binary)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('image/png')
    const png = res.body as Buffer
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    // IHDR: 1,280 pixels wide, in the chart's proportions.
    expect(png.readUInt32BE(16)).toBe(1280)
    expect(png.readUInt32BE(20)).toBeGreaterThan(300)
    expect(png.length).toBeGreaterThan(5_000)
  })

  it('knows only published indicators of published series', async () => {
    for (const path of [
      `${charts}/no_such.svg`,
      `${charts}/aware_yes.gif`,
      '/s/fixture-city/nothing/charts/aware_yes.svg',
      '/s/no-city/perception/charts/aware_yes.png',
    ])
      expect((await request(t.app).get(path)).status, path).toBe(404)
  })
})
