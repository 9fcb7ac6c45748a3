import ExcelJS from 'exceljs'
import { parse } from 'csv-parse/sync'
import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_ORGANIZATION, DEMO_SERIES_CODE, loadDemo } from '../../src/demo/demo-data.ts'
import { insertQuestions, insertWave } from '../../src/questionnaire/questionnaire.repository.ts'
import { perceptionQuestionnaire } from '../../src/demo/perception-questionnaire.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { binary, downloadZip } from '../helpers/zip.ts'

// What evaluators and citizens see must be true: every chart of the demo's results pages, for every
// breakdown, is checked mark by mark against its plot area and its table.
let t: TestApp
let evaluator: StaffBrowser
let seriesId: number
const publicBase = `/s/${DEMO_ORGANIZATION.slug}/${DEMO_SERIES_CODE}/results`
const staffBase = `/staff/results/${DEMO_SERIES_CODE}`
const BREAKDOWNS = ['district', 'age_band', 'gender', 'language']

beforeAll(async () => {
  t = await createTestApp()
  await loadDemo(t.services.db)
  const organization = await t.services.db
    .selectFrom('organization')
    .select('id')
    .where('slug', '=', DEMO_ORGANIZATION.slug)
    .executeTakeFirstOrThrow()
  seriesId = (
    await t.services.db
      .selectFrom('survey_series')
      .select('id')
      .where('organization_id', '=', organization.id)
      .where('code', '=', DEMO_SERIES_CODE)
      .executeTakeFirstOrThrow()
  ).id
  evaluator = await signedIn(t.app, t.services, organization.id, 'evaluator')
}, 120_000)
afterAll(() => t.close())

interface Chart {
  svg: string
  plot: [number, number, number, number]
  dots: number
}

function chartsOf(html: string): Chart[] {
  return [...html.matchAll(/<svg class="chart"[\s\S]*?<\/svg>/g)].map(([svg]) => ({
    svg,
    plot: /data-plot="([^"]+)"/.exec(svg)![1]!.split(' ').map(Number) as Chart['plot'],
    dots: (svg.match(/<circle /g) ?? []).length,
  }))
}

/** Every coordinate of every mark: dots, interval lines, and the points of lines and bands. */
function marks(svg: string): [number, number][] {
  const points: [number, number][] = []
  for (const m of svg.matchAll(/<circle [^>]*cx="([-\d.e]+)" cy="([-\d.e]+)"/g)) points.push([+m[1]!, +m[2]!])
  for (const m of svg.matchAll(
    /<line class="chart-interval" x1="([-\d.e]+)" x2="([-\d.e]+)" y1="([-\d.e]+)" y2="([-\d.e]+)"/g,
  ))
    points.push([+m[1]!, +m[3]!], [+m[2]!, +m[4]!])
  for (const m of svg.matchAll(/<path class="chart-(?:line|band)" d="([^"]+)"/g))
    for (const p of m[1]!.matchAll(/([-\d.e]+),([-\d.e]+)/g)) points.push([+p[1]!, +p[2]!])
  return points
}

function expectTrueCharts(html: string, where: string) {
  const charts = chartsOf(html)
  expect(charts.length, where).toBeGreaterThan(0)
  let outside = 0
  for (const chart of charts) {
    const [left, top, right, bottom] = chart.plot
    for (const [x, y] of marks(chart.svg))
      if (x < left - 0.5 || x > right + 0.5 || y < top - 0.5 || y > bottom + 0.5) outside += 1
  }
  expect(outside, `${where}: marks outside their chart`).toBe(0)
  expect(html).not.toMatch(/NaN|Infinity/)
}

/** The rows of the table right after a figure, minus those that say the group is too small. */
const shownRows = (tableHtml: string) =>
  [...tableHtml.matchAll(/<tr><th scope="row">[\s\S]*?<\/tr>/g)].filter(([row]) => !row.includes('colspan'))
    .length

