import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { samePageQuestions } from '../fixtures/same-page-conditions.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { Respondent } from '../helpers/respondent.ts'
import { signedIn } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Conditions as XLSForm writes them (and, or, not(), =, !=, <, >) on questions of the same page: without
// JavaScript the page comes in parts, so nobody sees a question that does not apply; with it (the form
// says so with _whole_page) the page is sent whole and each part is read with the answers before it.

let t: TestApp
let survey: BuiltSurvey

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { year: 2026, questions: samePageQuestions })
})
afterAll(() => t.close())

/** The questions a reader without JavaScript sees: outside the template only the script uses. */
const fieldsIn = (html: string) => [...new Set([...html.matchAll(/name="a_([a-z_]+)"/g)].map((m) => m[1]))]
const visibleFields = (html: string) => fieldsIn(html.replace(/<template[\s\S]*?<\/template>/g, ''))
const inTemplate = (html: string) => fieldsIn(/<template[\s\S]*?<\/template>/.exec(html)?.[0] ?? '')

async function storedAnswers(): Promise<Record<string, string>> {
  const { rows } = await sql<{ code: string; value: string }>`
    select q.code, coalesce(a.option_code, a.value_number::text, a.value_text) as value
    from answer a join question q on q.id = a.question_id
    where a.wave_id = ${survey.waveId} and a.response_id = (select max(id) from response where wave_id = ${survey.waveId})
    order by q.position`.execute(t.services.db)
  return Object.fromEntries(rows.map((r) => [r.code, r.value.replace(/\.0+$/, '')]))
}

describe('conditions on the same page, without JavaScript', () => {
  it('sends the page in parts: a question shows only once the answer it depends on is sent', async () => {
    const citizen = new Respondent(t.app, survey.url, 'es')
    const first = await citizen.start()
    expect(first).toBe(`${survey.url}/p/1`)
    const page1 = await citizen.get(first)
    expect(visibleFields(page1.text)).toEqual(['visited'])
    // The rest of the page waits in a template, for the script only.
    expect(inTemplate(page1.text)).toEqual(['trips', 'why_not', 'satisfied'])
    expect(page1.text).toMatch(/src="\/static\/conditions\.js\?v=[\w-]+"/)

    // A later part cannot be opened before the answer it depends on.
    const early = await citizen.get(`${survey.url}/p/1.3`)
    expect(early.status).toBe(303)

    const afterVisited = await citizen.post(first, { a_visited: 'yes' })
    expect(afterVisited.status).toBe(303)
    expect(afterVisited.headers.location).toBe(`${survey.url}/p/1.2`)
    const part2 = await citizen.get(`${survey.url}/p/1.2`)
    expect(visibleFields(part2.text)).toEqual(['trips'])

    // Bad input in a part: refused with the localized message, nothing moves on.
    const refused = await citizen.postRefused(`${survey.url}/p/1.2`, { a_trips: 'muchas' })
    expect(refused.text).toContain('Escriba un número')
    expect(visibleFields(refused.text)).toEqual(['trips'])

    const afterTrips = await citizen.post(`${survey.url}/p/1.2`, { a_trips: '3' })
    expect(afterTrips.headers.location).toBe(`${survey.url}/p/1.3`)
    const part3 = await citizen.get(`${survey.url}/p/1.3`)
    expect(visibleFields(part3.text)).toEqual(['satisfied'])
    expect((await citizen.post(`${survey.url}/p/1.3`, { a_satisfied: 'no' })).headers.location).toBe(
      `${survey.url}/p/2`,
    )
    // "Centro" and 3 trips: the page-3 question (district != 'Centro' or trips >= 10) does not apply.
    const sent = await citizen.post(`${survey.url}/p/2`, { a_district: 'Centro' })
    expect(sent.headers.location).toBe(`${survey.url}/thanks`)
    expect(await storedAnswers()).toEqual({ visited: 'yes', trips: '3', satisfied: 'no', district: 'Centro' })
  })

  it('"no" leads to the other question of the part, and to the question its or-condition opens', async () => {
    const citizen = new Respondent(t.app, survey.url, 'es')
    const first = await citizen.start()
    await citizen.get(first)
    expect((await citizen.post(first, { a_visited: 'no' })).headers.location).toBe(`${survey.url}/p/1.2`)
    const part2 = await citizen.get(`${survey.url}/p/1.2`)
    expect(visibleFields(part2.text)).toEqual(['why_not'])
    // satisfied needs visited = yes: part 3 is skipped.
    expect((await citizen.post(`${survey.url}/p/1.2`, { a_why_not: 'Lejos' })).headers.location).toBe(
      `${survey.url}/p/2`,
    )
    expect((await citizen.post(`${survey.url}/p/2`, { a_district: 'San-Blas' })).headers.location).toBe(
      `${survey.url}/p/3`,
    )
    const page3 = await citizen.get(`${survey.url}/p/3`)
    expect(visibleFields(page3.text)).toEqual(['centre_why'])
    expect((await citizen.post(`${survey.url}/p/3`, { a_centre_why: 'Cerca' })).headers.location).toBe(
      `${survey.url}/thanks`,
    )
    expect(await storedAnswers()).toEqual({
      visited: 'no',
      why_not: 'Lejos',
      district: 'San-Blas',
      centre_why: 'Cerca',
    })
  })
})

