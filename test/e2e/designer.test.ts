import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { Respondent } from '../helpers/respondent.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let survey: BuiltSurvey
let designer: StaffBrowser
const series = '/staff/series/perception'
const wave2027 = `${series}/waves/2027`

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { year: 2026 })
  designer = await signedIn(t.app, t.services, survey.organizationId, 'designer')
})
afterAll(() => t.close())

async function question(code: string, year: number) {
  const { rows } = await sql<{ text: Record<string, string>; break_in_series: boolean; options: number }>`
    select q.text, q.break_in_series, (select count(*)::int from question_option o where o.question_id = q.id) as options
    from question q join wave w on w.id = q.wave_id where w.id in (select id from wave where series_id = ${survey.seriesId} and year = ${year}) and q.code = ${code}`.execute(
    t.services.db,
  )
  return rows[0]
}

/** The editor's current fields for a question, as the browser would post them back. */
async function editorFields(url: string): Promise<Record<string, string | string[]>> {
  const page = await designer.get(url)
  expect(page.status).toBe(200)
  const fields: Record<string, string | string[]> = {}
  for (const m of page.text.matchAll(/<input[^>]*name="([^"]+)"[^>]*>/g)) {
    const tag = m[0]
    const name = m[1]!
    if (name === '_csrf' || name === 'reviewed' || name.startsWith('opt_remove')) continue
    if (/type="checkbox"/.test(tag)) {
      if (/ checked/.test(tag)) fields[name] = 'yes'
      continue
    }
    fields[name] = /value="([^"]*)"/.exec(tag)?.[1]?.replace(/&#39;/g, "'").replace(/&amp;/g, '&') ?? ''
  }
  for (const m of page.text.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g))
    fields[m[1]!] = m[2]!.replace(/&#39;/g, "'")
  for (const m of page.text.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    fields[m[1]!] = /<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? ''
  }
  return fields
}

