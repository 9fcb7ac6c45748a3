import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurvey, twoPageQuestions, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { cliInProcess } from '../helpers/cli.ts'
import { digest } from '../helpers/digest.ts'
import { withInsertsFailing } from '../helpers/planted-fault.ts'
import { Respondent } from '../helpers/respondent.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Set-up through the service, outside any staff member's request: audit-logged as nobody's.
const byTheTest = { organizationId: null, userId: null }

const tr = (s: string) => ({ es: s, fr: s, pt: s })
const questions = twoPageQuestions

let t: TestApp
let survey: BuiltSurvey
let designer: StaffBrowser
let invitationsPage: string
const codePattern = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/

beforeAll(async () => {
  t = await createTestApp({ codeGuessLimit: 1000 })
  survey = await buildSurvey(t.services.db, { year: 2026, questions })
  designer = await signedIn(t.app, t.services, survey.organizationId, 'designer')
  invitationsPage = '/staff/series/perception/waves/2026/invitations'
})
afterAll(() => t.close())

const count = async (table: 'invitation' | 'response', where = sql`true`) =>
  (
    await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${where}`.execute(
      t.services.db,
    )
  ).rows[0]!.n

/** The staff form's fields, as the browser sends them (with its one-time request key). */
async function batchForm(fields: Record<string, string>) {
  const page = await designer.get(invitationsPage)
  expect(page.status).toBe(200)
  const requestKey = /name="request_key" value="([^"]+)"/.exec(page.text)![1]!
  return { request_key: requestKey, format: 'csv', letter_language: 'es', ...fields }
}

async function makeCodes(n: number, stratum = 'north'): Promise<string[]> {
  const res = await designer.post(invitationsPage, await batchForm({ count: String(n), stratum }))
  expect(res.status).toBe(200)
  return parse<{ code: string }>(res.text, { columns: true }).map((r) => r.code)
}

/** A citizen who types a code on the landing page. */
async function enterCode(citizen: Respondent, code: string) {
  await citizen.get(citizen.surveyUrl)
  return citizen.post(`${citizen.surveyUrl}/code`, { code })
}

describe('staff choose who may answer and make invitation codes', () => {
  it('writes codes and access changes with their audit entry, or nothing', async () => {
    // The audit entry cannot be written (a fault planted in the database): the codes it records
    // must not exist without it, nor the access change.
    await withInsertsFailing(t.services.db, 'audit_log', async () => {
      const before = await digest(t.services.db, ['invitation_batch', 'invitation', 'wave', 'audit_log'])
      expect((await designer.post(invitationsPage, await batchForm({ count: '3' }))).status).toBe(500)
      expect((await designer.post(`${invitationsPage}/access`, { access_mode: 'invitation' })).status).toBe(
        500,
      )
      expect(await digest(t.services.db, ['invitation_batch', 'invitation', 'wave', 'audit_log'])).toEqual(
        before,
      )
    })
  })

  it('sets the access mode, and makes codes as CSV once per form', async () => {
    const landing = await request(t.app).get(survey.url)
    expect(landing.text).not.toContain('name="code"')
    const access = await designer.post(`${invitationsPage}/access`, { access_mode: 'both' })
    expect(access.status).toBe(303)

    const form = await batchForm({ count: '5', stratum: 'north' })
    const csv = await designer.post(invitationsPage, form)
    expect(csv.status).toBe(200)
    expect(csv.headers['content-type']).toMatch(/^text\/csv/)
    expect(csv.headers['content-disposition']).toContain('invitations-perception-2026-')
    const rows = parse<{ code: string; url: string; stratum: string }>(csv.text, { columns: true })
    expect(rows).toHaveLength(5)
    for (const row of rows) {
      expect(row.code).toMatch(codePattern)
      expect(row.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1(:\\d+)?${survey.url}/i/${row.code}$`))
      expect(row.stratum).toBe('north')
    }
    // Only hashes are kept: no code appears in the database.
    const { rows: stored } = await sql<{ code_hash: string }>`select code_hash from invitation`.execute(
      t.services.db,
    )
    expect(stored.some((s) => rows.some((r) => s.code_hash.includes(r.code.replace(/-/g, ''))))).toBe(false)

    // The same form sent again (a refresh) makes no second batch.
    const again = await designer.post(invitationsPage, form)
    expect(again.status).toBe(409)
    expect(again.text).toContain('Los códigos solo se muestran una vez')
    expect(await count('invitation')).toBe(5)
    const page = await designer.get(invitationsPage)
    expect(page.text).toMatch(/<th scope="row">north<\/th><td>5<\/td><td>0<\/td><td>0<\/td>/)
  })

  it('prints localized letters with each code’s address and QR code', async () => {
    const res = await designer.post(
      invitationsPage,
      await batchForm({ count: '2', stratum: 'south', format: 'letters', letter_language: 'fr' }),
    )
    expect(res.status).toBe(200)
    // The page around the letters in the staff member's language, the letters in theirs.
    expect(res.text).toContain('<html lang="es">')
    expect(res.text.match(/<article class="letter" lang="fr">/g)).toHaveLength(2)
    expect(res.text.match(/<svg[^>]*viewBox/g)).toHaveLength(2)
    expect(res.text).toMatch(/\/i\/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/)
    expect(res.text).toContain('Perception 2026 : nous vous invitons à répondre')
    expect(res.text).toContain('href="data:text/csv;charset=utf-8,code%2Curl%2Cstratum')
    expect(res.text).not.toMatch(/<script|\sstyle=/)
  })

  it('refuses bad counts and strata with a localized message, making nothing', async () => {
    const before = await count('invitation')
    for (const fields of [
      { count: '0' },
      { count: 'abc' },
      { count: '20001' },
      { count: '3', stratum: '<b>' },
    ]) {
      const res = await designer.post(invitationsPage, await batchForm({ stratum: '', ...fields }))
      expect(res.status).toBe(400)
      expect(res.text).toContain('error-summary')
    }
    expect(await count('invitation')).toBe(before)
  })

  it('says where email is not configured, and sends none', async () => {
    const email = await designer.get(`${invitationsPage}/email`)
    expect(email.status).toBe(200)
    expect(email.text).toContain(
      'El envío de correo no está configurado en este servidor (SMTP_URL y MAIL_FROM',
    )
    expect(email.text).not.toContain('name="list"')
    expect((await designer.post(`${invitationsPage}/email/send`)).status).toBe(409)
    expect(await count('invitation', sql`batch_id in (select id from invitation_batch where by_email)`)).toBe(
      0,
    )
  })

  it('is for designers and admins of the organization only', async () => {
    const evaluator = await signedIn(t.app, t.services, survey.organizationId, 'evaluator')
    expect((await evaluator.get(invitationsPage)).status).toBe(403)
    expect((await request(t.app).get(invitationsPage)).status).toBe(303)
  })
})

