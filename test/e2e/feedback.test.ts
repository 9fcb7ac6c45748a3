import { formattersFor } from '../../src/i18n/formatters.ts'
import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFeedbackProject, type BuiltProject } from '../fixtures/feedback-builder.ts'
import { formBody } from '../helpers/respondent.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { agentFor, createTestApp, csrfToken, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let project: BuiltProject
let portuguese: BuiltProject
let designer: StaffBrowser

beforeAll(async () => {
  t = await createTestApp()
  project = await buildFeedbackProject(t.services.db)
  portuguese = await buildFeedbackProject(t.services.db, {
    languages: ['pt', 'es'],
    organizationId: project.organizationId,
    seriesId: project.seriesId,
  })
  designer = await signedIn(t.app, t.services, project.organizationId, 'designer')
})
afterAll(() => t.close())

const count = async (table: 'feedback' | 'feedback_answer' | 'feedback_contact', where = sql`true`) =>
  (
    await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${where}`.execute(
      t.services.db,
    )
  ).rows[0]!.n

const answers = {
  a_life_change: '4',
  a_recommend: 'yes',
  a_benefits: ['water', 'harvest'],
  a_story: 'A água chegou e a colheita dobrou.',
  publish: 'yes',
  contact_ok: 'no',
}

/** A beneficiary's phone: opens the short address, keeps cookies, posts the page's own form. */
async function beneficiary(code: string, acceptLanguage = 'pt-BR') {
  const agent = agentFor(t.app)
  const page = await agent.get(`/f/${code}`).set('Accept-Language', acceptLanguage)
  expect(page.status).toBe(200)
  const submission = /name="submission" value="([^"]+)"/.exec(page.text)![1]!
  const post = (fields: Record<string, string | string[]>) =>
    agent
      .post(`/f/${code}`)
      .set('Accept-Language', acceptLanguage)
      .type('form')
      .send(formBody({ _csrf: csrfToken(page.text), submission, ...fields }))
  return { page, post, submission }
}

describe('the beneficiary’s page', () => {
  it('is one small page in the project’s language, with no script, image or font, and a language switcher', async () => {
    const { page } = await beneficiary(portuguese.code, 'fr-FR')
    expect(page.text).toMatch(/<html lang="pt-BR">/)
    expect(page.text).toContain('Quanto mudou a sua vida este projeto?')
    expect(page.text).not.toMatch(/<script|<img|@font-face|<iframe/i)
    expect(page.text).toMatch(/hreflang="es"/)
    const css = await request(t.app).get('/static/light.css')
    // The whole page, as a 2G phone downloads it without compression: HTML and its one stylesheet.
    expect(Buffer.byteLength(page.text) + Buffer.byteLength(css.text)).toBeLessThan(15 * 1024)
    expect(page.text.match(/<link rel="stylesheet"/g)).toHaveLength(1)
    // A reader who chose a language keeps it.
    const french = await request(t.app).get(`/f/${portuguese.code}?lang=fr`)
    expect(french.text).toMatch(/<html lang="fr">/)
    expect(french.text).toContain('Combien ce projet a-t-il changé votre vie ?')
  })

  it('stores feedback given in Portuguese once, however many times the form is sent', async () => {
    const before = await count('feedback')
    const phone = await beneficiary(portuguese.code)
    const sent = await phone.post(answers)
    expect(sent.status).toBe(303)
    expect(sent.headers.location).toBe(`/f/${portuguese.code}/thanks`)
    const again = await phone.post(answers)
    expect(again.status).toBe(303)
    expect(await count('feedback')).toBe(before + 1)
    const stored = await t.services.db
      .selectFrom('feedback')
      .selectAll()
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    expect(stored).toMatchObject({
      language: 'pt',
      channel: 'web',
      publish_consent: true,
      contact_consent: false,
    })
    expect(stored.facilitator_id).toBeNull()
    expect(await count('feedback_answer', sql`feedback_id = ${stored.id}`)).toBe(5)
    const thanks = await request(t.app).get(`/f/${portuguese.code}/thanks`).set('Accept-Language', 'pt')
    expect(thanks.text).toContain('Obrigado pela sua opinião')
  })

  it('asks for a contact only with consent, and keeps none without it', async () => {
    const before = await count('feedback')
    const phone = await beneficiary(portuguese.code)
    const noContact = await phone.post({ ...answers, contact_ok: 'yes', contact: '' })
    expect(noContact.status).toBe(400)
    expect(noContact.text).toContain('Escreva um telefone ou e-mail, ou escolha «Não»')
    expect(noContact.text).toContain('href="#f-contact"')
    expect(noContact.text).toContain('A água chegou e a colheita dobrou.')
    expect(await count('feedback')).toBe(before)

    const typedButRefused = await phone.post({ ...answers, contact_ok: 'no', contact: '+55 81 99999 1234' })
    expect(typedButRefused.status).toBe(303)
    expect(await count('feedback_contact', sql`contact like '%99999%'`)).toBe(0)

    const second = await beneficiary(portuguese.code)
    const withContact = await second.post({ ...answers, contact_ok: 'yes', contact: 'maria@example.org' })
    expect(withContact.status).toBe(303)
    expect(await count('feedback_contact', sql`contact = 'maria@example.org'`)).toBe(1)
    expect(await count('feedback')).toBe(before + 2)
  })

  it('refuses bad input with localized messages and stores nothing', async () => {
    const before = await count('feedback')
    const phone = await beneficiary(project.code, 'es-PE')
    const missing = await phone.post({ a_story: 'Hola' })
    expect(missing.status).toBe(400)
    expect(missing.text).toMatch(/<html lang="es">/)
    expect(missing.text).toContain('Elija una respuesta')
    expect(missing.text).toContain('Diga si podemos publicar lo que nos cuenta')
    expect(missing.text).toContain('Diga si podemos contactarle')
    const tooLong = await phone.post({ ...answers, a_story: 'x'.repeat(5001) })
    expect(tooLong.status).toBe(400)
    const unknownOption = await phone.post({ ...answers, a_life_change: '9' })
    expect(unknownOption.status).toBe(400)
    expect(await count('feedback')).toBe(before)
    expect(await count('feedback_answer', sql`feedback_id not in (select id from feedback)`)).toBe(0)
  })

  it('gives scripts that fill the hidden field a thank-you and keeps nothing', async () => {
    const before = await count('feedback')
    const bot = await beneficiary(project.code)
    const sent = await bot.post({ ...answers, website: 'http://spam.example' })
    expect(sent.status).toBe(303)
    expect(await count('feedback')).toBe(before)
  })

  it('says a project that is unknown, closed, hidden or a draft does not exist, in the reader’s language', async () => {
    const closed = await buildFeedbackProject(t.services.db, { status: 'closed' })
    const hidden = await buildFeedbackProject(t.services.db, { status: 'hidden' })
    const draft = await buildFeedbackProject(t.services.db, { status: 'draft' })
    for (const code of ['no-such-project', closed.code, hidden.code, draft.code, 'BAD!']) {
      const page = await request(t.app).get(`/f/${code}?lang=fr`)
      expect(page.status, code).toBe(404)
      expect(page.text).toMatch(/<html lang="fr">/)
      const post = await request(t.app).post(`/f/${code}`).type('form').send('a=1')
      expect([403, 404]).toContain(post.status)
    }
    expect((await request(t.app).get(`/projects/${hidden.code}`)).status).toBe(404)
    expect((await request(t.app).get(`/projects/${closed.code}`)).status).toBe(200)
  })

  it('limits how fast one address may send feedback', async () => {
    const limited = await createTestApp({ submitRateLimit: { limit: 2, windowMs: 60_000 } })
    try {
      const built = await buildFeedbackProject(limited.services.db)
      const agent = agentFor(limited.app)
      const page = await agent.get(`/f/${built.code}`)
      const send = () =>
        agent
          .post(`/f/${built.code}`)
          .type('form')
          .send(
            formBody({
              _csrf: csrfToken(page.text),
              ...answers,
              submission: Math.random().toString(36).repeat(3),
            }),
          )
      expect((await send()).status).toBe(303)
      expect((await send()).status).toBe(303)
      expect((await send()).status).toBe(429)
    } finally {
      await limited.close()
    }
  })
})

describe('assisted entry by a facilitator', () => {
  it('records three beneficiaries in a row in Spanish, with the channel, the facilitator and consent', async () => {
    const facilitator = await signedIn(t.app, t.services, project.organizationId, 'facilitator')
    const list = await facilitator.get('/staff/projects')
    expect(list.text).toContain(`/staff/projects/${project.code}/assisted`)
    const before = await count('feedback', sql`channel = 'assisted'`)
    for (const [i, story] of ['El agua llegó.', 'Regamos más.', 'Cosechamos el doble.'].entries()) {
      const form = await facilitator.get(`/staff/projects/${project.code}/assisted?lang=es`)
      expect(form.status).toBe(200)
      expect(form.text).toContain('/static/assisted.js')
      if (i > 0) expect(form.text).toContain('Opinión guardada')
      const submission = /name="submission" value="([^"]+)"/.exec(form.text)![1]!
      const sent = await facilitator.post(`/staff/projects/${project.code}/assisted`, {
        ...answers,
        a_story: story,
        language: 'es',
        publish: i === 0 ? 'no' : 'yes',
        submission,
      })
      expect(sent.status).toBe(303)
      expect(sent.headers.location).toBe(`/staff/projects/${project.code}/assisted?recorded=1`)
    }
    const rows = await t.services.db
      .selectFrom('feedback')
      .selectAll()
      .where('channel', '=', 'assisted')
      .orderBy('id')
      .execute()
    expect(rows.length).toBe(before + 3)
    const mine = rows.slice(-3)
    expect(mine.every((r) => r.language === 'es' && r.facilitator_id !== null)).toBe(true)
    expect(mine.map((r) => r.publish_consent)).toEqual([false, true, true])
    // Moderators see who recorded each assisted entry, in the list as on the entry.
    const moderator = await signedIn(t.app, t.services, project.organizationId, 'designer')
    const moderation = await moderator.get(`/staff/projects/${project.code}/feedback`)
    expect(moderation.text).toContain(`Con facilitador (${facilitator.account.email})`)
  })

  it('opens in the project’s language, without the trap for robots, leaving the staff area’s language alone', async () => {
    const facilitator = await signedIn(t.app, t.services, portuguese.organizationId, 'facilitator')
    expect((await facilitator.get('/staff?lang=fr')).text).toContain('<html lang="fr"')
    // Recife's project is in Portuguese and Spanish: a facilitator reading French gets its main language.
    const form = await facilitator.get(`/staff/projects/${portuguese.code}/assisted`)
    expect(form.status).toBe(200)
    expect(form.text).toMatch(/<html lang="pt-(BR|PT)"/)
    expect(form.text).toMatch(/name="language" value="pt"/)
    expect(form.text).not.toContain('name="website"')
    expect((await facilitator.get('/staff')).text).toContain('<html lang="fr"')
    // A language of the project the facilitator chose is kept.
    expect((await facilitator.get(`/staff/projects/${portuguese.code}/assisted?lang=es`)).text).toContain(
      '<html lang="es"',
    )
  })

  it('takes entries queued offline as JSON, once each, and says what it refused', async () => {
    const facilitator = await signedIn(t.app, t.services, project.organizationId, 'facilitator')
    const token = (await facilitator.agent.get('/staff/form-token').set('Accept', 'application/json')).body
      .token
    expect(typeof token).toBe('string')
    const before = await count('feedback')
    const send = (fields: Record<string, string | string[]>) =>
      facilitator.agent
        .post(`/staff/projects/${project.code}/assisted`)
        .set('Accept', 'application/json')
        .type('form')
        .send(formBody({ _csrf: token, ...fields }))
    const entry = { ...answers, language: 'pt', submission: 'queued-entry-0123456789abcdef' }
    const first = await send(entry)
    expect(first.status).toBe(201)
    expect(first.body).toEqual({ stored: true })
    const resent = await send(entry)
    expect(resent.status).toBe(201)
    expect(resent.body).toEqual({ stored: false })
    expect(await count('feedback')).toBe(before + 1)
    const refused = await send({ language: 'es', submission: 'queued-entry-refused-0123456789' })
    expect(refused.status).toBe(400)
    expect(refused.body.errors.length).toBeGreaterThan(0)
    expect(await count('feedback')).toBe(before + 1)
    // The service worker that keeps the form offline is served from the staff area.
    const worker = await request(t.app).get('/staff/assisted-sw.js')
    expect(worker.status).toBe(200)
    expect(worker.headers['content-type']).toMatch(/javascript/)
  })

  it('is open to facilitators and managers only, and only for their organization’s open projects', async () => {
    const evaluator = await signedIn(t.app, t.services, project.organizationId, 'evaluator')
    expect((await evaluator.get(`/staff/projects/${project.code}/assisted`)).status).toBe(403)
    const anonymous = await request(t.app).get(`/staff/projects/${project.code}/assisted`)
    expect(anonymous.status).toBe(303)
    const elsewhere = await buildFeedbackProject(t.services.db)
    const facilitator = await signedIn(t.app, t.services, project.organizationId, 'facilitator')
    expect((await facilitator.get(`/staff/projects/${elsewhere.code}/assisted`)).status).toBe(404)
    expect((await facilitator.get(`/staff/projects/${project.code}/feedback`)).status).toBe(403)
    expect((await facilitator.get(`/staff/projects/${project.code}/results`)).status).toBe(403)
    expect((await facilitator.get('/staff/projects/new')).status).toBe(403)
  })
})

describe('partner projects, recorded by staff', () => {
  const valid = {
    code: 'puits-ouaga',
    name: 'Puits à Ouagadougou',
    partner: 'Commune de Ouagadougou',
    country: 'bf',
    sector: 'water',
    sdgs: ['6', '2'],
    main_language: 'fr',
    languages: ['es', 'fr'],
    starts_on: '2026-01-01',
    ends_on: '2027-12-31',
    description_es: 'Pozos',
    description_fr: 'Puits',
    description_pt: 'Poços',
    questionnaire: '',
    status: 'draft',
  }

  it('refuses a project with mistakes, field by field, and changes nothing', async () => {
    await designer.get('/staff/projects/new')
    const bad = await designer.post('/staff/projects/new', {
      ...valid,
      country: 'Peru',
      ends_on: '2025-01-01',
      name: '',
    })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('Escriba el código de país de dos letras')
    expect(bad.text).toContain('La fecha de fin debe ser igual o posterior a la de inicio')
    expect(bad.text).toContain('href="#f-country"')
    const openWithout = await designer.post('/staff/projects/new', {
      ...valid,
      status: 'open',
      description_pt: '',
    })
    expect(openWithout.status).toBe(400)
    expect(openWithout.text).toContain('Para abrir el proyecto, escriba la descripción en los tres idiomas')
    expect(openWithout.text).toContain('Para abrir el proyecto, elija un cuestionario de opiniones')
    const taken = await designer.post('/staff/projects/new', { ...valid, code: project.code })
    expect(taken.status).toBe(400)
    const rows = await t.services.db.selectFrom('partner_project').select('code').execute()
    expect(rows.map((r) => r.code)).not.toContain('puits-ouaga')
  })

  it('creates a project, opens it with a questionnaire, and gives its short address as a QR code', async () => {
    const created = await designer.post('/staff/projects/new', valid)
    expect(created.status).toBe(303)
    const edit = await designer.get('/staff/projects/puits-ouaga')
    expect(edit.text).toContain('/f/puits-ouaga')
    expect((await request(t.app).get('/f/puits-ouaga')).status).toBe(404)
    const opened = await designer.post('/staff/projects/puits-ouaga', {
      ...valid,
      name_es: 'Pozos en Uagadugú',
      questionnaire: String(project.seriesId),
      status: 'open',
    })
    expect(opened.status).toBe(303)
    expect((await designer.get(opened.headers.location!)).text).toContain('Cambios guardados.')
    // Its name as Spanish readers write it; French readers keep the name as recorded.
    expect((await request(t.app).get('/projects/puits-ouaga?lang=es')).text).toContain(
      '<h1>Pozos en Uagadugú</h1>',
    )
    expect((await request(t.app).get('/projects/puits-ouaga?lang=fr')).text).toContain(
      '<h1>Puits à Ouagadougou</h1>',
    )
    expect((await designer.get('/staff/projects/puits-ouaga')).text).toMatch(
      /id="f-name_es" name="name_es"[^>]*value="Pozos en Uagadugú"/,
    )
    const stored = await t.services.db
      .selectFrom('partner_project')
      .selectAll()
      .where('code', '=', 'puits-ouaga')
      .executeTakeFirstOrThrow()
    expect(stored).toMatchObject({ country: 'BF', languages: ['fr', 'es'], sdgs: [2, 6], status: 'open' })
    const page = await request(t.app).get('/f/puits-ouaga').set('Accept-Language', 'pt-BR')
    expect(page.text).toMatch(/<html lang="fr">/)
    expect(page.text).toContain('Burkina Faso')

    const svg = await designer.agent.get('/staff/projects/puits-ouaga/qr.svg')
    expect(svg.status).toBe(200)
    expect(svg.headers['content-type']).toMatch(/image\/svg\+xml/)
    expect(String(svg.body ?? svg.text)).toContain('<svg')
    const png = await designer.agent.get('/staff/projects/puits-ouaga/qr.png').buffer(true)
    expect(png.headers['content-type']).toBe('image/png')
    expect((png.body as Buffer).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    const audit = await t.services.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject', '=', 'puits-ouaga')
      .execute()
    expect(audit.map((a) => a.action).sort()).toEqual(['project.create', 'project.update'])
  })

  it('keeps feedback questionnaires out of the citizen surveys', async () => {
    await designer.get('/staff/series/new')
    const made = await designer.post('/staff/series/new', {
      code: 'farmers',
      title_es: 'Agricultores',
      title_fr: 'Agriculteurs',
      title_pt: 'Agricultores',
      purpose: 'feedback',
    })
    expect(made.status).toBe(303)
    const series = await t.services.db
      .selectFrom('survey_series')
      .select('purpose')
      .where('code', '=', 'farmers')
      .executeTakeFirstOrThrow()
    expect(series.purpose).toBe('feedback')
    const org = await t.services.db
      .selectFrom('organization')
      .select('slug')
      .where('id', '=', project.organizationId)
      .executeTakeFirstOrThrow()
    expect((await request(t.app).get(`/s/${org.slug}/beneficiaries`)).status).toBe(404)
    expect((await request(t.app).get('/')).text).not.toContain('/beneficiaries')
    // Staff read its results per project, not as a citizen trend.
    expect((await designer.get('/staff/results/beneficiaries')).status).toBe(404)
    expect((await designer.get('/staff')).text).toContain(
      'Cuestionario de opiniones de beneficiarios, usado por los proyectos:',
    )
  })
})

describe('moderation and published stories', () => {
  it('flags personal data, lets staff redact it, and publishes only approved stories given with consent', async () => {
    const phone = await beneficiary(project.code, 'es')
    const original =
      'Me llamo Rosa Quispe, llámenme al +51 984 123 456 o a rosa@correo.pe. <script>alert(1)</script> El riego cambió todo.'
    expect(
      (await phone.post({ ...answers, a_story: original, contact_ok: 'yes', contact: '984 000 111' })).status,
    ).toBe(303)
    const secret = await beneficiary(project.code, 'es')
    expect(
      (await secret.post({ ...answers, a_story: 'No publicar esto, por favor.', publish: 'no' })).status,
    ).toBe(303)
    const [withData, withoutConsent] = await t.services.db
      .selectFrom('feedback')
      .select('id')
      .where('project_id', '=', (eb) =>
        eb.selectFrom('partner_project').select('id').where('code', '=', project.code),
      )
      .orderBy('id', 'desc')
      .limit(2)
      .execute()
      .then((rows) => [rows[1]!.id, rows[0]!.id])

    const list = await designer.get(`/staff/projects/${project.code}/feedback?review=new`)
    expect(list.text).toContain(`/staff/feedback/${withData}`)
    const entry = await designer.get(`/staff/feedback/${withData}`)
    expect(entry.text).toContain('<mark title="posible nombre">Rosa Quispe')
    expect(entry.text).toContain('<mark title="teléfono">+51 984 123 456')
    expect(entry.text).toContain('<mark title="correo electrónico">rosa@correo.pe')
    expect(entry.text).toContain('984 000 111')
    expect(entry.text).not.toContain('<script>alert(1)</script>')

    const unchecked = await designer.post(`/staff/feedback/${withData}/review`, { decision: 'approved' })
    expect(unchecked.status).toBe(400)
    expect(unchecked.text).toContain('Confirme que revisó los datos personales marcados')
    const redacted = 'Me llamo [nombre], llámenme al [teléfono]. El riego cambió todo.'
    expect(
      (await designer.post(`/staff/feedback/${withData}/redact`, { story_story: redacted })).status,
    ).toBe(303)
    const after = await designer.get(`/staff/feedback/${withData}`)
    expect(after.text).not.toContain('<mark')
    expect((await designer.post(`/staff/feedback/${withData}/review`, { decision: 'approved' })).status).toBe(
      303,
    )
    await designer.get(`/staff/feedback/${withoutConsent}`)
    expect(
      (await designer.post(`/staff/feedback/${withoutConsent}/review`, { decision: 'approved' })).status,
    ).toBe(303)

    const publicPage = await request(t.app).get(`/projects/${project.code}?lang=pt`)
    expect(publicPage.status).toBe(200)
    expect(publicPage.text).toContain(redacted)
    expect(publicPage.text).toMatch(/<blockquote lang="es">/)
    expect(publicPage.text).toContain('Em espanhol')
    expect(publicPage.text).not.toContain('Rosa')
    expect(publicPage.text).not.toContain('984')
    expect(publicPage.text).not.toContain('No publicar esto')
    const audit = await t.services.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('subject', '=', String(withData))
      .execute()
    expect(audit.map((a) => a.action).sort()).toEqual(['feedback.approve', 'feedback.redact'])
    expect(JSON.stringify(audit)).not.toContain('Rosa')
  })

  it('does not show another organization’s feedback to a moderator', async () => {
    const other = await buildFeedbackProject(t.services.db)
    const otherDesigner = await signedIn(t.app, t.services, other.organizationId, 'designer')
    const someId = (
      await t.services.db
        .selectFrom('feedback')
        .select('id')
        .where('project_id', 'in', (eb) =>
          eb.selectFrom('partner_project').select('id').where('code', '=', project.code),
        )
        .executeTakeFirstOrThrow()
    ).id
    expect((await otherDesigner.get(`/staff/feedback/${someId}`)).status).toBe(404)
    expect((await otherDesigner.get(`/staff/projects/${project.code}/feedback`)).status).toBe(404)
  })
})

describe('project results', () => {
  it('marks means of one or two answers, and labels two years of months without overlap', async () => {
    const longRun = await buildFeedbackProject(t.services.db)
    const { rows: ids } = await sql<{ project: number; question: number }>`
      select p.id as project, q.id as question from partner_project p
      join question q on q.wave_id = ${longRun.waveId} and q.code = 'life_change' where p.code = ${longRun.code}`.execute(
      t.services.db,
    )
    const wave = longRun.waveId
    const { project: projectId, question } = ids[0]!
    let key = 0
    for (let m = 0; m < 24; m++) {
      const month = `${2024 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`
      // Two months with one answer each; the others with five.
      for (let i = 0; i < (m === 5 || m === 17 ? 1 : 5); i++) {
        const { rows } = await sql<{ id: number }>`
          insert into feedback (project_id, wave_id, language, channel, publish_consent, contact_consent,
            submitted_at, idempotency_key)
          values (${projectId}, ${wave}, 'es', 'web', false, false, ${`${month}-10T10:00:00Z`}, ${`long-run-${key++}`})
          returning id`.execute(t.services.db)
        await sql`insert into feedback_answer (feedback_id, question_id, value_number)
          values (${rows[0]!.id}, ${question}, ${3 + (i % 3)})`.execute(t.services.db)
      }
    }
    const evaluator = await signedIn(t.app, t.services, longRun.organizationId, 'evaluator')
    const page = await evaluator.get(`/staff/projects/${longRun.code}/results`)
    expect(page.status).toBe(200)
    expect(page.text.match(/\(solo 1 respuesta: no es fiable\)/g)).toHaveLength(2)
    expect(page.text.match(/class="chart-dot chart-dot-open"/g)).toHaveLength(2)
    expect(page.text).toContain('Los puntos huecos son medias de menos de 3 respuestas')
    // Months read as people write them, thinned out on the axis so that no two labels touch.
    expect(page.text).toContain('<time datetime="2024-06">jun 2024</time>')
    const ticks = [
      ...page.text.matchAll(
        /<text class="chart-tick" x="([\d.]+)" y="[\d.]+" text-anchor="middle">([^<]+)<\/text>/g,
      ),
    ].map((m) => ({ x: Number(m[1]), label: m[2]! }))
    expect(ticks.length).toBeGreaterThan(3)
    expect(ticks.length).toBeLessThan(24)
    expect(ticks.at(-1)!.label).toBe('dic 2025')
    // At 12 px, a character is at most ~7 px wide: neighbouring labels' centres are further apart.
    for (let i = 1; i < ticks.length; i++)
      expect(ticks[i]!.x - ticks[i - 1]!.x).toBeGreaterThan(
        7 * Math.max(ticks[i]!.label.length, ticks[i - 1]!.label.length),
      )
  })

  it('counts responses by channel and month, charts ratings with a table, and downloads without contacts', async () => {
    const evaluator = await signedIn(t.app, t.services, project.organizationId, 'evaluator')
    const page = await evaluator.get(`/staff/projects/${project.code}/results`)
    expect(page.status).toBe(200)
    // The expected figures are counted here from the entries themselves, one by one, in the month
    // they were stored (not today's: a run across midnight at a month's end must not fail).
    const entriesStored = await t.services.db
      .selectFrom('feedback')
      .select(['channel', 'submitted_at'])
      .where('project_id', '=', (eb) =>
        eb.selectFrom('partner_project').select('id').where('code', '=', project.code),
      )
      .execute()
    const monthOf = (e: { submitted_at: Date }) => e.submitted_at.toISOString().slice(0, 7)
    const web = entriesStored.filter((e) => e.channel === 'web').length
    const assisted = entriesStored.filter((e) => e.channel === 'assisted').length
    expect(web).toBeGreaterThan(0)
    expect(assisted).toBeGreaterThan(0)
    for (const month of new Set(entriesStored.map(monthOf))) {
      const inMonth = entriesStored.filter((e) => monthOf(e) === month)
      const [w, a] = ['web', 'assisted'].map((c) => inMonth.filter((e) => e.channel === c).length)
      expect(page.text).toContain(
        `<th scope="row"><time datetime="${month}">${formattersFor('es').month(month)}</time></th><td>${w}</td><td>${a}</td><td>${w! + a!}</td>`,
      )
    }
    const month = monthOf(entriesStored.find((e) => e.channel === 'web')!)
    const webInMonth = entriesStored.filter((e) => e.channel === 'web' && monthOf(e) === month).length
    expect(page.text).toMatch(/<svg class="chart"[^>]+role="img"/)
    expect(page.text).toContain('¿Cuánto cambió su vida este proyecto?: media por mes')

    const csv = await evaluator.agent.get(`/staff/projects/${project.code}/results.csv`)
    expect(csv.status).toBe(200)
    expect(csv.text).toContain(`${project.code},responses,${month},web,,${webInMonth},${webInMonth}`)
    expect(csv.text).toMatch(new RegExp(`${project.code},mean_rating,${month},,life_change,4,\\d+`))
    const stories = await evaluator.agent.get(`/staff/projects/${project.code}/stories.csv`)
    expect(stories.text).toContain('Me llamo [nombre]')
    // One row per entry, for evaluators' own tools: the facilitator of assisted entries, stories only once published.
    const entries = await evaluator.agent.get(`/staff/projects/${project.code}/responses.csv`)
    const lines = entries.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    expect(lines[0]).toBe(
      'project,entry,submitted_on,version,language,channel,facilitator,publish_consent,review,life_change,recommend,benefits,story',
    )
    expect(lines.length - 1).toBe(web + assisted)
    const assistedRows = lines.filter((l) => l.split(',')[5] === 'assisted')
    expect(assistedRows.length).toBe(assisted)
    expect(assistedRows.every((l) => /^\d+$/.test(l.split(',')[6]!))).toBe(true)
    expect(lines.filter((l) => l.split(',')[5] === 'web').every((l) => l.split(',')[6] === '')).toBe(true)
    expect(entries.text).toContain('Me llamo [nombre]')
    expect(entries.text).not.toContain('El agua llegó.')
    expect(entries.text).toMatch(/,4,yes,harvest water,/)
    for (const file of [csv.text, stories.text, entries.text]) {
      expect(file).not.toContain('984 000 111')
      expect(file).not.toContain('maria@example.org')
      expect(file).not.toContain('No publicar esto')
    }
  })
})
