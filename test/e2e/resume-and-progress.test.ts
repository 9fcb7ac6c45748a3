import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { Respondent } from '../helpers/respondent.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// A citizen on a phone leaves and comes back: what they typed is there, the start page says so, and
// the progress shown never jumps backwards or changes its total.
let t: TestApp
let survey: BuiltSurvey

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db)
})
afterAll(() => t.close())

const responseCount = async () =>
  Number((await sql<{ n: string }>`select count(*) as n from response`.execute(t.services.db)).rows[0]!.n)
const progressOf = (html: string) => {
  const label = /<label class="caption" for="progress">([^<]*)<\/label>/.exec(html)?.[1] ?? ''
  const value = Number(/<progress id="progress" max="100" value="(\d+)"/.exec(html)?.[1])
  return { label, value }
}

describe('a refused page (Post/Redirect/Get)', () => {
  it('redirects to its own address, which shows what was typed with the errors, and keeps it in the draft', async () => {
    const citizen = new Respondent(t.app, survey.url, 'es')
    await citizen.start()
    await citizen.answer(`${survey.url}/p/1`, { interest: '3', aware: 'no' })
    const before = await responseCount()
    const shown = await citizen.answerRefused(`${survey.url}/p/3`, {
      benefit: '7',
      years: '300',
    })
    expect(shown.text).toContain('<title>Error: ')
    expect(shown.text).toContain('href="#q-years"')
    expect(shown.text).toMatch(/id="q-years" name="a_years" value="300"/)
    expect(shown.text).toMatch(/name="a_benefit" value="7" checked/)
    // Going back a page and returning: the typed values are still there (a comment is never lost).
    await citizen.get(`${survey.url}/p/1`)
    const again = await citizen.get(`${survey.url}/p/3`)
    expect(again.text).toMatch(/id="q-years" name="a_years" value="300"/)
    expect(again.text).toContain('error-summary')
    // Accepted: the next visit shows the answers, without errors.
    const sent = await citizen.answer(`${survey.url}/p/3`, { benefit: '7', years: '30', district: 'north' })
    expect(sent.headers.location).toBe(`${survey.url}/p/4`)
    const accepted = await citizen.get(`${survey.url}/p/3`)
    expect(accepted.text).not.toContain('error-summary')
    expect(accepted.text).toMatch(/id="q-years" name="a_years" value="30"/)
    expect(await responseCount()).toBe(before)
  })

  it('a comment typed on a refused last page is there when the citizen comes back to the start page', async () => {
    const citizen = new Respondent(t.app, survey.url, 'fr')
    await citizen.start()
    await citizen.answer(`${survey.url}/p/1`, { interest: '3', aware: 'no' })
    await citizen.answer(`${survey.url}/p/3`, { district: 'south' })
    await citizen.answerRefused(`${survey.url}/p/4`, {
      nickname: 'x'.repeat(500),
      comment: 'Le puits a changé notre vie',
    })
    const landing = await citizen.get(survey.url)
    expect(landing.text).toContain('Vous avez une réponse en cours')
    const resume = /<a class="button" href="([^"]+)">Reprendre/.exec(landing.text)?.[1]
    expect(resume).toBe(`${survey.url}/p/4`)
    const page = await citizen.get(resume!)
    expect(page.text).toContain('Le puits a changé notre vie')
  })
})

