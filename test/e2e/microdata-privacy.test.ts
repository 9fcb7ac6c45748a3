import { parse } from 'csv-parse/sync'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_ORGANIZATION, DEMO_SERIES_CODE, loadDemo } from '../../src/demo/demo-data.ts'
import { signedIn } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { downloadZip } from '../helpers/zip.ts'

// The attack the issue describes, run on the demo's microdata package: for respondents whose profile
// was blanked, guess their district and age band from any other published column, by matching it
// against the respondents whose profile is shown.
let t: TestApp
let files: Map<string, string>
const PROFILE = ['district', 'age_band', 'gender']

beforeAll(async () => {
  t = await createTestApp()
  const organization = await loadDemo(t.services.db).then(() =>
    t.services.db
      .selectFrom('organization')
      .select('id')
      .where('slug', '=', DEMO_ORGANIZATION.slug)
      .executeTakeFirstOrThrow(),
  )
  const evaluator = await signedIn(t.app, t.services, organization.id, 'evaluator')
  const zip = await downloadZip(evaluator.agent, `/staff/results/${DEMO_SERIES_CODE}/microdata.zip`)
  expect(zip.status).toBe(200)
  files = zip.files
}, 120_000)
afterAll(() => t.close())

const table = (name: string) => parse<Record<string, string>>(files.get(name)!, { columns: true })

/** Each response's true district and age band, in the order the package writes them (by response). */
async function truth(year: number): Promise<string[]> {
  const { rows } = await sql<{ cell: string }>`
    select coalesce(max(a.option_code) filter (where q.code = 'district'), '') || '/' ||
           coalesce(max(a.option_code) filter (where q.code = 'age_band'), '') as cell
    from response r join wave w on w.id = r.wave_id
    join survey_series s on s.id = w.series_id join organization o on o.id = s.organization_id
    left join answer a on a.response_id = r.id
    left join question q on q.id = a.question_id
    where o.slug = ${DEMO_ORGANIZATION.slug} and s.code = ${DEMO_SERIES_CODE} and w.year = ${year}
    group by r.id order by r.id`.execute(t.services.db)
  return rows.map((r) => r.cell)
}

const mostCommon = (values: string[]) => {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0]
}

describe('blanked profiles in the microdata package', () => {
  for (const year of [2024, 2025, 2026])
    it(`cannot be recovered from any other column in ${year} better than a guess`, async () => {
      const rows = table(`responses-${year}.csv`)
      const cells = await truth(year)
      expect(cells).toHaveLength(rows.length)
      const blanked = rows.flatMap((r, i) => (PROFILE.every((p) => r[p] === '') ? [i] : []))
      const shown = rows.flatMap((r, i) => (r.district && r.age_band ? [i] : []))
      expect(blanked.length).toBeGreaterThan(0)
      // A guess: the most common shown cell, for everyone.
      const guess = mostCommon(shown.map((i) => `${rows[i]!.district}/${rows[i]!.age_band}`))
      const guessed = blanked.filter((i) => cells[i] === guess).length
      for (const column of Object.keys(rows[0]!).filter((c) => !PROFILE.includes(c) && c !== 'wave')) {
        // Match: the most common shown cell among rows with the same value of this column.
        const byValue = new Map<string, string[]>()
        for (const i of shown) {
          const list = byValue.get(rows[i]![column]!) ?? []
          list.push(`${rows[i]!.district}/${rows[i]!.age_band}`)
          byValue.set(rows[i]![column]!, list)
        }
        const recovered = blanked.filter((i) => {
          const candidates = byValue.get(rows[i]![column]!)
          return (candidates ? mostCommon(candidates) : guess) === cells[i]
        }).length
        // No better than the guess, give or take what chance gives a few dozen rows (at most 3 more).
        expect(
          recovered,
          `${year}, by ${column}: ${recovered} of ${blanked.length}, guess ${guessed}`,
        ).toBeLessThanOrEqual(Math.max(guessed + 3, Math.ceil(guessed * 1.5)))
      }
    })

  it('says what was done, and keeps the overall estimates within half a point of the published ones', async () => {
    const pkg = JSON.parse(files.get('datapackage.json')!)
    expect(pkg.description).toContain('share one weight')
    const weightField = pkg.resources[0].schema.fields.find((f: { name: string }) => f.name === 'weight')
    expect(weightField.description).toContain('blanked')
    const published = JSON.parse(
      (
        await (
          await signedIn(
            t.app,
            t.services,
            (
              await t.services.db
                .selectFrom('organization')
                .select('id')
                .where('slug', '=', DEMO_ORGANIZATION.slug)
                .executeTakeFirstOrThrow()
            ).id,
            'evaluator',
          )
        ).agent.get(`/staff/results/${DEMO_SERIES_CODE}/trends.json`)
      ).text,
    ) as { rows: { indicator: string; wave: number; breakdown: string; estimate: number | null }[] }
    const indicators = await t.services.db
      .selectFrom('indicator')
      .select(['code', 'question_code', 'kind', 'success_codes', 'excluded_codes'])
      .execute()
    for (const year of [2024, 2025]) {
      const rows = table(`responses-${year}.csv`)
      for (const indicator of indicators.filter((i) => i.kind === 'share')) {
        const successes = JSON.parse(JSON.stringify(indicator.success_codes)) as string[]
        const excluded = JSON.parse(JSON.stringify(indicator.excluded_codes)) as string[]
        let total = 0
        let hits = 0
        for (const r of rows) {
          const value = r[indicator.question_code]
          if (!value || excluded.includes(value) || r.weight === '') continue
          total += Number(r.weight)
          if (value.split(' ').some((v) => successes.includes(v))) hits += Number(r.weight)
        }
        const row = published.rows.find(
          (p) => p.indicator === indicator.code && p.wave === year && p.breakdown === 'overall',
        )!
        expect(Math.abs(hits / total - row.estimate!), `${indicator.code} ${year}`).toBeLessThan(0.005)
      }
    }
  })
})