describe('a citizen answers with an invitation code', () => {
  it('enters a code typed loosely, resumes on another device, and answers once', async () => {
    const [code] = await makeCodes(1, 'north')
    const typed = `  ${code!.toLowerCase().replace(/-/g, ' ')} `
    const phone = new Respondent(t.app, survey.url)
    const started = await enterCode(phone, typed)
    expect(started.status).toBe(303)
    expect(started.headers.location).toBe(`${survey.url}/p/1`)
    expect((await phone.answer(`${survey.url}/p/1`, { aware: 'yes' })).headers.location).toBe(
      `${survey.url}/p/2`,
    )

    // The same code on a computer continues where the phone stopped, with the answers kept.
    const computer = new Respondent(t.app, survey.url)
    const resumed = await enterCode(computer, code!)
    expect(resumed.headers.location).toBe(`${survey.url}/p/2`)
    const back = await computer.get(`${survey.url}/p/1`)
    expect(back.text).toMatch(/value="yes" checked/)
    const done = await computer.answer(`${survey.url}/p/2`, { district: 'north' })
    expect(done.headers.location).toBe(`${survey.url}/thanks`)

    const { rows } = await sql<{ access: string; stratum: string; idempotency_key: string }>`
      select access, stratum, idempotency_key from response where wave_id = ${survey.waveId}`.execute(
      t.services.db,
    )
    expect(rows).toEqual([{ access: 'invitation', stratum: 'north', idempotency_key: expect.any(String) }])
    const { rows: hashes } = await sql<{ code_hash: string }>`select code_hash from invitation`.execute(
      t.services.db,
    )
    // Nothing in the response leads back to the code.
    expect(hashes.map((h) => h.code_hash)).not.toContain(rows[0]!.idempotency_key)

    // The phone, and anyone typing the code again, hear politely that it was used.
    expect((await phone.get(`${survey.url}/p/2`)).headers.location).toBe(`${survey.url}/thanks`)
    const reused = await enterCode(new Respondent(t.app, survey.url, 'pt-PT'), code!)
    expect(reused.status).toBe(200)
    expect(reused.text).toContain('Este código já foi utilizado')
    expect(await count('response', sql`wave_id = ${survey.waveId}`)).toBe(1)
  })

  it('stores one response when two browsers race on one code', async () => {
    const [code] = await makeCodes(1, 'south')
    const browsers = [new Respondent(t.app, survey.url), new Respondent(t.app, survey.url)]
    for (const b of browsers) {
      await enterCode(b, code!)
      await b.answer(`${survey.url}/p/1`, { aware: 'no' })
      await b.get(`${survey.url}/p/2`)
    }
    const before = await count('response', sql`wave_id = ${survey.waveId}`)
    const results = await Promise.all(
      browsers.map((b) => b.post(`${survey.url}/p/2`, { a_district: 'south' })),
    )
    for (const r of results) expect(r.headers.location).toBe(`${survey.url}/thanks`)
    expect(await count('response', sql`wave_id = ${survey.waveId}`)).toBe(before + 1)
  })

  it('explains a wrong, malformed or foreign code in the reader’s language, and starts nothing', async () => {
    const other = await buildSurvey(t.services.db, { year: 2026, questions })
    await t.services.invitations.setAccessMode(other.waveId, 'both', byTheTest)
    const foreign = (await t.services.invitations.create(
      {
        waveId: other.waveId,
        count: 1,
        stratum: null,
        createdBy: null,
      },
      byTheTest,
    ))!.codes[0]!
    const drafts = await sql<{ n: number }>`select count(*)::int as n from survey_draft`.execute(
      t.services.db,
    )
    const cases = [
      ['es', 'ABCD-EFGH-JKMN', 'Ese código no existe'],
      ['fr', 'ABCD', 'Saisissez le code de 12 lettres et chiffres'],
      ['pt-PT', foreign, 'Esse código é de outro inquérito ou de outro ano'],
      ['es', 'x'.repeat(200), 'Escriba el código de 12 letras y cifras'],
    ] as const
    for (const [language, code, message] of cases) {
      const res = await enterCode(new Respondent(t.app, survey.url, language), code)
      expect(res.status).toBe(400)
      expect(res.text).toContain(message)
      expect(res.text).toContain('aria-invalid="true"')
      expect(res.text).toContain(`<html lang="${language}">`)
    }
    const after = await sql<{ n: number }>`select count(*)::int as n from survey_draft`.execute(t.services.db)
    expect(after.rows[0]!.n).toBe(drafts.rows[0]!.n)
  })

  it('opens the letter’s address with the code filled in', async () => {
    const [code] = await makeCodes(1, 'north')
    const res = await request(t.app).get(`${survey.url}/i/${code}`)
    expect(res.status).toBe(200)
    expect(res.text).toContain(`value="${code}"`)
  })
})

