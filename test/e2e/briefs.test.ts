import { readFileSync } from 'node:fs'
import path from 'node:path'
import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { createLogger } from '../../src/logger.ts'
import { buildFeedbackProject } from '../fixtures/feedback-builder.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// The yearly brief (#20.2): staff write a lead per language and choose indicators and stories, preview,
// publish; readers get the brief as published (until it is published again), in every language, and
// the API gives it whole.
let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
let designer: StaffBrowser
let evaluator: StaffBrowser
const briefs = '/staff/results/perception/briefs'
const publicBrief = '/s/fixture-city/perception/brief/2025'
const stories: Record<string, string> = {}

const seen = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ')

/** A beneficiary's story in the fixture city's project: approved or not, with consent or not. */
async function story(project: { code: string }, text: string, review: 'approved' | 'new', consent: boolean) {
  const ids = await sql<{ project: number; wave: number; question: number }>`
    select p.id as project, w.id as wave, q.id as question
    from partner_project p join wave w on w.series_id = p.questionnaire_series_id
    join question q on q.wave_id = w.id and q.code = 'story'
    where p.code = ${project.code}`.execute(t.services.db)
  const { project: projectId, wave, question } = ids.rows[0]!
  const { rows } = await sql<{ id: number }>`
    insert into feedback (project_id, wave_id, language, channel, publish_consent, contact_consent,
      submitted_at, idempotency_key, review)
    values (${projectId}, ${wave}, 'es', 'web', ${consent}, false, '2025-06-10T10:00:00Z',
      ${`story-${text}`}, ${review})
    returning id`.execute(t.services.db)
  await sql`insert into feedback_answer (feedback_id, question_id, value_text)
    values (${rows[0]!.id}, ${question}, ${text})`.execute(t.services.db)
  return `${rows[0]!.id}-${question}`
}

const leads = {
  lead_es: 'La ciudad rinde cuentas de su acción internacional.',
  lead_fr: 'La ville rend compte de son action internationale.',
  lead_pt: 'A cidade presta contas da sua ação internacional.',
}

beforeAll(async () => {
  t = await createTestApp()
  fixture = await loadTrendFixture(t.services.db)
  designer = await signedIn(t.app, t.services, fixture.organizationId, 'designer')
  evaluator = await signedIn(t.app, t.services, fixture.organizationId, 'evaluator')
  const project = await buildFeedbackProject(t.services.db, { organizationId: fixture.organizationId })
  for (const name of ['agua', 'cosecha', 'escuela', 'mercado'])
    stories[name] = await story(project, `Historia de ${name}: el agua cambió todo.`, 'approved', true)
  stories.sinConsentimiento = await story(project, 'Historia sin consentimiento.', 'approved', false)
  stories.sinAprobar = await story(project, 'Historia sin aprobar.', 'new', true)
})
afterAll(() => t.close())

async function saveDraft(fields: Record<string, string | string[]>) {
  await designer.get(`${briefs}/2025`)
  return designer.post(`${briefs}/2025`, fields)
}

