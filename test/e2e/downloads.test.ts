import ExcelJS from 'exceljs'
import { parse } from 'csv-parse/sync'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formattersFor } from '../../src/i18n/formatters.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
let evaluator: StaffBrowser
const base = '/staff/results/perception'

beforeAll(async () => {
  t = await createTestApp()
  fixture = await loadTrendFixture(t.services.db)
  evaluator = await signedIn(t.app, t.services, fixture.organizationId, 'evaluator')
})
afterAll(() => t.close())

const binary = (res: request.Response, callback: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = []
  res.on('data', (c: Buffer) => chunks.push(c))
  res.on('end', () => callback(null, Buffer.concat(chunks)))
}

describe('evaluators download the trends', () => {
  it('as CSV with the numbers of the screen, suppressed groups marked and never shown', async () => {
    const res = await evaluator.get(`${base}/trends.csv?by=district`)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="?trends-perception-by-district-logit\.csv"?$/,
    )
    expect(res.text.charCodeAt(0)).not.toBe(0xfeff)
    const rows = parse<Record<string, string>>(res.text, { columns: true })
    const screen = await evaluator.get(`${base}?by=district`)
    const percent = formattersFor('es').percent
    // The dashboard shows the overall estimates of every wave and the groups of the latest wave,
    // formatted for the reader; the file has the same numbers at full precision.
    const shown = rows.filter(
      (r) =>
        r.indicator !== 'benefit_value' &&
        r.suppressed === 'false' &&
        (r.breakdown === 'overall' || (r.breakdown === 'district' && r.wave === '2025')),
    )
    expect(shown.length).toBeGreaterThan(10)
    for (const row of shown) expect(screen.text).toContain(percent(Number(row.estimate)))
    const isla = rows.filter((r) => r.group === 'isla')
    expect(isla.length).toBeGreaterThan(0)
    for (const row of isla)
      expect(row).toMatchObject({ suppressed: 'true', estimate: '', se: '', ci_low: '', n: '' })

    const excel = await evaluator.get(`${base}/trends.csv?by=district&bom=1`)
    expect(excel.text.charCodeAt(0)).toBe(0xfeff)
    expect(excel.text.slice(1)).toBe(res.text)
  })

  it('with the interval method chosen on the dashboard and the downloads page, recorded in every file and its name', async () => {
    const dashboard = await evaluator.get(`${base}?by=district&ci=wald`)
    expect(dashboard.text).toContain('<option value="wald" selected>de Wald</option>')
    expect(dashboard.text).toContain('intervalos de Wald para porcentajes')
    expect(dashboard.text).toContain(`${base}/downloads?by=district&amp;ci=wald`)
    const logitPage = await evaluator.get(`${base}?by=district`)
    expect(logitPage.text).toContain('intervalos logit para porcentajes')
    const downloads = await evaluator.get(`${base}/downloads?by=district&ci=wald`)
    expect(downloads.text).toContain(`${base}/trends.csv?by=district&amp;ci=wald`)
    expect(downloads.text).toContain('intervalos de Wald para porcentajes')

    const names = new Set<string>()
    for (const ci of ['logit', 'wald']) {
      const csv = await evaluator.get(`${base}/trends.csv?ci=${ci}`)
      names.add(csv.headers['content-disposition']!)
      const rows = parse<Record<string, string>>(csv.text, { columns: true })
      const share = rows.find((r) => r.indicator === 'aware_yes' && r.breakdown === 'overall')!
      const mean = rows.find((r) => r.indicator === 'benefit_value' && r.breakdown === 'overall')!
      expect(share.ci_method).toBe(ci)
      expect(mean.ci_method).toBe('wald')
      const json = await evaluator.get(`${base}/trends.json?ci=${ci}`)
      names.add(json.headers['content-disposition']!)
      expect(JSON.parse(json.text)).toMatchObject({ intervalMethod: ci })
      const xlsx = await evaluator.agent.get(`${base}/trends.xlsx?ci=${ci}`).buffer(true).parse(binary)
      names.add(xlsx.headers['content-disposition']!)
      const workbook = new ExcelJS.Workbook()
      await workbook.xlsx.load(xlsx.body as never)
      const notes = JSON.stringify(workbook.getWorksheet('notes')!.getSheetValues())
      expect(notes).toContain(ci === 'wald' ? 'intervalos de Wald' : 'intervalos logit')
    }
    expect(names.size).toBe(6)
    const api = await request(t.app).get('/api/v1/series/fixture-city/perception/trends?ci=wald')
    expect(api.body.intervalMethod).toBe('wald')
  })

  it('as XLSX: one sheet per indicator with the CSV’s rows, and notes on method and weighting', async () => {
    const csv = parse<Record<string, string>>((await evaluator.get(`${base}/trends.csv`)).text, {
      columns: true,
    })
    const res = await evaluator.agent.get(`${base}/trends.xlsx`).buffer(true).parse(binary)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    )
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(res.body as never)
    expect(workbook.worksheets.map((w) => w.name)).toEqual([
      'interest_high',
      'aware_yes',
      'benefit_value',
      'notes',
    ])
    const sheet = workbook.getWorksheet('aware_yes')!
    const header = (sheet.getRow(1).values as unknown[]).slice(1)
    expect(header).toEqual(Object.keys(csv[0]!))
    const fromSheet = sheet
      .getSheetValues()
      .slice(2)
      .map((r) => (r as unknown[]).slice(1))
    const fromCsv = csv.filter((r) => r.indicator === 'aware_yes')
    expect(fromSheet).toHaveLength(fromCsv.length)
    fromSheet.forEach((values, i) => {
      const estimate = values[4] as number | null | undefined
      expect(estimate ?? '').toBe(fromCsv[i]!.estimate === '' ? '' : Number(fromCsv[i]!.estimate))
    })
    const notes = workbook.getWorksheet('notes')!
    const text = JSON.stringify(notes.getSheetValues())
    expect(text).toContain('Taylor')
    expect(text).toContain('Peso máximo')
  })

  it('as JSON in the pulso-trends format, with the same rows', async () => {
    const csv = parse((await evaluator.get(`${base}/trends.csv?by=age_band`)).text, { columns: true })
    const res = await evaluator.get(`${base}/trends.json?by=age_band`)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    const json = JSON.parse(res.text)
    expect(json).toMatchObject({ format: 'pulso-trends', version: 1, series: 'perception', sample: 'all' })
    expect(json.rows).toHaveLength(csv.length)
  })

  it('lists every file with its size and the method notes', async () => {
    const page = await evaluator.get(`${base}/downloads?by=district`)
    expect(page.status).toBe(200)
    for (const format of ['csv', 'xlsx', 'json'])
      expect(page.text).toContain(`${base}/trends.${format}?by=district`)
    expect(page.text).toContain('Taylor')
    // Sizes are worked out in the background (a page view builds no file), then shown.
    // (The microdata package's size may be known already: an earlier view asked for it.)
    expect(page.text.match(/tamaño: se está calculando/g)!.length).toBeGreaterThanOrEqual(3)
    let shown: string | undefined
    let again = page
    for (let i = 0; i < 100 && !shown; i++) {
      again = await evaluator.get(`${base}/downloads?by=district`)
      shown = /Paquete de microdatos \(ZIP\)<\/a> · ([\d.]+,\d) KB/.exec(again.text)?.[1]
      if (!shown) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const csvBytes = Buffer.byteLength((await evaluator.get(`${base}/trends.csv?by=district`)).text)
    const csvShown = /CSV<\/a><\/th><td>[^<]*<\/td><td>([\d.]+,\d) KB/.exec(again.text)?.[1]
    expect(Math.abs(Number(csvShown!.replace(/\./g, '').replace(',', '.')) * 1024 - csvBytes)).toBeLessThan(
      52,
    )
    const zip = await evaluator.agent.get(`${base}/microdata.zip`).buffer(true).parse(binary)
    const kilobytes = Number(shown!.replace(/\./g, '').replace(',', '.'))
    expect(Math.abs(kilobytes * 1024 - (zip.body as Buffer).length)).toBeLessThan(
      0.01 * (zip.body as Buffer).length,
    )
  })

  it('refuses unknown formats and options, and other people’s series', async () => {
    expect((await evaluator.get(`${base}/trends.pdf`)).status).toBe(404)
    expect((await evaluator.get(`${base}/trends.csv?by=nothing`)).status).toBe(400)
    expect((await evaluator.get(`${base}/trends.csv?sample=everyone`)).status).toBe(400)
    expect((await evaluator.get(`${base}/trends.csv?bom=yes`)).status).toBe(400)
    expect((await evaluator.get('/staff/results/elsewhere/trends.csv')).status).toBe(404)
    expect((await request(t.app).get(`${base}/trends.csv`)).status).toBe(303)
    const facilitator = await signedIn(t.app, t.services, fixture.organizationId, 'facilitator')
    expect((await facilitator.get(`${base}/trends.csv`)).status).toBe(403)
  })
})
