import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DEMO_INDICATORS,
  DEMO_ORGANIZATION,
  DEMO_PARTNER_CITY,
  DEMO_SERIES_CODE,
  isEmpty,
  loadDemo,
} from '../../src/demo/demo-data.ts'
import { syntheticResponses } from '../../src/demo/synthetic-responses.ts'
import { DEMO_PROJECTS } from '../../src/demo/feedback-demo.ts'
import request from 'supertest'
import { Respondent } from '../helpers/respondent.ts'
import { signedIn } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let demo: Awaited<ReturnType<typeof loadDemo>>
beforeAll(async () => {
  t = await createTestApp()
  expect(await isEmpty(t.services.db)).toBe(true)
  demo = await loadDemo(t.services.db)
})
afterAll(() => t.close())

describe('the demo city', () => {
  it('has 2024 and 2025 closed with 1,500 responses each, and 2026 open', async () => {
    const { rows } = await sql<{ year: number; status: string; responses: number }>`
      select w.year, w.status, count(r.id)::int as responses
      from wave w left join response r on r.wave_id = w.id
      join survey_series s on s.id = w.series_id join organization o on o.id = s.organization_id
      where o.slug = ${DEMO_ORGANIZATION.slug} and s.code = ${DEMO_SERIES_CODE}
      group by w.year, w.status order by w.year`.execute(t.services.db)
    expect(rows).toEqual([
      { year: 2024, status: 'closed', responses: 1500 },
      { year: 2025, status: 'closed', responses: 1500 },
      { year: 2026, status: 'open', responses: 400 },
    ])
    expect(await isEmpty(t.services.db)).toBe(false)
  })

  it('shows awareness rising from year to year, and districts that differ', async () => {
    const { rows } = await sql<{ year: number; aware: number }>`
      select w.year, avg(case when a.option_code = 'yes' then 1.0 else 0.0 end)::float8 as aware
      from answer a join question q on q.id = a.question_id join wave w on w.id = a.wave_id
      where q.code = 'aware' group by w.year order by w.year`.execute(t.services.db)
    expect(rows[0]!.aware).toBeLessThan(rows[1]!.aware)
    expect(rows[1]!.aware).toBeLessThan(rows[2]!.aware)

    const byDistrict = await sql<{ district: string; aware: number; n: number }>`
      select d.option_code as district, avg(case when a.option_code = 'yes' then 1.0 else 0.0 end)::float8 as aware,
             count(*)::int as n
      from answer a
      join question q on q.id = a.question_id and q.code = 'aware'
      join answer d on d.response_id = a.response_id
      join question dq on dq.id = d.question_id and dq.code = 'district'
      group by d.option_code order by aware`.execute(t.services.db)
    const shares = byDistrict.rows.map((r) => r.aware)
    expect(byDistrict.rows).toHaveLength(6)
    expect(shares.at(-1)! - shares[0]!).toBeGreaterThan(0.15)
    // The sample over-represents the centre (not representative, so weighting will matter).
    const centre = byDistrict.rows.find((r) => r.district === 'centro')!
    const vega = byDistrict.rows.find((r) => r.district === 'vega_norte')!
    expect(centre.n).toBeGreaterThan(vega.n)
  })

  it('is generated deterministically', () => {
    expect(syntheticResponses(2025, 200)).toEqual(syntheticResponses(2025, 200))
    expect(syntheticResponses(2025, 200)).not.toEqual(syntheticResponses(2024, 200))
  })

  it('its open 2026 wave can be answered through the web', async () => {
    const url = `/s/${DEMO_ORGANIZATION.slug}/${DEMO_SERIES_CODE}`
    const citizen = new Respondent(t.app, url, 'pt-PT')
    const first = await citizen.start()
    expect((await citizen.answer(first, { interest: '5', aware: 'no' })).headers.location).toBe(`${url}/p/3`)
    expect((await citizen.answer(`${url}/p/3`, { keep_investing: '4' })).headers.location).toBe(`${url}/p/4`)
    expect(
      (await citizen.answer(`${url}/p/4`, { district: 'puerto', age_band: '30_44' })).headers.location,
    ).toBe(`${url}/p/5`)
    expect((await citizen.answer(`${url}/p/5`, { years_resident: '3' })).headers.location).toBe(
      `${url}/thanks`,
    )
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from response r join wave w on w.id = r.wave_id where w.year = 2026`.execute(
      t.services.db,
    )
    expect(rows[0]!.n).toBe(401)
  })
})

describe('the demo’s partner city', () => {
  it('publishes trends that compare side by side with the demo city’s', async () => {
    expect(demo.responses).toBe(4600)
    const published = await request(t.app).get(
      `/api/v1/series/${DEMO_PARTNER_CITY.slug}/${DEMO_SERIES_CODE}/trends`,
    )
    expect(published.status).toBe(200)
    const evaluator = await signedIn(t.app, t.services, 1, 'evaluator')
    const base = `/staff/results/${DEMO_SERIES_CODE}`
    await evaluator.get(`${base}/compare`)
    const added = await evaluator.agent
      .post(`${base}/compare?_csrf=${encodeURIComponent(evaluator.token)}`)
      .attach('file', Buffer.from(published.text), 'villa-hermana.json')
    expect(added.status).toBe(303)
    const page = await evaluator.get(`${base}/compare`)
    expect(page.text).toContain(`<th scope="col">${DEMO_PARTNER_CITY.name}</th>`)
    expect(page.text).toContain(`<th scope="col">${DEMO_ORGANIZATION.name}</th>`)
    const other = JSON.parse(published.text) as { rows: { indicator: string; wave: number }[] }
    expect(new Set(other.rows.map((r) => r.wave))).toEqual(new Set([2024, 2025]))
    expect(new Set(other.rows.map((r) => r.indicator))).toEqual(new Set(DEMO_INDICATORS.map((i) => i.code)))
  })
})

describe('the demo’s partner projects', () => {
  it('take feedback in their own language, and show approved stories and results', async () => {
    for (const project of DEMO_PROJECTS) {
      const form = await request(t.app).get(`/f/${project.code}`).set('Accept-Language', 'en')
      expect(form.status).toBe(200)
      expect(form.text).toContain(
        `<html lang="${project.languages[0] === 'pt' ? 'pt-BR' : project.languages[0]}">`,
      )
      const page = await request(t.app).get(`/projects/${project.code}`)
      expect(page.text).toContain(project.stories[0])
      // Each story once, the question it answers said once above them, not in every caption.
      for (const story of project.stories) expect(page.text.split(story).length - 1, story).toBe(1)
      expect(page.text.match(/<h3>/g)).toHaveLength(1)
    }
    // Read in Spanish: captions name the language in Spanish, and an open-ended project runs "since".
    const recife = (await request(t.app).get('/projects/hortas-recife?lang=es')).text
    expect(recife).toContain('<figcaption>En portugués · ')
    expect(recife).not.toMatch(/En Português|Em Español/)
    expect(recife).toContain('Desde el 15 de enero de 2025')
    const inPortuguese = (await request(t.app).get('/projects/hortas-recife?lang=pt')).text
    expect(inPortuguese).toContain('<figcaption>Em português · ')
    // Names in the reader's language: the project's and the city's.
    expect(recife).toContain('<h1>Huertos comunitarios en Recife</h1>')
    const inFrench = (await request(t.app).get('/projects/hortas-recife?lang=fr')).text
    expect(inFrench).toContain('<h1>Jardins communautaires à Recife</h1>')
    expect(inFrench).toContain('Ville d’Exemple')
    expect(inFrench).not.toContain('Ciudad de Ejemplo')
    for (const url of [
      '/',
      '/s/ciudad-ejemplo/percepcion',
      '/s/ciudad-ejemplo/percepcion/results',
      '/f/hortas-recife',
    ]) {
      const page = (await request(t.app).get(`${url}?lang=fr`)).text
      expect(page, url).toContain('Ville d’Exemple')
      expect(page, url).not.toContain('Ciudad de Ejemplo')
    }
    // The council's target for awareness, drawn and judged on the public results.
    const published = (await request(t.app).get('/s/ciudad-ejemplo/percepcion/results')).text
    expect(published).toMatch(/<line class="chart-target" /)
    expect(published.replace(/[\u00a0\u202f]/g, ' ')).toContain('Meta: al menos 50,0 % en 2027.')
    expect(published).toContain('Por qué esta meta: El pleno aprobó en 2024')
    // Its 2025 brief, published with the target and a story from each of two projects.
    const brief = (await request(t.app).get('/s/ciudad-ejemplo/percepcion/brief/2025')).text
    expect(brief.replace(/[\u00a0\u202f]/g, ' ')).toContain('Meta: al menos 50,0 % en 2027.')
    expect(brief).toContain('En 2025 la ciudad volvió a preguntar a sus vecinos')
    expect(brief.match(/<figure class="brief-story">/g)).toHaveLength(2)
    // Both cities of the network on its page.
    const network = (await request(t.app).get('/network/awareness')).text
    expect(network).toContain('Ciudad de Ejemplo')
    expect(network).toContain('Villa Hermana')
    const evaluator = await signedIn(t.app, t.services, 1, 'evaluator')
    const results = await evaluator.get('/staff/projects/agua-cusco/results')
    expect(results.status).toBe(200)
    expect(results.text).toMatch(/<svg class="chart"/)
    const { rows } = await sql<{ channel: string; n: number }>`
      select channel, count(*)::int as n from feedback f join partner_project p on p.id = f.project_id
      where p.code = 'agua-cusco' group by channel order by channel`.execute(t.services.db)
    expect(rows).toEqual([
      { channel: 'assisted', n: 12 },
      { channel: 'web', n: 24 },
    ])
  })
})

describe('the demo’s drawn sample', () => {
  const url = `/s/${DEMO_ORGANIZATION.slug}/${DEMO_SERIES_CODE}`

  it('2026 takes the open link and invitation codes; a printed code is used once, resumed elsewhere', async () => {
    expect(demo.invitationCodes).toHaveLength(3)
    const landing = await new Respondent(t.app, url).get(url)
    expect(landing.text).toContain(`action="${url}/start"`)
    expect(landing.text).toContain(`action="${url}/code"`)
    const code = demo.invitationCodes[0]!
    const phone = new Respondent(t.app, url)
    await phone.get(url)
    const started = await phone.post(`${url}/code`, { code })
    expect(started.headers.location).toBe(`${url}/p/1`)
    await phone.answer(`${url}/p/1`, { interest: '4', aware: 'no' })
    const laptop = new Respondent(t.app, url)
    await laptop.get(url)
    const resumed = await laptop.post(`${url}/code`, { code: code.toLowerCase() })
    expect(resumed.headers.location).toBe(`${url}/p/3`)
    await laptop.answer(`${url}/p/3`, { keep_investing: '4' })
    await laptop.answer(`${url}/p/4`, { district: 'puerto', age_band: '30_44' })
    expect((await laptop.answer(`${url}/p/5`, {})).headers.location).toBe(`${url}/thanks`)
    const again = new Respondent(t.app, url)
    await again.get(url)
    expect((await again.post(`${url}/code`, { code })).text).toContain('Este código ya se utilizó')
  })

  it('shows response rates per district on the evaluators’ dashboard', async () => {
    const evaluator = await signedIn(t.app, t.services, 1, 'evaluator')
    const page = await evaluator.get(`/staff/results/${DEMO_SERIES_CODE}`)
    expect(page.text).toContain('Tasa de respuesta de la muestra invitada')
    for (const district of ['centro', 'puerto', 'alameda', 'san_blas', 'colinas', 'vega_norte'])
      expect(page.text).toMatch(
        new RegExp(`<th scope="row">${district}</th><td>60</td><td>\\d+</td><td>\\d+</td><td>\\d`),
      )
    const { rows } = await sql<{ completed: number; invited_responses: number }>`
      select (select count(*)::int from invitation where completed) as completed,
             (select count(*)::int from response where access = 'invitation') as invited_responses`.execute(
      t.services.db,
    )
    expect(rows[0]!.completed).toBe(rows[0]!.invited_responses)
  })
})

describe('configuration', () => {
  const root = path.resolve(import.meta.dirname, '../..')
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH!, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    })

  it('refuses a bad value with one clear line and no stack trace', () => {
    const result = run({ PORT: 'eighty' })
    expect(result.status).toBe(2)
    expect(result.stderr.trim()).toBe(
      'Pulso: invalid configuration: PORT: must be a whole number from 1 to 65535',
    )
  })

  it('refuses a database URL that is not PostgreSQL', () => {
    const result = run({ DATABASE_URL: 'mysql://localhost/x' })
    expect(result.status).toBe(2)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain('DATABASE_URL')
  })

  it('requires a secret in production', () => {
    const result = run({ NODE_ENV: 'production', DATABASE_URL: 'postgres://127.0.0.1/x' })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('SECRET: required in production')
  })
})