describe('a question’s own error messages (required_message, constraint_message)', () => {
  it('are shown in the respondent’s language, and the usual message where that language has none', async () => {
    for (const [language, required, constraint] of [
      ['es', 'Díganos cuántas veces, aunque sea una', 'Entre 0 y 50 veces'],
      ['fr', 'Dites-nous combien de fois', 'Entre 0 et 50 fois'],
      ['pt-PT', 'Escreva um número', 'Entre 0 e 50 vezes'],
    ] as const) {
      const citizen = new Respondent(t.app, survey.url, language)
      const first = await citizen.start()
      await citizen.get(first)
      await citizen.post(first, { a_visited: 'yes' })
      await citizen.get(`${survey.url}/p/1.2`)
      const empty = await citizen.postRefused(`${survey.url}/p/1.2`, {})
      expect(empty.text, language).toContain(required)
      const tooMany = await citizen.postRefused(`${survey.url}/p/1.2`, { a_trips: '99' })
      expect(tooMany.text, language).toContain(constraint)
    }
  })
})

describe('conditions read questions as respondents meet them', () => {
  it('a question added to page 1 after page 2 was written still opens the page-2 question that reads it, whose answer is kept', async () => {
    // Stored in this order: the page-2 question first, so the page-1 question has the later position.
    const built = await buildSurvey(t.services.db, {
      questions: [
        { ...samePageQuestions[1]!, page: 2 },
        { ...samePageQuestions[0]!, page: 1 },
      ],
    })
    const citizen = new Respondent(t.app, built.url, 'es')
    const first = await citizen.start()
    await citizen.get(first)
    expect((await citizen.post(first, { a_visited: 'yes' })).headers.location).toBe(`${built.url}/p/2`)
    const page2 = await citizen.get(`${built.url}/p/2`)
    expect(visibleFields(page2.text)).toEqual(['trips'])
    expect((await citizen.post(`${built.url}/p/2`, { a_trips: '4' })).headers.location).toBe(
      `${built.url}/thanks`,
    )
    // The answer to the question that reads the later-placed one is kept, not dropped as hidden.
    const { rows } = await sql<{ code: string; value: string }>`
      select q.code, coalesce(a.option_code, a.value_number::int::text) as value
      from answer a join question q on q.id = a.question_id
      where a.wave_id = ${built.waveId} order by q.page`.execute(t.services.db)
    expect(rows).toEqual([
      { code: 'visited', value: 'yes' },
      { code: 'trips', value: '4' },
    ])
  })
})