describe('access modes', () => {
  it('an invitation-only wave refuses the open link; an open wave takes no codes', async () => {
    const only = await buildSurvey(t.services.db, { year: 2026, questions })
    await t.services.invitations.setAccessMode(only.waveId, 'invitation', byTheTest)
    const citizen = new Respondent(t.app, only.url, 'fr')
    const landing = await citizen.get(only.url)
    expect(landing.text).not.toContain(`action="${only.url}/start"`)
    expect(landing.text).toContain('name="code"')
    const start = await citizen.post(`${only.url}/start`)
    expect(start.status).toBe(403)
    expect(start.text).toContain('Cette enquête est sur invitation')

    const open = await buildSurvey(t.services.db, { year: 2026, questions })
    const openCitizen = new Respondent(t.app, open.url)
    expect((await enterCode(openCitizen, 'ABCD-EFGH-JKMN')).status).toBe(404)
  })

  it('limits wrong codes per address; a right code does not count', async () => {
    const limited = await createTestApp({ codeGuessLimit: 3 })
    try {
      const s = await buildSurvey(limited.services.db, { year: 2026, questions })
      await limited.services.invitations.setAccessMode(s.waveId, 'both', byTheTest)
      const right = (await limited.services.invitations.create(
        {
          waveId: s.waveId,
          count: 2,
          stratum: null,
          createdBy: null,
        },
        byTheTest,
      ))!.codes
      const citizen = new Respondent(limited.app, s.url)
      await citizen.get(s.url)
      const post = (code: string) => citizen.post(`${s.url}/code`, { code })
      expect((await post(right[0]!)).status).toBe(303)
      expect((await post('ABCD-EFGH-JKM0')).status).toBe(400)
      expect((await post('ABCD-EFGH-JKM1')).status).toBe(400)
      expect((await post(right[1]!)).status).toBe(303)
      expect((await post('ABCD-EFGH-JKM2')).status).toBe(400)
      const blocked = await post('ABCD-EFGH-JKM3')
      expect(blocked.status).toBe(429)
      expect(blocked.text).toContain('Demasiados envíos')
    } finally {
      await limited.close()
    }
  })
})

