import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { Package } from 'datapackage'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { binary, unzip } from '../helpers/zip.ts'

let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
let evaluator: StaffBrowser
let files: Map<string, string>

beforeAll(async () => {
  t = await createTestApp()
  fixture = await loadTrendFixture(t.services.db)
  evaluator = await signedIn(t.app, t.services, fixture.organizationId, 'evaluator')
  const res = await evaluator.agent.get('/staff/results/perception/microdata.zip').buffer(true).parse(binary)
  expect(res.status).toBe(200)
  expect(res.headers['content-type']).toBe('application/zip')
  files = await unzip(res.body as Buffer)
})
afterAll(() => t.close())

const questionCodes = ['interest', 'aware', 'benefit', 'district', 'age_band', 'gender']
const table = (name: string) => parse<Record<string, string>>(files.get(name)!, { columns: true })

describe('the microdata package', () => {
  it('holds one file per wave, a pooled file, the codebook and datapackage.json', () => {
    expect([...files.keys()]).toEqual([
      'responses-2023.csv',
      'responses-2024.csv',
      'responses-2025.csv',
      'responses-all.csv',
      'codebook.csv',
      'datapackage.json',
    ])
  })

  it('has one row per response, weights that add up to the population, and no free text', async () => {
    const { rows } = await sql<{ year: number; n: number }>`
      select w.year, count(*)::int as n from response r join wave w on w.id = r.wave_id group by w.year order by w.year`.execute(
      t.services.db,
    )
    const pooled = table('responses-all.csv')
    expect(pooled).toHaveLength(rows.reduce((sum, r) => sum + r.n, 0))
    for (const { year, n } of rows) {
      const wave = table(`responses-${year}.csv`)
      expect(wave).toHaveLength(n)
      expect(pooled.filter((r) => r.wave === String(year))).toHaveLength(n)
    }
    // 2024 is raked to its margins: the weights add up to the population of a margin.
    const margins = await sql<{ total: number }>`
      select sum(population)::float8 as total from population_margin m join wave w on w.id = m.wave_id
      where w.year = 2024 and m.variable = 'district'`.execute(t.services.db)
    const weights = table('responses-2024.csv').map((r) => Number(r.weight))
    expect(Math.abs(weights.reduce((a, b) => a + b, 0) - margins.rows[0]!.total)).toBeLessThan(1e-6)
    expect(table('responses-2023.csv').every((r) => r.weight === '1')).toBe(true)
    expect(Object.keys(pooled[0]!)).toEqual([
      'wave',
      'language',
      'channel',
      'facilitator',
      'access',
      'stratum',
      'weight',
      ...questionCodes,
    ])
  })

  it('blanks profile combinations shared by fewer than 5 respondents of a wave', () => {
    for (const year of [2023, 2024, 2025]) {
      const rows = table(`responses-${year}.csv`)
      const shown = new Map<string, number>()
      for (const r of rows) {
        if (!r.district && !r.age_band && !r.gender) continue
        const key = `${r.district}/${r.age_band}/${r.gender}`
        shown.set(key, (shown.get(key) ?? 0) + 1)
      }
      for (const [key, count] of shown) expect(count, `${year} ${key}`).toBeGreaterThanOrEqual(5)
    }
    const pooled = table('responses-all.csv')
    const blanked = pooled.filter((r) => !r.district && !r.age_band && !r.gender)
    expect(blanked.length).toBeGreaterThan(0)
    // Rare combinations only: most respondents keep their profile (blanking everything would pass above).
    expect(blanked.length).toBeLessThan(pooled.length * 0.2)
  })

  it('describes every column in a Table Schema with types and enums, and every question in the codebook', () => {
    const pkg = JSON.parse(files.get('datapackage.json')!)
    expect(pkg.profile).toBe('tabular-data-package')
    expect(pkg.name).toMatch(/^[a-z0-9._-]+$/)
    for (const resource of pkg.resources) {
      expect(files.has(resource.path)).toBe(true)
      const header = Object.keys(table(resource.path)[0]!)
      expect(resource.schema.fields.map((f: { name: string }) => f.name)).toEqual(header)
      for (const field of resource.schema.fields) {
        expect(['string', 'integer', 'number', 'boolean']).toContain(field.type)
        const values = table(resource.path)
          .map((r) => r[field.name]!)
          .filter((v) => v !== '')
        if (field.constraints?.enum) for (const v of values) expect(field.constraints.enum).toContain(v)
        if (field.type === 'integer') for (const v of values) expect(v).toMatch(/^-?\d+$/)
        if (field.type === 'number') for (const v of values) expect(Number.isFinite(Number(v))).toBe(true)
      }
    }
    const codebook = table('codebook.csv')
    expect(codebook.filter((r) => r.wave === '2024').map((r) => r.code)).toEqual(questionCodes)
    expect(codebook.find((r) => r.code === 'district')).toMatchObject({ profile: 'true', published: 'yes' })
  })

  it('passes the official Frictionless validator, and every value casts to its field’s type', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pulso-datapackage-'))
    try {
      for (const [name, text] of files) writeFileSync(path.join(dir, name), text)
      const pkg = await Package.load(path.join(dir, 'datapackage.json'))
      expect(pkg.errors.map(String)).toEqual([])
      expect(pkg.valid).toBe(true)
      for (const resource of pkg.resources) {
        const rows = await resource.read({ keyed: true, cast: true })
        expect(rows).toHaveLength(table(resource.descriptor.path).length)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('is for evaluators of the organization only', async () => {
    const facilitator = await signedIn(t.app, t.services, fixture.organizationId, 'facilitator')
    expect((await facilitator.get('/staff/results/perception/microdata.zip')).status).toBe(403)
    expect((await evaluator.get('/staff/results/unknown/microdata.zip')).status).toBe(404)
  })
})