describe('a designer prepares next year’s wave in the browser', () => {
  it('copies 2026 into a 2027 draft, rewords one question (a break), adds one, translates both, previews and opens it', async () => {
    await designer.get(series)
    const created = await designer.post(`${series}/waves`, { year: '2027', start: 'copy' })
    expect(created.status).toBe(303)
    expect(created.headers.location).toBe(wave2027)
    const overview = await designer.get(wave2027)
    for (const code of ['interest', 'aware', 'heard_of', 'district'])
      expect(overview.text).toContain(`>${code}</code>`)

    // Reword "aware" in Spanish only: the translations become outdated and the series breaks.
    const fields = await editorFields(`${wave2027}/questions/aware`)
    const reworded = await designer.post(`${wave2027}/questions/aware`, {
      ...fields,
      text_es: '¿Conoce la acción internacional de la ciudad?',
    })
    expect(reworded.status).toBe(303)
    // The page the save leads to says so; the same page opened later does not.
    expect(reworded.headers.location).toBe(`${wave2027}/questions/aware?saved=1`)
    expect((await designer.get(reworded.headers.location!)).text).toContain(
      'role="status"><p>Cambios guardados.',
    )
    const editor = await designer.get(`${wave2027}/questions/aware`)
    expect(editor.text).not.toContain('Cambios guardados.')
    expect(editor.text).toContain('Cambio respecto a 2026')
    expect(editor.text).toContain('¿Lo conocía?')
    expect(editor.text).toMatch(/tag-outdated[^>]*>desactualizada/)
    let problems = await designer.get(wave2027)
    // In words: the question by its text and code, the field, the language.
    expect(problems.text).toContain(
      '«¿Conoce la acción internacional de la ciudad?» (aware): el enunciado de la pregunta en francés es anterior al cambio del original; revíselo',
    )
    expect(problems.text).toContain(
      '«¿Conoce la acción internacional de la ciudad?» (aware): cambió respecto a 2026; confirme la ruptura de serie',
    )
    expect(problems.text).not.toMatch(/«text»|translationOutdated/)
    // With something to fix, there is no way to open, and the confirmation page sends back.
    expect(problems.text).not.toContain(`href="${wave2027}/open"`)
    expect((await designer.get(`${wave2027}/open`)).headers.location).toBe(wave2027)
    const refused = await designer.post(`${wave2027}/open`)
    expect(refused.status).toBe(409)
    expect((await question('aware', 2027))!.break_in_series).toBe(false)

    // Translate it and confirm the break.
    const translated = await designer.post(`${wave2027}/questions/aware`, {
      ...(await editorFields(`${wave2027}/questions/aware`)),
      text_fr: 'Connaissez-vous l’action internationale de la ville ?',
      text_pt: 'Conhece a ação internacional da cidade?',
    })
    expect(translated.status).toBe(303)
    expect((await designer.get(`${wave2027}/questions/aware`)).text).not.toContain('tag-outdated')
    expect((await designer.post(`${wave2027}/questions/aware/confirm-break`)).status).toBe(303)
    expect((await question('aware', 2027))!.break_in_series).toBe(true)
    expect((await question('aware', 2026))!.break_in_series).toBe(false)

    // Add a question in three languages.
    await designer.get(`${wave2027}/questions/new`)
    const added = await designer.post(`${wave2027}/questions`, {
      code: 'priority',
      type: 'single_choice',
      page: '4',
      required: 'yes',
      text_es: '¿Qué debería ser prioritario?',
      text_fr: 'Qu’est-ce qui devrait être prioritaire ?',
      text_pt: 'O que deveria ser prioritário?',
      opt_code_0: 'climate',
      opt_es_0: 'Clima',
      opt_fr_0: 'Climat',
      opt_pt_0: 'Clima',
      opt_position_0: '2',
      opt_code_1: 'culture',
      opt_es_1: 'Cultura',
      opt_fr_1: 'Culture',
      opt_pt_1: 'Cultura',
      opt_position_1: '1',
      opt_code_2: '',
    })
    expect(added.status).toBe(303)
    expect((await question('priority', 2027))!.options).toBe(2)

    const preview = await designer.get(`${wave2027}/preview?preview=fr`)
    expect(preview.status).toBe(200)
    expect(preview.text).toContain('Qu’est-ce qui devrait être prioritaire ?')
    expect(preview.text.indexOf('Culture')).toBeLessThan(preview.text.indexOf('Climat'))

    // 2026 is still open: it must close first.
    problems = await designer.get(wave2027)
    expect(problems.text).toContain('La edición 2026 sigue abierta')
    // Closing and opening ask first, saying what follows.
    const closing = await designer.get(`${series}/waves/2026/close`)
    expect(closing.status).toBe(200)
    expect(closing.text).toContain('¿Cerrar la edición 2026?')
    expect(closing.text).toContain('Los resultados de esta edición se publican para toda la ciudadanía')
    expect(closing.text).toMatch(/href="\/s\/[a-z0-9-]+\/perception\/results"/)
    expect((await designer.post(`${series}/waves/2026/close`)).status).toBe(303)
    expect((await designer.get(`${series}/waves/2026/close`)).headers.location).toBe(`${series}/waves/2026`)
    const opening = await designer.get(`${wave2027}/open`)
    expect(opening.text).toContain('El cuestionario queda congelado')
    expect(opening.text).toContain('Cualquiera con el enlace puede responder')
    const opened = await designer.post(`${wave2027}/open`)
    expect(opened.status).toBe(303)
    expect((await designer.get(opened.headers.location!)).text).toContain('La edición está abierta')

    // Citizens now answer 2027, with the new question.
    const citizen = new Respondent(t.app, survey.url, 'pt')
    await citizen.start()
    const page1 = await citizen.get(`${survey.url}/p/1`)
    expect(page1.text).toContain('Conhece a ação internacional da cidade?')
    const page4 = await citizen.get(`${survey.url}/p/4`)
    expect(page4.text).toContain('O que deveria ser prioritário?')
    const audit = (
      await sql<{ action: string }>`select action from audit_log`.execute(t.services.db)
    ).rows.map((r) => r.action)
    expect(audit).toEqual(
      expect.arrayContaining([
        'wave.create',
        'question.update',
        'question.create',
        'question.break_confirm',
        'wave.close',
        'wave.open',
      ]),
    )
  })

  it('refuses to edit a wave once it is open, and changes nothing', async () => {
    const before = await question('interest', 2027)
    await designer.get(`${wave2027}/questions/interest`)
    const fields = await editorFields(`${wave2027}/questions/interest`)
    const res = await designer.post(`${wave2027}/questions/interest`, { ...fields, text_es: 'Otra cosa' })
    expect(res.status).toBe(409)
    expect(res.text).toContain('su cuestionario no se puede modificar')
    expect((await designer.post(`${wave2027}/questions/interest/delete`)).status).toBe(409)
    expect((await designer.post(`${wave2027}/questions/interest/move`, { direction: 'down' })).status).toBe(
      409,
    )
    expect(await question('interest', 2027)).toEqual(before)
  })
})

