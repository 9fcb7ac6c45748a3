import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Each wave states how it was weighted; margins follow a copied wave as a draft to confirm; a change
// between a weighted and an unweighted wave says so wherever it appears.
let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
let designer: StaffBrowser
let evaluator: StaffBrowser

beforeAll(async () => {
  t = await createTestApp()
  fixture = await loadTrendFixture(t.services.db)
  designer = await signedIn(t.app, t.services, fixture.organizationId, 'designer')
  evaluator = await signedIn(t.app, t.services, fixture.organizationId, 'evaluator')
})
afterAll(() => t.close())

const margins = (year: number) =>
  t.services.db
    .selectFrom('population_margin as m')
    .innerJoin('wave as w', 'w.id', 'm.wave_id')
    .select(['m.variable', 'm.level', 'm.population'])
    .where('w.series_id', '=', fixture.seriesId)
    .where('w.year', '=', year)
    .orderBy('m.variable')
    .orderBy('m.level')
    .execute()

describe('how each wave was weighted', () => {
  it('copies a wave’s margins with its questionnaire, as a draft the staff confirm', async () => {
    await designer.get('/staff/series/perception')
    const copied = await designer.post('/staff/series/perception/waves', { year: '2026', start: 'copy' })
    expect(copied.status).toBe(303)
    expect(await margins(2026)).toEqual(await margins(2025))
    const page = await designer.get('/staff/series/perception/waves/2026')
    expect(page.text).toContain('Los márgenes de población se copiaron de 2025')

    // While unconfirmed, the results say which margins weighted the wave.
    await t.services.db
      .updateTable('wave')
      .set({ status: 'open' })
      .where('series_id', '=', fixture.seriesId)
      .where('year', '=', 2026)
      .execute()
    expect((await evaluator.get('/staff/results/perception')).text).toContain(
      'con márgenes copiados de 2025, aún sin confirmar',
    )
    const confirmed = await designer.post('/staff/series/perception/waves/2026/margins/confirm')
    expect(confirmed.status).toBe(303)
    expect((await designer.get('/staff/series/perception/waves/2026')).text).not.toContain(
      'Los márgenes de población se copiaron',
    )
    expect((await evaluator.get('/staff/results/perception')).text).not.toContain('márgenes copiados')
    const audit = await t.services.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'margins.confirm')
      .execute()
    expect(audit).toHaveLength(1)
    // Nothing left to confirm: a second confirmation is refused.
    expect((await designer.post('/staff/series/perception/waves/2026/margins/confirm')).status).toBe(404)
  })

  it('flags a change between a weighted and an unweighted wave in the files and on the page', async () => {
    const csv = parse<Record<string, string>>(
      (await evaluator.get('/staff/results/perception/trends.csv')).text,
      {
        columns: true,
      },
    )
    // 2023 has no margins, 2024 has: the 2024 change mixes the two.
    const change2024 = csv.find(
      (r) => r.indicator === 'aware_yes' && r.breakdown === 'change' && r.wave === '2024',
    )!
    expect(change2024.weighting_differs).toBe('true')
    const change2025 = csv.find(
      (r) => r.indicator === 'aware_yes' && r.breakdown === 'change' && r.wave === '2025',
    )!
    expect(change2025.weighting_differs).toBe('false')
    // Without its margins, 2025 is unweighted against a weighted 2024: the sentence warns.
    await t.services.db
      .deleteFrom('population_margin')
      .where('wave_id', '=', (eb) =>
        eb.selectFrom('wave').select('id').where('series_id', '=', fixture.seriesId).where('year', '=', 2025),
      )
      .execute()
    const page = (await evaluator.get('/staff/results/perception?lang=pt')).text
    expect(page).toContain('uma das duas edições está ponderada e a outra não')
  })

  it('lets designers set the weight cap and the smallest group on a staff page, validated, audited and applied at once', async () => {
    const page = await designer.get('/staff/results/perception/weighting')
    expect(page.status).toBe(200)
    expect(page.text).toContain('Márgenes de población por edición')
    expect((await evaluator.get('/staff/results/perception/weighting')).status).toBe(403)
    expect((await evaluator.get('/staff/results/perception')).text).not.toContain('/weighting"')
    expect((await designer.get('/staff/results/perception')).text).toContain(
      '/staff/results/perception/weighting',
    )

    await designer.get('/staff/results/perception/weighting?lang=fr')
    const bad = await designer.post('/staff/results/perception/weighting', {
      weight_cap: 'abc',
      min_group_size: '1',
    })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('href="#f-weight_cap"')
    expect(bad.text).toContain('Écrivez un nombre entier de 2 à 1000')
    const settings = () =>
      t.services.db
        .selectFrom('survey_series')
        .select(['weight_cap', 'min_group_size'])
        .where('id', '=', fixture.seriesId)
        .executeTakeFirstOrThrow()
    expect(await settings()).toEqual({ weight_cap: null, min_group_size: 30 })

    await designer.get('/staff/results/perception/weighting?lang=es')
    const saved = await designer.post('/staff/results/perception/weighting', {
      weight_cap: '2,5',
      min_group_size: '40',
    })
    expect(saved.status).toBe(303)
    expect(await settings()).toEqual({ weight_cap: 2.5, min_group_size: 40 })
    const dashboard = (await evaluator.get('/staff/results/perception?lang=es')).text
    expect(dashboard).toContain('pesos recortados a 2,5 veces el peso medio')
    expect(dashboard).toContain('menos de 40')
    const audit = await t.services.db
      .selectFrom('audit_log')
      .select(['details'])
      .where('action', '=', 'weighting.update')
      .executeTakeFirstOrThrow()
    expect(audit.details).toEqual({ weightCap: 2.5, minGroupSize: 40 })
  })

  it('imports a wave’s margins from a CSV in the browser, refusing a bad file row by row in the reader’s language', async () => {
    const page = await designer.get('/staff/results/perception/weighting?lang=fr')
    const upload = (content: string) =>
      designer.agent
        .post(`/staff/results/perception/weighting/margins?_csrf=${encodeURIComponent(designer.token)}`)
        .field('wave', '2026')
        .attach('file', Buffer.from(content), 'margins.csv')
    expect(page.text).toContain('Importer les marges')
    const before = await margins(2026)
    const bad = await upload('variable,level,population\ndistrict,centro,-5\ndistrict,atlantis,10\n')
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('« -5 » n’est pas un nombre positif')
    expect(bad.text).toContain('« atlantis » n’est pas une option de district')
    expect(await margins(2026)).toEqual(before)
    const file = readFileSync(
      path.resolve(import.meta.dirname, '../fixtures/trends/margins-2025.csv'),
      'utf8',
    )
    const good = await upload(file.replace('70700', '71700').replace('111100', '110100'))
    expect(good.status).toBe(303)
    const after = await margins(2026)
    expect(after).toHaveLength(file.trim().split('\n').length - 1)
    expect(after.find((m) => m.level === 'centro')!.population).toBe(71700)
    const audit = await t.services.db
      .selectFrom('audit_log')
      .select('subject')
      .where('action', '=', 'margins.import')
      .execute()
    expect(audit).toEqual([{ subject: 'perception/2026' }])
  })

  it('edits a wave’s margins level by level, with the same checks as a file', async () => {
    const page = await designer.get('/staff/results/perception/weighting?lang=es')
    expect(page.text).toContain('name="m:district:centro"')
    const current = Object.fromEntries(
      (await margins(2026)).map((m) => [`m:${m.variable}:${m.level}`, String(m.population)]),
    )
    const centro = Number(current['m:district:centro'])
    const norte = Number(current['m:district:norte'])
    // One level changed alone: the districts no longer add up to the ages' total.
    const unbalanced = await designer.post('/staff/results/perception/weighting/margins/2026', {
      ...current,
      'm:district:centro': String(centro + 1000),
    })
    expect(unbalanced.status).toBe(400)
    expect(unbalanced.text).toContain('las variables suman totales distintos')
    const saved = await designer.post('/staff/results/perception/weighting/margins/2026', {
      ...current,
      'm:district:centro': String(centro + 1000),
      'm:district:norte': String(norte - 1000),
    })
    expect(saved.status).toBe(303)
    expect((await margins(2026)).find((m) => m.level === 'centro')!.population).toBe(centro + 1000)
    expect((await designer.post('/staff/results/perception/weighting/margins/1999', current)).status).toBe(
      404,
    )
  })
})
