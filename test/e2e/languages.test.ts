import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { XLSFORM_PROBLEM_KEYS } from '../../src/designer/xlsform.ts'
import { createTranslator, readLocale } from '../../src/i18n/i18n.ts'
import { LOCALES } from '../../src/i18n/locales.ts'
import { awareQuestion, buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { Respondent } from '../helpers/respondent.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

const LANGUAGES = LOCALES

function flatKeys(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    value && typeof value === 'object'
      ? flatKeys(value as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  )
}

let t: TestApp
let survey: BuiltSurvey
let closed: BuiltSurvey
let oneQuestion: BuiltSurvey
beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { closesAt: new Date('2099-06-30T12:00:00Z') })
  closed = await buildSurvey(t.services.db, { status: 'closed', year: 2024 })
  oneQuestion = await buildSurvey(t.services.db, { questions: [awareQuestion] })
})
afterAll(() => t.close())

describe('UI strings', () => {
  it('exist in Spanish, French and Portuguese with exactly the same keys, none empty', () => {
    const es = flatKeys(readLocale('es')).sort()
    expect(es.length).toBeGreaterThan(50)
    for (const language of LANGUAGES) {
      const locale = readLocale(language)
      expect(flatKeys(locale).sort(), `keys of ${language}`).toEqual(es)
      for (const key of es) {
        const value = key
          .split('.')
          .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], locale)
        expect(typeof value === 'string' && value.trim().length > 0, `${language}: ${key}`).toBe(true)
      }
    }
  })

  it('cover every XLSForm import problem the designer can show', () => {
    const t = createTranslator({ strict: true })
    for (const language of LANGUAGES) {
      for (const key of XLSFORM_PROBLEM_KEYS)
        expect(() => t.getFixedT(language)(`xlsform.${key}`), `${language} ${key}`).not.toThrow()
    }
  })

  it('make a page fail in tests rather than show a raw key', () => {
    const t = createTranslator({ strict: true }).getFixedT('fr')
    expect(t('common.back')).toBe('Retour')
    expect(() => t('common.doesNotExist')).toThrow(/missing UI string/)
  })
})

describe('the results are within reach', () => {
  it('from the home page, the survey’s start page, the closed survey’s page and the thanks page', async () => {
    const citizen = new Respondent(t.app, survey.url, 'es')
    expect((await citizen.get('/')).text).toContain(`href="${survey.url}/results"`)
    expect((await citizen.get(survey.url)).text).toContain(`href="${survey.url}/results"`)
    expect((await citizen.get(closed.url)).text).toContain(`href="${closed.url}/results"`)
    const answering = new Respondent(t.app, oneQuestion.url, 'es')
    const only = await answering.start()
    await answering.get(only)
    await answering.post(only, { a_aware: 'no' })
    expect((await answering.get(`${oneQuestion.url}/thanks`)).text).toContain(
      `href="${oneQuestion.url}/results"`,
    )
  })
})

describe('the error summary', () => {
  it('joins the question and the message without the question’s own final full stop', async () => {
    const built = await buildSurvey(t.services.db, {
      questions: [
        {
          ...awareQuestion,
          text: {
            es: 'Valore la acción internacional.',
            fr: 'Évaluez l’action internationale.',
            pt: 'Avalie a ação internacional.',
          },
        },
      ],
    })
    const citizen = new Respondent(t.app, built.url, 'es')
    const first = await citizen.start()
    await citizen.get(first)
    const refused = await citizen.postRefused(first, {})
    expect(refused.text).toContain('>Valore la acción internacional: Elija una respuesta</a>')
  })
})

describe('every public page speaks the reader’s language', () => {
  for (const language of LANGUAGES) {
    it(`in ${language}: lang attribute, no raw keys, localized dates and a switcher to the other languages`, async () => {
      const citizen = new Respondent(t.app, survey.url, language)
      const pages = [
        await citizen.get('/'),
        await citizen.get(survey.url),
        await citizen.get(closed.url),
        await citizen.get('/no/such/page'),
      ]
      await citizen.start()
      pages.push(await citizen.get(`${survey.url}/p/1`))
      pages.push(await citizen.postRefused(`${survey.url}/p/1`, {}))
      // The thanks page only after a response is stored: opened before, it leads to the start.
      const early = await citizen.get(`${survey.url}/thanks`)
      expect(early.status).toBe(303)
      expect(early.headers.location).toBe(survey.url)
      const answering = new Respondent(t.app, oneQuestion.url, language)
      const only = await answering.start()
      await answering.get(only)
      expect((await answering.post(only, { a_aware: 'yes' })).headers.location).toBe(
        `${oneQuestion.url}/thanks`,
      )
      pages.push(await answering.get(`${oneQuestion.url}/thanks`))
      expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 404, 200, 200, 200])
      for (const page of pages) {
        expect(page.text).toContain(`<html lang="${language}">`)
        expect(page.headers['content-language']).toBe(language)
        expect(page.text).not.toMatch(/\b(common|home|survey|errors|pages)\.[a-zA-Z]+\.?[a-zA-Z]*/)
        for (const other of LANGUAGES.filter((l) => l !== language)) {
          expect(page.text).toMatch(new RegExp(`href="[^"]*lang=${other}" lang="${other}"`))
        }
      }
      const closing = {
        es: '30 de junio de 2099',
        fr: '30 juin 2099',
        'pt-BR': '30 de junho de 2099',
        'pt-PT': '30 de junho de 2099',
      }[language]
      expect(pages[1]!.text).toContain(closing)
    })
  }
})