describe('wrong codes from many addresses', () => {
  it('never shut invited respondents out: a valid code from a fresh address is always accepted', async () => {
    const limited = await createTestApp({ codeGuessLimit: 2 })
    try {
      const s = await buildSurvey(limited.services.db, { year: 2026, questions })
      await limited.services.invitations.setAccessMode(s.waveId, 'both', byTheTest)
      const [valid] = (await limited.services.invitations.create(
        {
          waveId: s.waveId,
          count: 1,
          stratum: null,
          createdBy: null,
        },
        byTheTest,
      ))!.codes
      const from = async (address: string) => {
        const citizen = new Respondent(limited.app, s.url)
        citizen.agent.set('X-Forwarded-For', address)
        await citizen.get(s.url)
        return (code: string) => citizen.post(`${s.url}/code`, { code })
      }
      // Twenty addresses each use up their own allowance of wrong guesses (40 in all).
      for (let i = 1; i <= 20; i++) {
        const post = await from(`198.51.100.${i}`)
        expect((await post(`ABCD-EFGH-JK${String(i).padStart(2, '0')}`)).status).toBe(400)
        expect((await post(`ABCD-EFGH-JM${String(i).padStart(2, '0')}`)).status).toBe(400)
        expect((await post('ABCD-EFGH-JMMM')).status).toBe(429)
      }
      // An invited citizen at home types the letter's code: it is taken.
      const citizen = await from('203.0.113.50')
      expect((await citizen(valid!)).status).toBe(303)
    } finally {
      await limited.close()
    }
  })
})

describe('response rates and the drawn sample', () => {
  it('shows invited, started and completed per stratum, and trends of the drawn sample only', async () => {
    // One open-link response besides the invited ones.
    const citizen = new Respondent(t.app, survey.url)
    await citizen.start()
    await citizen.answer(`${survey.url}/p/1`, { aware: 'yes' })
    await citizen.answer(`${survey.url}/p/2`, { district: 'south' })
    await t.services.results.listIndicators(survey.seriesId)
    await sql`insert into indicator (series_id, code, question_code, kind, success_codes, label)
      values (${survey.seriesId}, 'aware', 'aware', 'share', '["yes"]', ${JSON.stringify(tr('Conoce'))})`.execute(
      t.services.db,
    )
    const evaluator = await signedIn(t.app, t.services, survey.organizationId, 'evaluator')
    const page = await evaluator.get('/staff/results/perception')
    expect(page.status).toBe(200)
    expect(page.text).toContain('Tasa de respuesta de la muestra invitada')
    expect(page.text).toMatch(/<th scope="row">north<\/th><td>\d+<\/td><td>\d+<\/td><td>1<\/td>/)

    const all = await t.services.results.trends({ id: survey.seriesId, minGroupSize: 1 })
    const invited = await t.services.results.trends(
      { id: survey.seriesId, minGroupSize: 1 },
      { sample: 'invited' },
    )
    const invitedCount = await count('response', sql`wave_id = ${survey.waveId} and access = 'invitation'`)
    expect(invited.waves[0]!.respondents).toBe(invitedCount)
    expect(all.waves[0]!.respondents).toBe(invitedCount + 1)
    const sampled = await evaluator.get('/staff/results/perception?sample=invited')
    expect(sampled.text).toContain('<option value="invited" selected>')
  })
})

