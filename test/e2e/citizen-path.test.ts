import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { Respondent } from '../helpers/respondent.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let survey: BuiltSurvey

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db)
})
afterAll(() => t.close())

async function storedResponses(waveId: number) {
  const { rows } = await sql<{ id: number; language: string; channel: string }>`
    select id, language, channel from response where wave_id = ${waveId} order by id`.execute(t.services.db)
  return rows
}

async function answersOf(responseId: number) {
  const { rows } = await sql<{
    code: string
    option_code: string | null
    value_number: number | null
    value_text: string | null
  }>`
    select q.code, a.option_code, a.value_number, a.value_text
    from answer a join question q on q.id = a.question_id
    where a.response_id = ${responseId} order by q.position, a.option_code`.execute(t.services.db)
  return rows
}

describe('a citizen answers the open wave', () => {
  for (const language of ['es', 'fr', 'pt-PT'] as const) {
    it(`end to end in ${language}, over plain HTML forms`, async () => {
      const before = (await storedResponses(survey.waveId)).length
      const citizen = new Respondent(t.app, survey.url, language)
      const page1 = await citizen.start()
      expect(page1).toBe(`${survey.url}/p/1`)

      const first = await citizen.get(page1)
      expect(first.text).toContain(`<html lang="${language}">`)
      expect(first.text).toContain(
        { es: '¿Cuánto le interesa?', fr: 'Cela vous intéresse-t-il ?', 'pt-PT': 'Quanto lhe interessa?' }[
          language
        ],
      )

      const afterPage1 = await citizen.answer(page1, { interest: '4', aware: 'yes' })
      expect(afterPage1.status).toBe(303)
      expect(afterPage1.headers.location).toBe(`${survey.url}/p/2`)
      const afterPage2 = await citizen.answer(`${survey.url}/p/2`, { heard_of: ['events', 'twinning'] })
      expect(afterPage2.headers.location).toBe(`${survey.url}/p/3`)
      const afterPage3 = await citizen.answer(`${survey.url}/p/3`, {
        benefit: '7',
        years: '12,5',
        district: 'north',
      })
      expect(afterPage3.headers.location).toBe(`${survey.url}/p/4`)
      const done = await citizen.answer(`${survey.url}/p/4`, {
        nickname: 'ciudad',
        comment: 'Línea 1\r\nLínea 2',
      })
      expect(done.status).toBe(303)
      expect(done.headers.location).toBe(`${survey.url}/thanks`)
      // Redirects carry no page of their own: browsers follow them, and the redirect answers every submission.
      expect(done.headers['content-length']).toBe('0')
      expect(done.text ?? '').toBe('')

      const thanks = await citizen.get(`${survey.url}/thanks`)
      expect(thanks.status).toBe(200)
      expect(thanks.text).toContain(
        { es: 'Gracias por responder', fr: 'Merci d’avoir répondu', 'pt-PT': 'Obrigado por responder' }[
          language
        ],
      )

      const responses = await storedResponses(survey.waveId)
      expect(responses).toHaveLength(before + 1)
      const stored = responses.at(-1)!
      expect(stored).toMatchObject({ language: language.slice(0, 2), channel: 'web' })
      expect(await answersOf(stored.id)).toEqual([
        { code: 'interest', option_code: '4', value_number: 4, value_text: null },
        { code: 'aware', option_code: 'yes', value_number: null, value_text: null },
        { code: 'heard_of', option_code: 'events', value_number: null, value_text: null },
        { code: 'heard_of', option_code: 'twinning', value_number: null, value_text: null },
        { code: 'benefit', option_code: null, value_number: 7, value_text: null },
        { code: 'years', option_code: null, value_number: 12.5, value_text: null },
        { code: 'district', option_code: 'north', value_number: null, value_text: null },
        { code: 'nickname', option_code: null, value_number: null, value_text: 'ciudad' },
        { code: 'comment', option_code: null, value_number: null, value_text: 'Línea 1\nLínea 2' },
      ])
    })
  }

  it('counts answers per question and option with a plain SQL query', async () => {
    const { rows } = await sql<{ option_code: string; n: number }>`
      select a.option_code, count(*)::int as n from answer a
      join question q on q.id = a.question_id
      where a.wave_id = ${survey.waveId} and q.code = 'interest'
      group by a.option_code`.execute(t.services.db)
    expect(rows).toEqual([{ option_code: '4', n: 3 }])
  })

  it('skips a page whose questions are all hidden, and discards answers that end up hidden', async () => {
    const citizen = new Respondent(t.app, survey.url)
    await citizen.start()
    await citizen.answer(`${survey.url}/p/1`, { interest: '2', aware: 'yes' })
    await citizen.answer(`${survey.url}/p/2`, { heard_of: ['networks'] })
    // The citizen goes back and changes their mind: page 2 no longer applies.
    const changed = await citizen.answer(`${survey.url}/p/1`, { interest: '2', aware: 'no' })
    expect(changed.headers.location).toBe(`${survey.url}/p/3`)
    const hiddenPage = await citizen.get(`${survey.url}/p/2`)
    expect(hiddenPage.status).toBe(303)
    await citizen.answer(`${survey.url}/p/3`, { district: 'south' })
    const done = await citizen.answer(`${survey.url}/p/4`, {})
    expect(done.headers.location).toBe(`${survey.url}/thanks`)
    const stored = (await storedResponses(survey.waveId)).at(-1)!
    expect((await answersOf(stored.id)).map((a) => a.code)).toEqual(['interest', 'aware', 'district'])
  })

  it('keeps progress between pages and shows earlier answers when going back', async () => {
    const citizen = new Respondent(t.app, survey.url)
    await citizen.start()
    await citizen.answer(`${survey.url}/p/1`, { interest: '5', aware: 'no' })
    const back = await citizen.get(`${survey.url}/p/1`)
    expect(back.text).toMatch(/name="a_interest" value="5" checked/)
    expect(back.text).toMatch(/name="a_aware" value="no" checked/)
  })

  it('shows a localized error summary linking to each field, keeps the values, and stores nothing', async () => {
    const before = (await storedResponses(survey.waveId)).length
    const citizen = new Respondent(t.app, survey.url, 'fr')
    await citizen.start()
    await citizen.answer(`${survey.url}/p/1`, { interest: '3', aware: 'no' })
    const invalid = await citizen.answerRefused(`${survey.url}/p/3`, { benefit: '7', years: '300' })
    expect(invalid.text).toContain('Il y a un problème')
    expect(invalid.text).toContain('href="#q-years"')
    expect(invalid.text).toContain('href="#q-district"')
    expect(invalid.text).toContain('Saisissez un nombre entre 0 et 110')
    expect(invalid.text).toContain('Choisissez une réponse')
    expect(invalid.text).toMatch(/id="q-years" name="a_years" value="300"/)
    expect(invalid.text).toMatch(/name="a_benefit" value="7" checked/)
    expect(invalid.text).toContain('<title>Erreur : ')
    expect((await storedResponses(survey.waveId)).length).toBe(before)
  })

  it('stores a double submit once, and a back-and-resubmit once', async () => {
    const citizen = new Respondent(t.app, survey.url)
    await citizen.start()
    await citizen.answer(`${survey.url}/p/1`, { interest: '1', aware: 'no' })
    await citizen.answer(`${survey.url}/p/3`, { district: 'north' })
    await citizen.get(`${survey.url}/p/4`)
    const before = (await storedResponses(survey.waveId)).length
    const fields = { a_comment: 'dos veces' }
    const [a, b] = await Promise.all([
      citizen.post(`${survey.url}/p/4`, fields),
      citizen.post(`${survey.url}/p/4`, fields),
    ])
    expect([a.status, b.status]).toEqual([303, 303])
    expect([a.headers.location, b.headers.location]).toEqual([`${survey.url}/thanks`, `${survey.url}/thanks`])
    const again = await citizen.post(`${survey.url}/p/4`, fields)
    expect(again.headers.location).toBe(`${survey.url}/thanks`)
    const pageAfter = await citizen.get(`${survey.url}/p/1`)
    expect(pageAfter.headers.location).toBe(`${survey.url}/thanks`)
    expect((await storedResponses(survey.waveId)).length).toBe(before + 1)
  })

  it('sends a person without a response in progress back to the start', async () => {
    const stranger = new Respondent(t.app, survey.url)
    await stranger.get(survey.url)
    const posted = await stranger.post(`${survey.url}/p/1`, { a_interest: '3', a_aware: 'no' })
    expect(posted.status).toBe(303)
    expect(posted.headers.location).toBe(`${survey.url}?expired=1`)
    const landing = await stranger.get(posted.headers.location!)
    expect(landing.text).toContain('Su sesión anterior caducó')
  })
})