describe('choosing the language', () => {
  it('defaults to Spanish', async () => {
    const res = await request(t.app).get('/')
    expect(res.text).toContain('<html lang="es">')
  })

  it('follows Accept-Language, best quality first', async () => {
    const pt = await request(t.app).get('/').set('Accept-Language', 'de-DE,pt-BR;q=0.9,fr;q=0.8')
    expect(pt.text).toContain('<html lang="pt-BR">')
    const fr = await request(t.app).get('/').set('Accept-Language', 'es;q=0.2, fr-CA')
    expect(fr.text).toContain('<html lang="fr">')
    const none = await request(t.app).get('/').set('Accept-Language', 'de, en;q=0.5')
    expect(none.text).toContain('<html lang="es">')
  })

  it('remembers ?lang= in a cookie, which then beats Accept-Language', async () => {
    const agent = request.agent(t.app)
    const chosen = await agent.get('/?lang=fr').set('Accept-Language', 'pt')
    expect(chosen.text).toContain('<html lang="fr">')
    const later = await agent.get(survey.url).set('Accept-Language', 'pt')
    expect(later.text).toContain('<html lang="fr">')
    const switched = await agent.get(`${survey.url}?lang=pt`)
    expect(switched.text).toContain('<html lang="pt-BR">')
  })

  it('ignores an unknown language instead of failing', async () => {
    const res = await request(t.app).get('/?lang=xx')
    expect(res.status).toBe(200)
    expect(res.text).toContain('<html lang="es">')
  })

  it('keeps other query parameters in the switcher links', async () => {
    const res = await request(t.app).get(`${survey.url}?expired=1`)
    expect(res.text).toContain(`href="${survey.url}?expired=1&amp;lang=fr"`)
  })
})

describe('Portuguese as people speak it (pt-BR and pt-PT)', () => {
  it('serves Brazil’s for pt and pt-BR, Portugal’s for pt-PT, each with its own words, and names both in the switcher', async () => {
    const brazil = await request(t.app).get(survey.url).set('Accept-Language', 'pt-BR,pt;q=0.9')
    expect(brazil.text).toContain('<html lang="pt-BR">')
    expect(brazil.headers['content-language']).toBe('pt-BR')
    expect(brazil.text).toContain('Veja os resultados já publicados desta pesquisa')
    const plain = await request(t.app).get(`${survey.url}?lang=pt`)
    expect(plain.text).toContain('<html lang="pt-BR">')
    const portugal = await request(t.app).get(survey.url).set('Accept-Language', 'pt-PT')
    expect(portugal.text).toContain('<html lang="pt-PT">')
    expect(portugal.text).toContain('Veja os resultados já publicados deste inquérito')
    for (const page of [brazil, portugal]) {
      expect(page.text).toMatch(/lang="pt-BR"[^>]*>Português \(Brasil\)</)
      expect(page.text).toMatch(/lang="pt-PT"[^>]*>Português \(Portugal\)</)
    }
    // Each locale writes numbers and dates its own way, from the same questionnaire texts.
    expect(brazil.text).toContain('30 de junho de 2099')
  })

  it('no Brazilian page keeps a European word: inquérito, telemóvel, ficheiro, palavra-passe, para si', () => {
    const strings = JSON.stringify(readLocale('pt-BR'))
    for (const word of [
      'inquérito',
      'telemóvel',
      'ficheiro',
      'palavra-passe',
      'para si',
      'utilizador',
      'registo',
    ])
      expect(strings.toLowerCase(), word).not.toContain(word)
  })

  it('an organization may choose Portugal’s Portuguese for readers who ask for plain Portuguese', async () => {
    const lisbon = await buildSurvey(t.services.db, { year: 2026 })
    await sql`update organization set portuguese = 'pt-PT'
      where id = (select organization_id from survey_series where id = ${lisbon.seriesId})`.execute(
      t.services.db,
    )
    const asked = await request(t.app).get(`${lisbon.url}?lang=pt`)
    expect(asked.text).toContain('<html lang="pt-PT">')
    const browser = await request(t.app).get(lisbon.url).set('Accept-Language', 'pt')
    expect(browser.text).toContain('<html lang="pt-PT">')
    // A reader who named Brazil's keeps it.
    const named = await request(t.app).get(`${lisbon.url}?lang=pt-BR`)
    expect(named.text).toContain('<html lang="pt-BR">')
    // Other organizations keep the default, Brazil's.
    expect((await request(t.app).get(`${survey.url}?lang=pt`)).text).toContain('<html lang="pt-BR">')
  })
})