describe('conditions on the same page, with JavaScript (the page sent whole)', () => {
  it('reads each part with the answers before it: answers to questions that do not apply are dropped', async () => {
    const citizen = new Respondent(t.app, survey.url, 'es')
    const first = await citizen.start()
    await citizen.get(first)
    const sent = await citizen.post(first, {
      _whole_page: '1',
      a_visited: 'yes',
      a_trips: '12',
      a_why_not: 'typed before changing my mind',
      a_satisfied: 'yes',
    })
    expect(sent.status).toBe(303)
    expect(sent.headers.location).toBe(`${survey.url}/p/2`)
    await citizen.get(`${survey.url}/p/2`)
    expect((await citizen.post(`${survey.url}/p/2`, { a_district: 'Centro' })).headers.location).toBe(
      `${survey.url}/p/3`,
    )
    await citizen.get(`${survey.url}/p/3`)
    await citizen.post(`${survey.url}/p/3`, { a_centre_why: 'Muchas visitas' })
    expect(await storedAnswers()).toEqual({
      visited: 'yes',
      trips: '12',
      satisfied: 'yes',
      district: 'Centro',
      centre_why: 'Muchas visitas',
    })
  })

  it('a refused whole page comes back whole: the questions that apply with their errors, the others hidden', async () => {
    const citizen = new Respondent(t.app, survey.url, 'fr')
    const first = await citizen.start()
    await citizen.get(first)
    const refused = await citizen.postRefused(first, { _whole_page: '1', a_visited: 'yes', a_trips: '5' })
    // satisfied applies (trips > 2) and is required.
    expect(refused.text).toContain('error-summary')
    expect(refused.text).toMatch(/id="q-satisfied-error"/)
    expect(refused.text).toContain('name="_whole_page" value="1"')
    expect(refused.text).toContain('value="5"')
    // why_not does not apply: drawn hidden, for the script to show if the answer changes.
    expect(refused.text).toMatch(
      /<div class="field" data-show-if="[^"]+" hidden>\s*<label class="label" for="q-why_not"/,
    )
    expect(refused.text).not.toContain('<template')
    // What was typed stays for the citizen to correct (the page is still refused, nothing accepted).
    const again = await citizen.get(first)
    expect(again.text).toContain('value="5"')
    expect(again.text).toMatch(/id="q-satisfied-error"/)
  })
})