describe('a wave that is not open', () => {
  it('cannot be answered when closed, and says so in the reader’s language', async () => {
    // The page was loaded while the wave was open; it closed before the citizen pressed Start.
    const closed = await buildSurvey(t.services.db, { year: 2025 })
    const citizen = new Respondent(t.app, closed.url, 'pt-PT')
    await citizen.get(closed.url)
    await t.services.db
      .updateTable('wave')
      .set({ status: 'closed' })
      .where('id', '=', closed.waveId)
      .execute()
    const landing = await citizen.get(closed.url)
    expect(landing.status).toBe(200)
    expect(landing.text).toContain('Este inquérito não está aberto')
    expect(landing.text).toContain('A edição de 2025 já encerrou')
    expect(landing.text).not.toContain('/start')
    const start = await citizen.post(`${closed.url}/start`)
    expect(start.status).toBe(409)
    const page = await citizen.post(`${closed.url}/p/1`, { a_interest: '3', a_aware: 'no' })
    expect(page.status).toBe(409)
    expect(await storedResponses(closed.waveId)).toHaveLength(0)
  })

  it('cannot be answered while still a draft', async () => {
    const draft = await buildSurvey(t.services.db, { status: 'draft' })
    const citizen = new Respondent(t.app, draft.url)
    await citizen.get(survey.url) // a page with a form, for a valid token
    expect((await citizen.get(draft.url)).text).toContain('Todavía no hay ninguna edición abierta')
    expect((await citizen.post(`${draft.url}/start`)).status).toBe(409)
  })

  it('closes at its closing date even while marked open, refusing a response in progress', async () => {
    let now = new Date('2026-11-01T10:00:00Z')
    const timed = await createTestApp({ now: () => now })
    try {
      const s = await buildSurvey(timed.services.db, {
        opensAt: new Date('2026-10-01T00:00:00Z'),
        closesAt: new Date('2026-11-30T00:00:00Z'),
      })
      const citizen = new Respondent(timed.app, s.url)
      const landing = await citizen.get(s.url)
      expect(landing.text).toContain('30 de noviembre de 2026')
      await citizen.start()
      await citizen.answer(`${s.url}/p/1`, { interest: '3', aware: 'no' })
      now = new Date('2026-12-01T00:00:00Z')
      const late = await citizen.post(`${s.url}/p/3`, { a_district: 'north' })
      expect(late.status).toBe(409)
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from response`.execute(
        timed.services.db,
      )
      expect(rows[0]!.n).toBe(0)
    } finally {
      await timed.close()
    }
  })

  it('answers 404 for an unknown organization or series', async () => {
    const citizen = new Respondent(t.app, '/s/nowhere/nothing')
    const res = await citizen.get('/s/nowhere/nothing')
    expect(res.status).toBe(404)
    expect(res.text).toContain('Página no encontrada')
  })
})
