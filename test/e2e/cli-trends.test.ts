import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeXlsForm } from '../../src/designer/xlsform.ts'
import { trendQuestions } from '../fixtures/trends/questionnaire.ts'
import { cliInProcess } from '../helpers/cli.ts'

const fixtures = path.resolve(import.meta.dirname, '../fixtures/trends')
const work = mkdtempSync(path.join(tmpdir(), 'pulso-trends-cli-'))
let database: Awaited<ReturnType<typeof cliInProcess>>
const wave = ['--org', 'ciudad-test', '--series', 'perception', '--wave', '2025']

beforeAll(async () => {
  database = await cliInProcess()
  const form = await writeXlsForm({
    formId: 'perception',
    title: { es: 'Percepción', fr: 'Perception', pt: 'Perceção' },
    year: 2025,
    sourceLanguage: 'es',
    questions: trendQuestions.map((q, i) => ({
      id: i,
      position: i,
      required: false,
      help: {},
      showIf: null,
      messages: {},
      isProfile: false,
      min: null,
      max: null,
      options: [],
      ...q,
    })),
  })
  writeFileSync(path.join(work, 'form.xlsx'), form)
})
afterAll(() => database.cleanup())

describe('operators import responses and margins, define indicators and export trends from the command line', () => {
  it('runs the whole chain and the exported numbers are R’s', { timeout: 180_000 }, async () => {
    const run = (...args: string[]) => database.run(args)
    expect((await run('org:create', '--slug', 'ciudad-test', '--name', 'Ciudad Test')).status).toBe(0)
    const form = path.join(work, 'form.xlsx')
    expect((await run('questionnaire:import', ...wave, '--file', form, '--create')).status).toBe(0)
    // A mistyped series is refused, naming the organization's series; nothing is created.
    const typo = wave.map((arg) => (arg === 'perception' ? 'percepcion' : arg))
    const mistyped = await run('questionnaire:import', ...typo, '--file', form)
    expect(mistyped.status).toBe(2)
    expect(mistyped.stderr).toContain(
      'has no series "percepcion" (its series: perception); to start a new series, add --create',
    )
    expect((await run('wave:open', ...typo)).status).toBe(2)

    const draft = await run('responses:import', ...wave, '--file', path.join(fixtures, 'responses-2025.csv'))
    expect(draft.status).toBe(2)
    expect(draft.stderr).toContain('is a draft')
    const opened = await run('wave:open', ...wave)
    expect(opened.stderr).toBe('')

    const cells = path.join(work, 'cells.csv')
    writeFileSync(
      cells,
      'interest,district,submitted_at,language\n9,centro,2025-10-01,es\n4,atlantis,yesterday,de\n' +
        '7,centro,2025-10-01,es\n'.repeat(240),
    )
    const rows = await run('responses:import', ...wave, '--file', cells)
    // People's words, not codes; the same problem on 241 rows is one line with the first rows.
    expect(rows.stderr).not.toContain('unknownOption')
    expect(rows.stderr).toContain(
      '241 rows, column interest: not an option of this question (its options: 1, 2, 3, 4, 5, dont_know) (first "9"; rows 2, 4, 5, 6, 7 and 236 more)',
    )
    expect(rows.stderr).toContain('row 3, column district: "atlantis": not an option of this question')
    expect(rows.stderr).toContain('row 3, column submitted_at: "yesterday" is not an ISO 8601 date')
    expect(rows.stderr).toContain('row 3, column language: "de" is not es, fr or pt')
    expect(rows.stderr.split('\n').length).toBeLessThan(10)

    const imported = await run(
      'responses:import',
      ...wave,
      '--file',
      path.join(fixtures, 'responses-2025.csv'),
    )
    expect(imported.stderr).toBe('')
    expect(imported).toMatchObject({ stdout: 'Imported 500 responses into perception/2025.' })
    const again = await run('responses:import', ...wave, '--file', path.join(fixtures, 'responses-2025.csv'))
    expect(again).toMatchObject({
      stdout: 'Imported 0 responses into perception/2025 (500 were already there and were skipped).',
    })
    // The same rows again, as another tool would export them (columns in another order, rows added
    // later, and an empty row): only the new rows are stored, the rest are said to be skipped.
    const [header, ...fixtureRows] = readFileSync(path.join(fixtures, 'responses-2025.csv'), 'utf8')
      .trim()
      .split('\n')
    const reordered = (line: string) => {
      const cells = line.split(',')
      return [...cells.slice(3), ...cells.slice(0, 3)].join(',')
    }
    const redownloaded = path.join(work, 'redownloaded.csv')
    writeFileSync(
      redownloaded,
      [
        reordered(header!),
        ...fixtureRows.slice(0, 250).map(reordered),
        ',,,,,',
        ...fixtureRows.slice(250).map(reordered),
      ].join('\n'),
    )
    expect(await run('responses:import', ...wave, '--file', redownloaded)).toMatchObject({
      stdout:
        'Imported 0 responses into perception/2025 (500 were already there and were skipped; 1 empty row skipped: 252).',
    })

    const badMargins = path.join(work, 'margins.csv')
    writeFileSync(badMargins, 'variable,level,population\ndistrict,centro,-5\nage_band,16_29,10\n')
    const marginsRefused = await run('margins:import', ...wave, '--file', badMargins)
    expect(marginsRefused.status).toBe(2)
    expect(marginsRefused.stderr).toContain('"-5" is not a positive number')
    expect(
      await run('margins:import', ...wave, '--file', path.join(fixtures, 'margins-2025.csv')),
    ).toMatchObject({ stdout: 'Imported population margins for district, age_band into perception/2025.' })

    const series = ['--org', 'ciudad-test', '--series', 'perception']
    expect(
      await run(
        'indicator:define',
        ...series,
        '--code',
        'interest_high',
        '--question',
        'interest',
        '--success',
        '4,5',
        '--exclude',
        'dont_know',
      ),
    ).toMatchObject({
      stdout: 'Defined indicator interest_high: share of interest in 4, 5, excluding dont_know.',
    })
    expect(
      (
        await run(
          'indicator:define',
          ...series,
          '--code',
          'aware_yes',
          '--question',
          'aware',
          '--success',
          'yes',
          '--exclude',
          'dont_know',
        )
      ).status,
    ).toBe(0)
    expect(
      (await run('indicator:define', ...series, '--code', 'benefit_value', '--question', 'benefit', '--mean'))
        .status,
    ).toBe(0)
    expect(
      (await run('indicator:define', ...series, '--code', 'x', '--question', 'interest', '--success', '7'))
        .stderr,
    ).toContain('"7" is not an option of interest')

    // A cap above the largest weight changes nothing here; a bad one is refused.
    expect(await run('weighting:set', ...series, '--cap', '9')).toMatchObject({
      stdout:
        "Capped the weights of perception at 9 times the mean weight (trimmed as R's trimWeights does).",
    })
    expect((await run('weighting:set', ...series, '--cap', '0.5')).stderr).toContain(
      '--cap: must be a number above 1, or none',
    )
    // Commands go through the same services as the pages: each change is in the audit log, as the
    // operator's (no staff member), and a refused one left nothing there.
    const audit = await database
      .db()
      .selectFrom('audit_log')
      .select(['action', 'subject', 'user_id'])
      .where('action', 'in', ['margins.import', 'indicator.save', 'weighting.update'])
      .orderBy('id')
      .execute()
    expect(audit).toEqual([
      { action: 'margins.import', subject: 'perception/2025', user_id: null },
      { action: 'indicator.save', subject: 'perception/interest_high', user_id: null },
      { action: 'indicator.save', subject: 'perception/aware_yes', user_id: null },
      { action: 'indicator.save', subject: 'perception/benefit_value', user_id: null },
      { action: 'weighting.update', subject: 'perception', user_id: null },
    ])
    const notProfile = await run('trends:export', ...series, '--breakdown', 'aware', '--format', 'csv')
    expect(notProfile.status).toBe(2)
    expect(notProfile.stderr).toContain('--breakdown: aware is not a profile question of perception')

    const exported = await run('trends:export', ...series, '--breakdown', 'district', '--format', 'csv')
    expect(exported.stderr).toBe('')
    const table = parse<Record<string, string>>(exported.stdout, { columns: true })
    expect(Object.keys(table[0]!)).toEqual([
      'indicator',
      'wave',
      'breakdown',
      'group',
      'estimate',
      'se',
      'ci_low',
      'ci_high',
      'n',
      'n_effective',
      'weighted',
      'suppressed',
      'break_in_series',
      'ci_method',
      'weighting_differs',
    ])
    const reference = parse<Record<string, string>>(
      readFileSync(path.join(fixtures, 'reference.csv'), 'utf8'),
      { columns: true },
    ).filter((r) => r.wave === '2025')
    for (const ref of reference) {
      const row = table.find(
        (r) => r.indicator === ref.indicator && r.breakdown === ref.breakdown && r.group === ref.group,
      )!
      if (ref.group === 'isla') {
        expect(row).toMatchObject({ suppressed: 'true', estimate: '', se: '', n: '' })
        continue
      }
      for (const column of ['estimate', 'se', 'ci_low', 'ci_high'] as const) {
        expect(Math.abs(Number(row[column]) - Number(ref[column]))).toBeLessThan(1e-6)
      }
      expect(row.weighted).toBe('true')
    }
    const json = JSON.parse(
      (await run('trends:export', ...series, '--format', 'json', '--ci', 'wald')).stdout,
    )
    expect(json).toMatchObject({ format: 'pulso-trends', version: 1, series: 'perception' })
    expect(json.rows.every((r: { breakdown: string }) => r.breakdown === 'overall')).toBe(true)

    // Rows already there plus one new: one response more, not four.
    const plusOne = path.join(work, 'plus-one.csv')
    writeFileSync(plusOne, [header, ...fixtureRows.slice(0, 3), '5,yes,10,centro,30_44,woman'].join('\n'))
    expect(await run('responses:import', ...wave, '--file', plusOne)).toMatchObject({
      stdout: 'Imported 1 responses into perception/2025 (3 were already there and were skipped).',
    })
  })
})