describe('the question editor validates like any form', () => {
  it('shows errors beside each field and saves nothing', async () => {
    await designer.get(series)
    await designer.post(`${series}/waves`, { year: '2030', start: 'empty' })
    const url = `${series}/waves/2030`
    await designer.get(`${url}/questions/new`)
    const bad = await designer.post(`${url}/questions`, {
      code: '9bad code',
      type: 'single_choice',
      page: '0',
      text_es: '',
      opt_code_0: 'a',
      opt_es_0: 'A',
      opt_code_1: 'a',
      opt_es_1: 'B',
    })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('href="#f-code"')
    expect(bad.text).toContain('href="#f-page"')
    expect(bad.text).toContain('href="#f-opt_code_1"')
    expect(bad.text).toContain('value="9bad code"')
    const { rows } = await sql<{
      n: number
    }>`select count(*)::int as n from question q join wave w on w.id = q.wave_id where w.year = 2030`.execute(
      t.services.db,
    )
    expect(rows[0]!.n).toBe(0)

    expect(
      (
        await designer.post(`${url}/questions`, {
          code: 'first',
          type: 'yes_no',
          page: '1',
          text_es: 'Primera',
        })
      ).status,
    ).toBe(303)
    const dupe = await designer.post(`${url}/questions`, {
      code: 'first',
      type: 'number',
      page: '1',
      text_es: 'Otra',
    })
    expect(dupe.status).toBe(400)
    expect(dupe.text).toContain('Otra pregunta de esta edición ya usa ese código')
    // A condition may read a question higher on the same page, but only its own answer codes.
    const unknownCode = await designer.post(`${url}/questions`, {
      code: 'second',
      type: 'number',
      page: '1',
      text_es: 'Otra',
      show_if_question: 'first',
      show_if_values: 'maybe',
    })
    expect(unknownCode.status).toBe(400)
    expect(unknownCode.text).toContain('Escriba uno o varios códigos de respuesta de esa pregunta')
    const bounds = await designer.post(`${url}/questions`, {
      code: 'second',
      type: 'number',
      page: '2',
      text_es: 'Otra',
      min: '10',
      max: '2',
    })
    expect(bounds.status).toBe(400)
    // The show-if list offers only what a respondent has met before: not a question on a later page.
    await designer.post(`${url}/questions`, { code: 'later', type: 'yes_no', page: '2', text_es: 'Después' })
    const showIfChoices = (html: string) =>
      [
        ...(/id="f-show_if_question"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '').matchAll(
          /value="(\w*)"/g,
        ),
      ].map((m) => m[1])
    expect(showIfChoices((await designer.get(`${url}/questions/first`)).text)).toEqual([''])
    expect(showIfChoices((await designer.get(`${url}/questions/later`)).text)).toEqual(['', 'first'])
    // A yes/no question starts with its three standard options.
    expect((await question('first', 2030))!.options).toBe(3)
  })

  it('marks a translation current again when its author confirms it still fits', async () => {
    const url = `${series}/waves/2030/questions/first`
    await designer.post(url, { ...(await editorFields(url)), text_fr: 'Première', text_pt: 'Primeira' })
    await designer.post(url, { ...(await editorFields(url)), text_es: 'Primera pregunta' })
    expect((await designer.get(url)).text).toContain('tag-outdated')
    await designer.post(url, { ...(await editorFields(url)), reviewed: ['fr', 'pt'] })
    expect((await designer.get(url)).text).not.toContain('tag-outdated')
  })
})