describe('conditions written by staff', () => {
  it('the designer writes a condition in XLSForm terms, on a question of the same page; bad ones are refused in words', async () => {
    const built = await buildSurvey(t.services.db, {
      status: 'draft',
      year: 2027,
      questions: samePageQuestions.slice(0, 2),
    })
    const designer = await signedIn(t.app, t.services, built.organizationId, 'designer')
    const url = '/staff/series/perception/waves/2027/questions'
    const form = await designer.get(`${url}/new`)
    expect(form.status).toBe(200)
    expect(form.text).toContain('name="show_if_expression"')
    const base = { code: 'often', type: 'yes_no', page: '1', text_es: '¿A menudo?', required: 'yes' }

    const unreadable = await designer.post(url, { ...base, show_if_expression: '${trips} > ' })
    expect(unreadable.status).toBe(400)
    expect(unreadable.text).toContain('No se puede leer esta condición')
    const later = await designer.post(url, { ...base, show_if_expression: '${nowhere} > 1' })
    expect(later.status).toBe(400)
    const both = await designer.post(url, {
      ...base,
      show_if_question: 'visited',
      show_if_values: 'yes',
      show_if_expression: '${trips} > 1',
    })
    expect(both.status).toBe(400)
    expect(both.text).toContain('no las dos cosas')
    const count = async () =>
      (
        await sql<{
          n: number
        }>`select count(*)::int as n from question where wave_id = ${built.waveId}`.execute(t.services.db)
      ).rows[0]!.n
    expect(await count()).toBe(2)

    const saved = await designer.post(url, {
      ...base,
      show_if_expression: "${trips} >= 2 and not(selected(${visited}, 'no'))",
      requiredMessage_es: 'Responda sí o no, por favor',
      requiredMessage_fr: 'Répondez oui ou non',
    })
    expect(saved.status).toBe(303)
    expect(await count()).toBe(3)
    const edit = await designer.get('/staff/series/perception/waves/2027/questions/often')
    expect(edit.text).toContain('value="${trips} &gt;= 2 and not(selected(${visited}, &#39;no&#39;))"')
    expect(edit.text).toContain('>Responda sí o no, por favor</textarea>')
    expect(edit.text).toContain('>Répondez oui ou non</textarea>')
    // The preview says it in words.
    const preview = await designer.get('/staff/series/perception/waves/2027/preview')
    expect(preview.text).toContain('Se muestra solo si la respuesta a «trips» es 2 o más y no ocurre que')
  })

  it('"Other, please specify": the designer adds the option and the question asking which; a citizen meets it only after choosing it', async () => {
    const built = await buildSurvey(t.services.db, { status: 'draft', year: 2029, questions: [] })
    const designer = await signedIn(t.app, t.services, built.organizationId, 'designer')
    const url = '/staff/series/perception/waves/2029/questions'
    await designer.get(`${url}/new`)
    const saved = await designer.post(url, {
      code: 'topic',
      type: 'single_choice',
      page: '1',
      required: 'yes',
      text_es: '¿Qué tema?',
      text_fr: 'Quel thème ?',
      text_pt: 'Que tema?',
      opt_code_0: 'water',
      opt_es_0: 'Agua',
      opt_fr_0: 'Eau',
      opt_pt_0: 'Água',
      opt_code_1: 'schools',
      opt_es_1: 'Escuelas',
      opt_fr_1: 'Écoles',
      opt_pt_1: 'Escolas',
      other_specify: 'yes',
    })
    expect(saved.status).toBe(303)
    const stored = async () =>
      (
        await sql<{ code: string; show_if: unknown; options: string | null }>`
          select q.code, q.show_if, string_agg(o.code, ' ' order by o.position) as options
          from question q left join question_option o on o.question_id = q.id
          where q.wave_id = ${built.waveId} group by q.id order by q.position`.execute(t.services.db)
      ).rows
    expect(await stored()).toEqual([
      { code: 'topic', show_if: null, options: 'water schools other' },
      { code: 'topic_other', show_if: { question: 'topic', anyOf: ['other'] }, options: null },
    ])
    const edit = await designer.get(`${url}/topic`)
    expect(edit.text).toMatch(/name="other_specify" value="yes" checked/)

    // Open the wave and answer: "other" leads to the question asking which, on the same page.
    const opened = await designer.post('/staff/series/perception/waves/2029/open')
    expect(opened.status).toBe(303)
    const citizen = new Respondent(t.app, built.url, 'fr')
    const first = await citizen.start()
    const page = await citizen.get(first)
    expect(page.text).toContain('>Autre</label>')
    expect((await citizen.post(first, { a_topic: 'other' })).headers.location).toBe(`${built.url}/p/1.2`)
    const which = await citizen.get(`${built.url}/p/1.2`)
    expect(which.text).toContain('Précisez')
    expect((await citizen.post(`${built.url}/p/1.2`, { a_topic_other: 'Routes' })).headers.location).toBe(
      `${built.url}/thanks`,
    )
  })

  it('unticking "Other, please specify" removes the question asking which', async () => {
    const built = await buildSurvey(t.services.db, {
      status: 'draft',
      year: 2030,
      questions: [
        {
          code: 'topic',
          type: 'multiple_choice',
          page: 1,
          text: { es: 'Temas', fr: 'Thèmes', pt: 'Temas' },
          options: [
            { code: 'water', label: { es: 'Agua', fr: 'Eau', pt: 'Água' } },
            { code: 'other', label: { es: 'Otro', fr: 'Autre', pt: 'Outro' } },
          ],
        },
        {
          code: 'topic_other',
          type: 'short_text',
          page: 1,
          showIf: { question: 'topic', anyOf: ['other'] },
          text: { es: 'Especifique cuál', fr: 'Précisez', pt: 'Especifique qual' },
        },
      ],
    })
    const designer = await signedIn(t.app, t.services, built.organizationId, 'designer')
    const edit = await designer.get('/staff/series/perception/waves/2030/questions/topic')
    expect(edit.text).toMatch(/name="other_specify" value="yes" checked/)
    const saved = await designer.post('/staff/series/perception/waves/2030/questions/topic', {
      code: 'topic',
      type: 'multiple_choice',
      page: '1',
      text_es: 'Temas',
      text_fr: 'Thèmes',
      text_pt: 'Temas',
      opt_code_0: 'water',
      opt_es_0: 'Agua',
      opt_fr_0: 'Eau',
      opt_pt_0: 'Água',
    })
    expect(saved.status).toBe(303)
    const { rows } = await sql<{ code: string }>`
      select code from question where wave_id = ${built.waveId} order by position`.execute(t.services.db)
    expect(rows.map((r) => r.code)).toEqual(['topic'])
  })

  it('paper prints each condition in words, with question numbers', async () => {
    const built = await buildSurvey(t.services.db, {
      status: 'draft',
      year: 2028,
      questions: samePageQuestions,
    })
    const designer = await signedIn(t.app, t.services, built.organizationId, 'designer')
    const paper = await designer.get('/staff/series/perception/waves/2028/paper?language=es')
    expect(paper.status).toBe(200)
    expect(paper.text).toContain('Responda solo si respondió «Sí» en la pregunta 1.')
    expect(paper.text).toContain(
      'Responda solo si la respuesta a la pregunta 1 es «Sí» y la respuesta a la pregunta 2 es mayor que 2.',
    )
    expect(paper.text).toContain(
      'Responda solo si la respuesta a la pregunta 5 no es «Centro» o la respuesta a la pregunta 2 es 10 o más.',
    )
    expect(paper.text).toContain('Responda solo si no ocurre que la respuesta a la pregunta 1 es «Sí».')
  })
})