describe('the invitations:create command', () => {
  it('writes the codes to a new file only, and they admit a response', { timeout: 120_000 }, async () => {
    const database = await cliInProcess()
    const work = mkdtempSync(path.join(tmpdir(), 'pulso-invitations-'))
    try {
      const run = (...args: string[]) => database.run(args)
      expect((await run('org:create', '--slug', 'ciudad-cli', '--name', 'Ciudad CLI')).status).toBe(0)
      const wave = ['--org', 'ciudad-cli', '--series', 'perception', '--wave', '2026']
      const file = path.join(work, 'codes.csv')
      const missing = await run('invitations:create', ...wave, '--count', '3', '--file', file)
      expect(missing.status).toBe(2)
      expect(missing.stderr).toContain('no wave 2026')
      const db = database.db()
      const orgId = (await db.selectFrom('organization').select('id').executeTakeFirstOrThrow()).id
      const { insertSeries, insertWave, insertQuestions } =
        await import('../../src/questionnaire/questionnaire.repository.ts')
      const seriesId = await insertSeries(db, { organizationId: orgId, code: 'perception', title: tr('P') })
      const waveId = await insertWave(db, { seriesId, year: 2026, status: 'open' })
      await insertQuestions(db, waveId, questions)

      const made = await run(
        'invitations:create',
        ...wave,
        '--count',
        '3',
        '--stratum',
        'north',
        '--file',
        file,
        '--url',
        'https://encuesta.ciudad.org',
      )
      expect(made.stderr).toBe('')
      expect(made.stdout).toContain('Created 3 invitation codes')
      const rows = parse<{
        code: string
        url: string
        stratum: string
      }>(readFileSync(file, 'utf8'), { columns: true })
      expect(rows).toHaveLength(3)
      expect(rows[0]!.url).toBe(`https://encuesta.ciudad.org/s/ciudad-cli/perception/i/${rows[0]!.code}`)
      expect(rows.every((r) => codePattern.test(r.code) && r.stratum === 'north')).toBe(true)

      // Without PUBLIC_URL or --url, the addresses use the port the app is configured with.
      const local = path.join(work, 'local.csv')
      expect(
        (
          await database.run(['invitations:create', ...wave, '--count', '1', '--file', local], '', {
            PORT: '3456',
          })
        ).status,
      ).toBe(0)
      expect(readFileSync(local, 'utf8')).toMatch(
        /\nhttps?:|,http:\/\/localhost:3456\/s\/ciudad-cli\/perception\/i\//,
      )

      writeFileSync(path.join(work, 'taken.csv'), 'keep me')
      const taken = await run(
        'invitations:create',
        ...wave,
        '--count',
        '3',
        '--file',
        path.join(work, 'taken.csv'),
      )
      expect(taken.status).toBe(2)
      expect(readFileSync(path.join(work, 'taken.csv'), 'utf8')).toBe('keep me')
      expect(
        (await run('invitations:create', ...wave, '--count', '0', '--file', path.join(work, 'x.csv'))).stderr,
      ).toContain('--count')
      const exported = JSON.parse(
        (
          await run(
            'trends:export',
            '--org',
            'ciudad-cli',
            '--series',
            'perception',
            '--sample',
            'invited',
            '--format',
            'json',
          )
        ).stdout,
      )
      expect(exported.sample).toBe('invited')
      expect(exported.responseRates).toEqual([
        {
          wave: 2026,
          strata: [
            { stratum: 'north', invited: 3, emailed: 0, started: 0, completed: 0 },
            { stratum: null, invited: 1, emailed: 0, started: 0, completed: 0 },
          ],
        },
      ])
    } finally {
      await database.cleanup()
    }
  })
})

it('refuses a code posted without a CSRF token', async () => {
  const res = await request(t.app).post(`${survey.url}/code`).type('form').send('code=ABCD-EFGH-JKMN')
  expect(res.status).toBe(403)
})