describe('every chart is true to its numbers', () => {
  it('keeps every mark inside its chart, on the public and staff pages, for every breakdown', async () => {
    for (const by of BREAKDOWNS) {
      const page = await request(t.app).get(`${publicBase}?by=${by}`)
      expect(page.status).toBe(200)
      expectTrueCharts(page.text, `public by ${by}`)
      const staff = await evaluator.get(`${staffBase}?by=${by}`)
      expectTrueCharts(staff.text, `staff by ${by}`)
    }
  })

  it('draws a dot for every group its table shows, for the latest wave and over time', async () => {
    for (const by of BREAKDOWNS) {
      const html = (await evaluator.get(`${staffBase}?by=${by}`)).text
      for (const section of html.split('<section class="indicator"').slice(1)) {
        const latest =
          /<h3>[^<]*<\/h3>\s*<figure class="figure">(<svg[\s\S]*?<\/svg>)<\/figure>\s*(?:<div class="table-scroll"[^>]*>)?<table class="table">([\s\S]*?)<\/table>/.exec(
            section,
          )!
        expect(chartsOf(latest[1]!)[0]!.dots, by).toBe(shownRows(latest[2]!))
        // Small multiples: one chart per group, with a dot for each wave the group has a number.
        const multiples =
          /<div class="multiples">([\s\S]*?)<\/div>\s*<div class="table-scroll"[^>]*><table class="table">([\s\S]*?)<\/table>/.exec(
            section,
          )!
        const charts = chartsOf(multiples[1]!)
        const rows = [...multiples[2]!.matchAll(/<tr><th scope="row">([\s\S]*?)<\/tr>/g)]
        expect(charts).toHaveLength(rows.length)
        rows.forEach(([row], i) => {
          const withNumbers = [...row.matchAll(/<td>([^<]*)<\/td>/g)].filter(([, c]) => /\(/.test(c!)).length
          expect(charts[i]!.dots, `${by} group ${i}`).toBe(withNumbers)
        })
      }
    }
  })

  it('keeps breakdowns and the change sentence when a new wave opens with no answers yet', async () => {
    // 2026 closes and 2027 opens: no answers yet.
    const setStatus = (year: number, status: 'open' | 'closed') =>
      t.services.db
        .updateTable('wave')
        .set({ status })
        .where('series_id', '=', seriesId)
        .where('year', '=', year)
        .execute()
    await setStatus(2026, 'closed')
    const waveId = await insertWave(t.services.db, { seriesId, year: 2027, status: 'open' })
    await insertQuestions(t.services.db, waveId, perceptionQuestionnaire)
    try {
      const html = (await evaluator.get(`${staffBase}?by=district`)).text
      expect(html).toContain('en 2026, por grupo')
      expect(html).toMatch(/En 2026 (sube|baja|se mantiene)/)
      expectTrueCharts(html, 'staff with an empty 2027 wave')
      expect(html).toContain('<div class="multiples">')
    } finally {
      await t.services.db.deleteFrom('question').where('wave_id', '=', waveId).execute()
      await t.services.db.deleteFrom('wave').where('id', '=', waveId).execute()
      await setStatus(2026, 'open')
    }
  })
})

describe('a confirmed break in the series', () => {
  beforeAll(async () => {
    // The awareness question was reworded in 2025 and the designer confirmed the break.
    await sql`update question set break_in_series = true where code = 'aware'
      and wave_id = (select w.id from wave w where w.series_id = ${seriesId} and w.year = 2025)`.execute(
      t.services.db,
    )
  })

  it('computes no change across it, splits the line, and says so on the page', async () => {
    const html = (await evaluator.get(staffBase)).text
    const section = html.split('<section class="indicator"').find((s) => s.includes('id="h-awareness"'))!
    const chart = chartsOf(section)[0]!.svg
    expect(chart.match(/<path class="chart-line"/g)).toHaveLength(2)
    expect(chart).toContain('chart-break')
    const publicHtml = (await request(t.app).get(publicBase)).text
    expect(publicHtml).toContain(
      'En 2025 la pregunta cambió (ruptura de serie): no se compara con la edición anterior.',
    )
  })

  it('flags it in every download: CSV, XLSX, JSON, the API and the codebook', async () => {
    const csv = parse<Record<string, string>>((await evaluator.get(`${staffBase}/trends.csv`)).text, {
      columns: true,
    })
    const awareness = csv.filter((r) => r.indicator === 'awareness')
    expect(awareness.find((r) => r.breakdown === 'overall' && r.wave === '2025')!.break_in_series).toBe(
      'true',
    )
    expect(awareness.find((r) => r.breakdown === 'overall' && r.wave === '2024')!.break_in_series).toBe(
      'false',
    )
    expect(awareness.find((r) => r.breakdown === 'change' && r.wave === '2025')).toMatchObject({
      estimate: '',
      se: '',
      break_in_series: 'true',
    })
    expect(awareness.find((r) => r.breakdown === 'change' && r.wave === '2026')!.estimate).not.toBe('')

    const json = JSON.parse((await evaluator.get(`${staffBase}/trends.json`)).text)
    expect(json.rows).toContainEqual(
      expect.objectContaining({
        indicator: 'awareness',
        wave: 2025,
        breakdown: 'change',
        estimate: null,
        breakInSeries: true,
      }),
    )
    const api = await request(t.app).get(
      `/api/v1/series/${DEMO_ORGANIZATION.slug}/${DEMO_SERIES_CODE}/trends`,
    )
    expect(api.body.rows).toContainEqual(
      expect.objectContaining({
        indicator: 'awareness',
        wave: 2025,
        breakdown: 'overall',
        breakInSeries: true,
      }),
    )

    const xlsx = await evaluator.agent.get(`${staffBase}/trends.xlsx`).buffer(true).parse(binary)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.body as never)
    const sheet = workbook.getWorksheet('awareness')!
    const header = (sheet.getRow(1).values as string[]).slice(1)
    const column = header.indexOf('break_in_series') + 1
    expect(column).toBeGreaterThan(0)
    const flagged: unknown[] = []
    sheet.eachRow(
      (row, n) => n > 1 && row.getCell(column).value === true && flagged.push(row.getCell(2).value),
    )
    expect(flagged).toEqual([2025, 2025])

    const { files } = await downloadZip(evaluator.agent, `${staffBase}/microdata.zip`)
    const codebook = parse<Record<string, string>>(files.get('codebook.csv')!, { columns: true })
    expect(codebook.find((r) => r.wave === '2025' && r.code === 'aware')!.break_in_series).toBe('true')
  })
})
