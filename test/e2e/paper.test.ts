import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUESTION_TYPES } from '../../src/questionnaire/question-types/index.ts'
import { code, everyTypeQuestions } from '../fixtures/every-type.ts'
import { buildSurvey, sampleQuestions, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// The paper questionnaire: each wave printable in each language, every question type with its answer
// space, conditions in words, and the codes in the margin for typing the answers in.

let t: TestApp
let everyType: { survey: BuiltSurvey; designer: StaffBrowser }
let sample: { survey: BuiltSurvey; designer: StaffBrowser }

beforeAll(async () => {
  t = await createTestApp()
  const a = await buildSurvey(t.services.db, { year: 2026, questions: everyTypeQuestions })
  const b = await buildSurvey(t.services.db, { year: 2026, questions: sampleQuestions })
  everyType = { survey: a, designer: await signedIn(t.app, t.services, a.organizationId, 'designer') }
  sample = { survey: b, designer: await signedIn(t.app, t.services, b.organizationId, 'designer') }
})
afterAll(() => t.close())

const paper = (designer: StaffBrowser, query = '') =>
  designer.get(`/staff/series/perception/waves/2026/paper${query}`)

describe('the paper questionnaire', () => {
  it('prints every question type in each language, one section per page, codes in the margin', async () => {
    for (const [language, tick] of [
      ['es', 'Marque una sola casilla.'],
      ['fr', 'Cochez une seule case.'],
      ['pt', 'Assinale uma só quadrícula.'],
    ] as const) {
      const res = await paper(everyType.designer, `?language=${language}`)
      expect(res.status).toBe(200)
      expect(res.text).toContain(`<html lang="${language}">`)
      expect(res.text).toContain(tick)
      // The staff member's own toolbar stays in their language, marked as such.
      expect(res.text).toContain('<nav class="paper-toolbar" lang="es"')
      for (const type of QUESTION_TYPES) {
        expect(res.text).toContain(`Pregunta ${type} (${language})`)
        expect(res.text).toContain(`<span class="paper-code" aria-label="`)
        expect(res.text).toContain(`>${code(type)}</span>`)
      }
      expect(res.text.match(/<section class="paper-page"/g)).toHaveLength(QUESTION_TYPES.length)
    }
    const es = (await paper(everyType.designer)).text
    // Answer spaces as each type prints them: 11 boxes for the 0-10 rating, digit boxes for numbers
    // (three for a maximum of 120), day-month-year boxes, lines to write on.
    const section = (type: string) =>
      es.slice(
        es.indexOf(`>${code(type)}</span>`),
        es.indexOf('</div>\n', es.indexOf(`>${code(type)}</span>`) + 1),
      )
    expect(section('scale_0_10').match(/class="box"/g)).toHaveLength(11)
    expect(section('integer').match(/box-digit/g)).toHaveLength(3)
    // A decimal number: three digits, the comma, two decimals.
    expect(section('number').match(/box-digit/g)).toHaveLength(5)
    expect(section('number')).toContain('<span class="paper-decimal-mark">,</span>')
    expect(section('integer')).toContain('Escriba un número entre 0 y 120.')
    expect(section('date').match(/box-digit/g)).toHaveLength(8)
    expect(section('long_text').match(/class="paper-line"/g)).toHaveLength(5)
    expect(section('multiple_choice')).toContain('Marque todas las que correspondan.')
    // Notes take no answer and no number.
    expect(section('note')).not.toContain('class="box')
  })

  it('says each condition in words, with the number of the question it depends on', async () => {
    const res = await paper(sample.designer, '?language=fr')
    expect(res.status).toBe(200)
    expect(res.text).toContain('Répondez seulement si vous avez répondu «Oui» à la question 2.')
  })

  it('refuses a language or size it does not know, and is for designers', async () => {
    expect((await paper(sample.designer, '?language=de')).status).toBe(400)
    expect((await paper(sample.designer, '?size=a3')).status).toBe(400)
    expect((await paper(sample.designer, '?size=letter')).text).toContain('class="paper paper-letter"')
    const evaluator = await signedIn(t.app, t.services, sample.survey.organizationId, 'evaluator')
    expect((await evaluator.get('/staff/series/perception/waves/2026/paper')).status).toBe(403)
  })

  it('is linked from the wave’s page', async () => {
    const wave = await sample.designer.get('/staff/series/perception/waves/2026')
    expect(wave.text).toContain('/staff/series/perception/waves/2026/paper?language=es')
  })
})