// Each step recomputes a series' trends overall and by three profile questions: seconds on PGlite,
// more beside the rest of the suite.
describe('writing and publishing the yearly brief', { timeout: 120_000 }, () => {
  it('lists the closed waves; evaluators preview but do not edit', async () => {
    const list = await designer.get(briefs)
    expect(list.status).toBe(200)
    const years = [...list.text.matchAll(/<tr><th scope="row">(\d{4})<\/th>/g)].map((m) => Number(m[1]))
    expect(years).toEqual([2025, 2024, 2023])
    expect(list.text).toContain(`href="${briefs}/2025"`)
    const theirs = await evaluator.get(briefs)
    expect(theirs.status).toBe(200)
    expect(theirs.text).not.toContain(`href="${briefs}/2025"`)
    expect(theirs.text).toContain(`href="${briefs}/2025/preview"`)
    expect((await evaluator.get(`${briefs}/2025`)).status).toBe(403)
    expect((await evaluator.get(`${briefs}/2025/preview`)).status).toBe(200)
    // A year without a closed wave has no brief.
    expect((await designer.get(`${briefs}/2026`)).status).toBe(404)
  })

  it('offers only approved stories whose authors consented, and refuses any other', async () => {
    const editor = (await designer.get(`${briefs}/2025`)).text
    for (const name of ['agua', 'cosecha', 'escuela', 'mercado'])
      expect(editor).toContain(`value="${stories[name]}"`)
    expect(editor).not.toContain('Historia sin consentimiento.')
    expect(editor).not.toContain('Historia sin aprobar.')
    for (const forged of [stories.sinConsentimiento!, stories.sinAprobar!]) {
      const refused = await saveDraft({ ...leads, indicators: ['aware_yes'], stories: [forged] })
      expect(refused.status).toBe(400)
      expect(seen(refused.text)).toContain('Un testimonio elegido ya no está aprobado')
      expect(refused.text).toContain('href="#f-stories"')
    }
    const tooMany = await saveDraft({
      ...leads,
      indicators: ['aware_yes'],
      stories: ['agua', 'cosecha', 'escuela', 'mercado'].map((n) => stories[n]!),
    })
    expect(tooMany.status).toBe(400)
    expect(seen(tooMany.text)).toContain('Elija como máximo 3 testimonios')
    // Typed values come back, and nothing was saved.
    expect(tooMany.text).toContain(leads.lead_fr)
    const saved = await t.services.db.selectFrom('brief').select('id').execute()
    expect(saved).toHaveLength(0)
  })

  it('cannot be published with a language missing, and nothing is public meanwhile', async () => {
    const draft = await saveDraft({
      lead_es: leads.lead_es,
      lead_fr: '',
      lead_pt: '',
      indicators: ['aware_yes'],
    })
    expect(draft.status).toBe(303)
    const refused = await designer.post(`${briefs}/2025/publish`)
    expect(refused.status).toBe(409)
    expect(seen(refused.text)).toContain('Escriba la introducción en Français y Português')
    expect(refused.text).toContain('href="#f-lead_fr"')
    expect((await request(t.app).get(publicBrief)).status).toBe(404)
    expect((await request(t.app).get('/api/v1/series/fixture-city/perception/briefs/2025')).status).toBe(404)
    // Kept in memory from here: publishing must reach it.
    expect((await request(t.app).get('/s/fixture-city/perception/results')).text).not.toContain(publicBrief)
  })

  it('publishes the year with its figures, changes in plain words, groups, targets and stories', async () => {
    await designer.get('/staff/results/perception/indicators/aware_yes/target')
    await designer.post('/staff/results/perception/indicators/aware_yes/target', {
      value: '80',
      year: '2027',
      direction: 'atLeast',
      reason_es: 'Lo pidió el pleno.',
      reason_fr: '',
      reason_pt: '',
    })
    const chosen = [stories.cosecha!, stories.agua!]
    expect(
      (await saveDraft({ ...leads, indicators: ['interest_high', 'aware_yes'], stories: chosen })).status,
    ).toBe(303)
    const preview = await evaluator.get(`${briefs}/2025/preview`)
    expect(seen(preview.text)).toContain('Vista previa con los resultados de hoy')
    const published = await designer.post(`${briefs}/2025/publish`)
    expect(published.status).toBe(303)
    expect(published.headers.location).toBe(`${briefs}?notice=published`)

    const api = await request(t.app).get('/api/v1/series/fixture-city/perception/briefs/2025')
    expect(api.status).toBe(200)
    expect(api.headers['access-control-allow-origin']).toBe('*')
    const brief = api.body
    expect(brief).toMatchObject({ format: 'pulso-brief', version: 1, year: 2025, previousYear: 2024 })
    expect(brief.indicators.map((i: { code: string }) => i.code)).toEqual(['interest_high', 'aware_yes'])
    // The figures are the published trends'.
    const trends = (await request(t.app).get('/api/v1/series/fixture-city/perception/trends')).body
    const row = (indicator: string, breakdown: string, wave: number) =>
      trends.rows.find(
        (r: { indicator: string; breakdown: string; wave: number }) =>
          r.indicator === indicator && r.breakdown === breakdown && r.wave === wave,
      )
    for (const indicator of brief.indicators) {
      expect(indicator.latest.estimate).toBe(row(indicator.code, 'overall', 2025).estimate)
      expect(indicator.latest.ciLow).toBe(row(indicator.code, 'overall', 2025).ciLow)
      expect(indicator.change.estimate).toBe(row(indicator.code, 'change', 2025).estimate)
      expect(indicator.change.significant).toBe(row(indicator.code, 'change', 2025).significant)
    }
    expect(brief.indicators[1].target).toMatchObject({ value: 0.8, year: 2027, direction: 'atLeast' })
    expect(brief.stories.map((s: { text: string }) => s.text)).toEqual([
      'Historia de cosecha: el agua cambió todo.',
      'Historia de agua: el agua cambió todo.',
    ])
    expect(brief.stories[0].project).toMatchObject({ partner: 'Región Cusco', country: 'PE' })

    const results = (await request(t.app).get('/s/fixture-city/perception/results')).text
    expect(results).toContain(`<a href="${publicBrief}">Informe anual 2025</a>`)
    const page = await request(t.app).get(publicBrief)
    expect(page.status).toBe(200)
    const text = seen(page.text)
    expect(text).toContain('<html lang="es">')
    expect(text).toContain(leads.lead_es)
    expect(text).toContain('Historia de cosecha: el agua cambió todo.')
    expect(text).toContain('Región Cusco, Perú')
    const interest = brief.indicators[0]
    const points = Math.abs(interest.change.estimate * 100)
      .toFixed(1)
      .replace('.', ',')
    expect(text).toContain(
      interest.change.significant
        ? `${interest.change.estimate > 0 ? 'Sube' : 'Baja'} ${points} puntos desde 2024: un cambio real.`
        : `Ningún cambio del que podamos estar seguros desde 2024`,
    )
    expect(text).toMatch(/Meta: al menos 80,0 % en 2027\. (En camino|Fuera de camino)/)
    expect(text).toContain('Por qué esta meta: Lo pidió el pleno.')
    expect(text).toMatch(/En 2025 respondieron [\d.]+ personas; las respuestas se ponderaron/)
    for (const [lang, lead] of [
      ['fr', leads.lead_fr],
      ['pt-BR', leads.lead_pt],
      ['pt-PT', leads.lead_pt],
    ]) {
      const other = await request(t.app).get(publicBrief).set('Accept-Language', lang!)
      expect(other.text).toContain(`<html lang="${lang}">`)
      expect(other.text).toContain(lead)
    }
  })

  it('quotes a story redacted since as redacted, and drops one no longer approved', async () => {
    const [agua] = stories.agua!.split('-')
    const [cosecha] = stories.cosecha!.split('-')
    await designer.get(`/staff/feedback/${agua}`)
    const redacted = 'Historia de [nombre]: el agua cambió todo.'
    expect((await designer.post(`/staff/feedback/${agua}/redact`, { story_story: redacted })).status).toBe(
      303,
    )
    expect((await designer.post(`/staff/feedback/${cosecha}/review`, { decision: 'rejected' })).status).toBe(
      303,
    )
    const page = (await request(t.app).get(publicBrief)).text
    expect(page).toContain(redacted)
    expect(page).not.toContain('Historia de agua')
    expect(page).not.toContain('Historia de cosecha')
    const api = (await request(t.app).get('/api/v1/series/fixture-city/perception/briefs/2025')).body
    expect(api.stories.map((s: { text: string }) => s.text)).toEqual([redacted])
    expect(api.stories[0]).not.toHaveProperty('ref')
    // Approved again: quoted again, as it now reads.
    await designer.get(`/staff/feedback/${cosecha}`)
    await designer.post(`/staff/feedback/${cosecha}/review`, { decision: 'approved' })
    expect((await request(t.app).get(publicBrief)).text).toContain('Historia de cosecha')
  })

  it('lists the groups whose change is significant, largest first, as R computes them', async () => {
    // R's changes per district (test/fixtures/trends/reference.R, reference-group-changes.csv): a change
    // is significant when its Wald interval (independent waves) excludes 0.
    const reference = readFileSync(
      path.join(import.meta.dirname, '../fixtures/trends/reference-group-changes.csv'),
      'utf8',
    )
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','))
      .map(([indicator, wave, group, estimate, , ciLow, ciHigh, significant]) => ({
        indicator: JSON.parse(indicator!) as string,
        wave: Number(wave),
        group: JSON.parse(group!) as string,
        estimate: Number(estimate),
        ciLow: Number(ciLow),
        ciHigh: Number(ciHigh),
        significant: significant === 'TRUE',
      }))
    // Groups too small to publish (withheld in either wave) are never named.
    const trends = (
      await request(t.app).get('/api/v1/series/fixture-city/perception/trends?breakdown=district')
    ).body as {
      rows: { indicator: string; breakdown: string; group: string; wave: number; suppressed: boolean }[]
    }
    const withheld = (indicator: string, group: string) =>
      trends.rows.some(
        (r) =>
          r.indicator === indicator &&
          r.breakdown === 'district' &&
          r.group === group &&
          (r.wave === 2024 || r.wave === 2025) &&
          r.suppressed,
      )
    const expected = ['interest_high', 'aware_yes'].flatMap((indicator) =>
      reference
        .filter((r) => r.indicator === indicator && r.wave === 2025 && r.significant)
        .filter((r) => !withheld(indicator, r.group))
        .sort((a, b) => Math.abs(b.estimate) - Math.abs(a.estimate)),
    )
    const brief = (await request(t.app).get('/api/v1/series/fixture-city/perception/briefs/2025')).body as {
      groups: {
        indicator: string
        breakdown: string
        group: string
        change: number
        ciLow: number
        ciHigh: number
      }[]
    }
    const districts = brief.groups.filter((g) => g.breakdown === 'district')
    expect(expected.length).toBeGreaterThan(0)
    expect(districts.map((g) => [g.indicator, g.group])).toEqual(expected.map((e) => [e.indicator, e.group]))
    districts.forEach((g, i) => {
      expect(g.change).toBeCloseTo(expected[i]!.estimate, 9)
      expect(g.ciLow).toBeCloseTo(expected[i]!.ciLow, 9)
      expect(g.ciHigh).toBeCloseTo(expected[i]!.ciHigh, 9)
    })
    const page = seen((await request(t.app).get(publicBrief)).text)
    expect(page).toContain('Los grupos cuyo cambio desde 2024 es real')
  })

  it('stays as published until republished, and the API lists it', async () => {
    const before = (await request(t.app).get(publicBrief)).text
    // New words and a new target after publishing: readers still get the brief as published.
    await saveDraft({ ...leads, lead_es: 'Otra introducción.', indicators: ['aware_yes'] })
    await designer.post('/staff/results/perception/indicators/aware_yes/target', {
      value: '10',
      year: '2030',
      direction: 'atLeast',
      reason_es: '',
      reason_fr: '',
      reason_pt: '',
    })
    expect((await request(t.app).get(publicBrief)).text).toBe(before)
    const list = await designer.get(briefs)
    expect(seen(list.text)).toContain('con cambios sin publicar')
    const index = await request(t.app).get('/api/v1/series/fixture-city/perception/briefs')
    expect(index.body.briefs).toEqual([
      expect.objectContaining({ year: 2025, links: expect.objectContaining({ page: publicBrief }) }),
    ])
    await designer.get(`${briefs}/2025`)
    expect((await designer.post(`${briefs}/2025/publish`)).status).toBe(303)
    const after = seen((await request(t.app).get(publicBrief)).text)
    expect(after).toContain('Otra introducción.')
    expect(after).toContain('Meta: al menos 10,0 % en 2030. Alcanzada en 2025.')
    const audit = await t.services.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'like', 'brief.%')
      .execute()
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['brief.save', 'brief.publish', 'brief.publish']),
    )
  })

  it('shares well: Open Graph with the headline chart as PNG', async () => {
    const published = createApp(t.services, {
      production: false,
      trustProxy: 'false',
      submitRateLimit: { limit: 100, windowMs: 60_000 },
      publicUrl: 'https://encuesta.ciudad.example',
      logger: createLogger({ level: 'silent' }),
    })
    const page = (await request(published).get(publicBrief)).text
    expect(page).toContain(`<meta property="og:url" content="https://encuesta.ciudad.example${publicBrief}">`)
    const image = /<meta property="og:image" content="([^"]+)">/.exec(page)![1]!
    expect(image).toBe(`https://encuesta.ciudad.example${publicBrief}/chart.png?lang=es`)
    const png = await request(t.app).get(`${publicBrief}/chart.png?lang=es`)
    expect(png.status).toBe(200)
    expect(png.headers['content-type']).toBe('image/png')
    expect((png.body as Buffer).subarray(1, 4).toString()).toBe('PNG')
    expect((await request(t.app).get(publicBrief)).text).not.toContain('og:image')
  })

  it('can be withdrawn: its address then finds nothing', async () => {
    await designer.get(`${briefs}/2025`)
    const withdrawn = await designer.post(`${briefs}/2025/withdraw`)
    expect(withdrawn.headers.location).toBe(`${briefs}?notice=withdrawn`)
    expect((await request(t.app).get(publicBrief)).status).toBe(404)
    expect((await request(t.app).get('/api/v1/series/fixture-city/perception/briefs')).body.briefs).toEqual(
      [],
    )
    // The results page, kept in memory, no longer links to it.
    expect((await request(t.app).get('/s/fixture-city/perception/results')).text).not.toContain(publicBrief)
  })
})