describe('the start page of a response in progress', () => {
  it('offers to continue at the first page left unanswered, and hides Start', async () => {
    const citizen = new Respondent(t.app, survey.url, 'es')
    const fresh = await citizen.get(survey.url)
    expect(fresh.text).not.toContain('Continuar donde lo dejé')
    await citizen.start()
    // Started but nothing answered: nothing to lose, so the plain Start.
    expect((await citizen.get(survey.url)).text).not.toContain('Continuar donde lo dejé')
    await citizen.answer(`${survey.url}/p/1`, { interest: '4', aware: 'yes' })
    const landing = await citizen.get(survey.url)
    expect(landing.text).toContain('Tiene una respuesta sin terminar')
    expect(landing.text).toContain(`<a class="button" href="${survey.url}/p/2">Continuar donde lo dejé</a>`)
    expect(landing.text).not.toContain(`action="${survey.url}/start"`)
    expect(landing.text).toContain(`href="${survey.url}/start-again"`)
  })

  it('starts again only after a confirmation, and then nothing of the old answers is left', async () => {
    const citizen = new Respondent(t.app, survey.url, 'pt')
    await citizen.start()
    await citizen.answer(`${survey.url}/p/1`, { interest: '4', aware: 'yes' })
    const confirm = await citizen.get(`${survey.url}/start-again`)
    expect(confirm.status).toBe(200)
    expect(confirm.text).toContain('<h1>Recomeçar?</h1>')
    expect(confirm.text).toContain(`href="${survey.url}/p/2"`)
    // Without the form's token: refused, the answers kept.
    const forged = await citizen.agent.post(`${survey.url}/start-again`).type('form').send('')
    expect(forged.status).toBe(403)
    expect((await citizen.get(`${survey.url}/p/1`)).text).toMatch(/name="a_interest" value="4" checked/)

    await citizen.get(`${survey.url}/start-again`)
    const restarted = await citizen.post(`${survey.url}/start-again`)
    expect(restarted.status).toBe(303)
    expect(restarted.headers.location).toBe(`${survey.url}/p/1`)
    const page1 = await citizen.get(`${survey.url}/p/1`)
    expect(page1.text).not.toMatch(/checked/)
    // Page 2 (shown by "yes") is no longer reachable: the old answers are gone.
    const page2 = await citizen.get(`${survey.url}/p/2`)
    expect(page2.status).toBe(303)
    expect((await citizen.get(survey.url)).text).not.toContain('Continuar onde parei')
  })

  it('the confirmation page without a response in progress leads back to the start page', async () => {
    const citizen = new Respondent(t.app, survey.url, 'es')
    const res = await citizen.get(`${survey.url}/start-again`)
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe(survey.url)
  })
})

describe('progress', () => {
  it('counts pages seen and the share of the questionnaire done, never a total that changes', async () => {
    for (const aware of ['yes', 'no']) {
      const citizen = new Respondent(t.app, survey.url, 'es')
      await citizen.start()
      const first = progressOf((await citizen.get(`${survey.url}/p/1`)).text)
      expect(first.label).toMatch(/^Página 1 · 0\s%/u)
      expect(first.value).toBe(0)
      await citizen.answer(`${survey.url}/p/1`, { interest: '2', aware })
      const seen: { label: string; value: number }[] = [first]
      const pages = aware === 'yes' ? ['2', '3', '4'] : ['3', '4']
      for (const page of pages) seen.push(progressOf((await citizen.get(`${survey.url}/p/${page}`)).text))
      if (aware === 'yes') await citizen.answer(`${survey.url}/p/2`, { heard_of: 'events' })
      // Page numbers count up by one; the bar never moves back; no "of N" anywhere.
      seen.forEach((p, i) => expect(p.label).toMatch(new RegExp(`^(Percepción · )?Página ${i + 1} · `)))
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.value).toBeGreaterThan(seen[i - 1]!.value)
      expect(seen.at(-1)!.value).toBe(75)
      for (const p of seen) expect(p.label).not.toMatch(/ de \d/)
    }
  })
})

describe('headings', () => {
  it('a page of one question has that question as its h1; a page of several has the survey title', async () => {
    const citizen = new Respondent(t.app, survey.url, 'es')
    await citizen.start()
    const several = await citizen.get(`${survey.url}/p/1`)
    expect(several.text.match(/<h1/g)).toHaveLength(1)
    expect(several.text).toMatch(/<h1 class="page-heading">[^<]+<\/h1>/)
    await citizen.answer(`${survey.url}/p/1`, { interest: '2', aware: 'yes' })
    const one = await citizen.get(`${survey.url}/p/2`)
    expect(one.text.match(/<h1/g)).toHaveLength(1)
    expect(one.text).toMatch(/<legend class="legend-heading"><h1 class="question-heading">/)
  })
})
