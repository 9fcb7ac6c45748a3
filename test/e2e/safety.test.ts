import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import express from 'express'
import { createApp, securityHeaders } from '../../src/app.ts'
import { openDatabase } from '../../src/db/database.ts'
import { createServices } from '../../src/services.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { formBody, Respondent } from '../helpers/respondent.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { createLogger } from '../../src/logger.ts'

let t: TestApp
let survey: BuiltSurvey
beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db)
})
afterAll(() => t.close())

const responseCount = async (db = t.services.db) =>
  (await sql<{ n: number }>`select count(*)::int as n from response`.execute(db)).rows[0]!.n

describe('security headers', () => {
  it('send a strict Content-Security-Policy and pages carry no inline script or style', async () => {
    const res = await request(t.app).get(survey.url)
    const csp = res.headers['content-security-policy']!
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.text).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i)
    expect(res.headers['x-powered-by']).toBeUndefined()
  })

  it('are exactly helmet’s, on every kind of response, in development and production', async () => {
    for (const production of [false, true]) {
      const reference = express()
      reference.use(securityHeaders(production))
      reference.get('/', (_req, res) => res.send('ok'))
      const expected = (await request(reference).get('/')).headers
      const app = createApp(t.services, {
        production,
        trustProxy: 'false',
        submitRateLimit: { limit: 100, windowMs: 60_000 },
        logger: createLogger({ level: 'silent' }),
      })
      for (const path of [survey.url, `${survey.url}/results`, '/static/pulso.css', '/no/such/page']) {
        const res = await request(app).get(path)
        for (const [name, value] of Object.entries(expected))
          if (!['content-type', 'content-length', 'date', 'connection', 'etag', 'keep-alive'].includes(name))
            expect(res.headers[name], `${production} ${path} ${name}`).toBe(value)
      }
      if (production) expect(expected['strict-transport-security']).toMatch(/max-age=\d+/)
    }
  })

  it('cut the staff area off from windows that opened it (COOP), not the public pages', async () => {
    // Public pages: COOP made every page opened from another site start a new renderer process.
    for (const path of [survey.url, `${survey.url}/results`, '/', '/no/such/page'])
      expect((await request(t.app).get(path)).headers['cross-origin-opener-policy'], path).toBeUndefined()
    for (const path of ['/staff/sign-in', '/staff/users', '/staff/no/such/page'])
      expect((await request(t.app).get(path)).headers['cross-origin-opener-policy'], path).toBe('same-origin')
  })

  it('keep the survey page small: HTML and CSS under 30 KB', async () => {
    const citizen = new Respondent(t.app, survey.url)
    await citizen.start()
    const page = await citizen.get(`${survey.url}/p/1`)
    const css = await request(t.app).get('/static/pulso.css')
    expect(css.status).toBe(200)
    expect(Buffer.byteLength(page.text) + Buffer.byteLength(css.text)).toBeLessThan(30 * 1024)
  })
})

describe('language links', () => {
  it('keep every other query parameter and never point to another host, whatever the path', async () => {
    const page = await request(t.app).get(`${survey.url}/results?by=district&lang=fr`)
    expect(page.text).toContain(`href="${survey.url}/results?by=district&amp;lang=pt-BR"`)
    for (const crafted of ['//evil.example/x', '/\\evil.example/x', '///evil.example']) {
      const res = await request(t.app).get(crafted)
      const hrefs = [...res.text.matchAll(/hreflang="\w+"|href="([^"]*)" lang=/g)]
        .map((m) => m[1])
        .filter(Boolean)
      for (const href of hrefs) expect(href, crafted).toMatch(/^\/[^/\\]/)
    }
  })
})

describe('CSRF protection', () => {
  it('refuses a POST without a token, or with a token from another browser, and stores nothing', async () => {
    const victim = new Respondent(t.app, survey.url)
    await victim.start()
    await victim.answer(`${survey.url}/p/1`, { interest: '3', aware: 'no' })
    await victim.answer(`${survey.url}/p/3`, { district: 'north' })
    const before = await responseCount()

    const noToken = await victim.agent.post(`${survey.url}/p/4`).type('form').send('a_comment=forged')
    expect(noToken.status).toBe(403)
    expect(noToken.text).toContain('El formulario caducó')

    const attacker = new Respondent(t.app, survey.url)
    await attacker.get(survey.url)
    const foreign = await victim.agent
      .post(`${survey.url}/p/4`)
      .type('form')
      .send(formBody({ _csrf: attacker.token, a_comment: 'forged' }))
    expect(foreign.status).toBe(403)

    const listToken = await victim.agent
      .post(`${survey.url}/p/4`)
      .type('form')
      .send(formBody({ _csrf: [victim.token, victim.token] }))
    expect(listToken.status).toBe(403)
    expect(await responseCount()).toBe(before)
  })

  it('refuses a POST from a browser that never received the cookie', async () => {
    const res = await request(t.app).post(`${survey.url}/start`).type('form').send('_csrf=anything')
    expect(res.status).toBe(403)
  })
})

describe('limits', () => {
  it('rate-limits submissions with a localized 429 page', async () => {
    const limited = await createTestApp({ submitRateLimit: { limit: 3, windowMs: 60_000 } })
    try {
      const s = await buildSurvey(limited.services.db)
      const citizen = new Respondent(limited.app, s.url, 'pt')
      await citizen.get(s.url)
      const statuses = []
      for (let i = 0; i < 4; i++) statuses.push((await citizen.post(`${s.url}/start`)).status)
      expect(statuses).toEqual([303, 303, 303, 429])
      const refused = await citizen.post(`${s.url}/start`)
      expect(refused.status).toBe(429)
      expect(refused.text).toContain('Demasiados envios')
      expect(refused.headers['ratelimit-policy']).toBeDefined()
    } finally {
      await limited.close()
    }
  })

  it('refuses an oversized body with a localized 413 page', async () => {
    const citizen = new Respondent(t.app, survey.url, 'fr')
    await citizen.start()
    const res = await citizen.post(`${survey.url}/p/1`, { a_interest: '3', filler: 'x'.repeat(100_000) })
    expect(res.status).toBe(413)
    expect(res.text).toContain('L’envoi est trop volumineux')
  })
})

describe('error pages', () => {
  it('answer 404 in the reader’s language', async () => {
    const res = await request(t.app).get('/nothing/here?lang=pt')
    expect(res.status).toBe(404)
    expect(res.text).toContain('Página não encontrada')
  })

  it('show a localized 500 page without a stack trace or SQL, and log the error', async () => {
    const broken = await createTestApp()
    try {
      const s = await buildSurvey(broken.services.db)
      // A real fault: the schema no longer matches what the code expects.
      await sql`alter table question_option rename column label to label_text`.execute(broken.services.db)
      const res = await request(broken.app).get(`${s.url}?lang=fr`)
      expect(res.status).toBe(500)
      expect(res.text).toContain('Une erreur s’est produite')
      expect(res.text).not.toMatch(/ at |\.ts:|column|select /i)
      // The citizen can quote the request's id; the error's log line carries it, with the cause.
      const id = res.headers['x-request-id']!
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      expect(res.text).toContain(`indiquez ce code de référence\u202f: ${id}`)
      const line = broken.logged.find((l) => l.reqId === id && l.msg === 'request failed')
      expect(line).toMatchObject({ level: 50, err: { message: expect.stringContaining('label') } })
      expect(broken.logged.find((l) => l.req && (l.req as { id: string }).id === id)).toMatchObject({
        level: 50,
        res: { statusCode: 500 },
      })
    } finally {
      await broken.close()
    }
  })

  it('answer 503, localized, when the database is unreachable; /readyz says so and /healthz stays up', async () => {
    const db = openDatabase({ kind: 'postgres', url: 'postgres://pulso@127.0.0.1:1/none', poolSize: 1 })
    const logged: Record<string, unknown>[] = []
    const app = createApp(createServices(db, { secret: 'x'.repeat(32) }), {
      production: false,
      trustProxy: 'false',
      submitRateLimit: { limit: 100, windowMs: 60_000 },
      strictTranslations: true,
      logger: createLogger({ destination: { write: (line: string) => logged.push(JSON.parse(line)) } }),
    })
    try {
      const page = await request(app).get('/s/some-city/perception').set('Accept-Language', 'fr')
      expect(page.status).toBe(503)
      // Outages are logged as warnings, with the request's id.
      expect(logged).toContainEqual(
        expect.objectContaining({
          level: 40,
          reqId: page.headers['x-request-id'],
          msg: 'the database is unavailable',
        }),
      )
      expect(page.headers['retry-after']).toBe('30')
      expect(page.text).toContain('Service momentanément indisponible')
      expect((await request(app).get('/readyz')).status).toBe(503)
      expect((await request(app).get('/healthz')).status).toBe(200)
    } finally {
      await db.destroy()
    }
  })

  it('answer /readyz 200 when the database is reachable', async () => {
    const res = await request(t.app).get('/readyz')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ status: 'ready' })
  })
})

describe('hostile input gives 4xx and stores nothing, never 5xx', () => {
  const cases: { name: string; page: number; body: string; contentType?: string }[] = [
    { name: 'two values for a single choice', page: 1, body: 'a_interest=3&a_interest=4&a_aware=no' },
    { name: 'an unknown option code', page: 1, body: 'a_interest=9&a_aware=no' },
    {
      name: 'an SQL fragment as option',
      page: 1,
      body: formBody({ a_interest: "3' OR 1=1; drop table response; --", a_aware: 'no' }),
    },
    {
      name: 'HTML as option',
      page: 1,
      body: formBody({ a_interest: '<script>alert(1)</script>', a_aware: 'no' }),
    },
    { name: 'a bracketed field name', page: 1, body: 'a_interest[x]=3&a_aware=no' },
    { name: 'no fields at all', page: 1, body: '' },
    {
      name: 'a JSON body',
      page: 1,
      body: '{"a_interest":"3","a_aware":"no"}',
      contentType: 'application/json',
    },
    {
      name: 'a Latin-1 charset',
      page: 1,
      body: 'a_interest=3&a_aware=no',
      contentType: 'application/x-www-form-urlencoded; charset=latin1',
    },
    { name: 'an overlong field name', page: 1, body: `${'a'.repeat(200)}=1&a_interest=3&a_aware=no` },
    { name: 'too many fields', page: 1, body: Array.from({ length: 400 }, (_, i) => `f${i}=1`).join('&') },
    { name: 'a number in words', page: 3, body: 'a_district=north&a_years=twelve' },
    { name: 'NaN', page: 3, body: 'a_district=north&a_years=NaN' },
    { name: 'Infinity', page: 3, body: 'a_district=north&a_years=Infinity' },
    { name: 'an exponent', page: 3, body: 'a_district=north&a_years=1e5' },
    { name: 'hexadecimal', page: 3, body: 'a_district=north&a_years=0x10' },
    { name: 'a number out of bounds', page: 3, body: 'a_district=north&a_years=-1' },
    { name: 'a rating of 11', page: 3, body: 'a_district=north&a_benefit=11' },
    { name: 'a rating of 2.5', page: 3, body: 'a_district=north&a_benefit=2.5' },
    { name: 'a huge text', page: 4, body: formBody({ a_comment: 'é'.repeat(5000) }) },
    { name: 'a short text too long', page: 4, body: formBody({ a_nickname: 'x'.repeat(201) }) },
    { name: 'invalid percent-encoded UTF-8', page: 4, body: 'a_comment=%C3%28%FF%FE' },
    { name: 'a NUL byte', page: 4, body: 'a_comment=abc%00def' },
    { name: 'two values for a text', page: 4, body: 'a_comment=a&a_comment=b' },
  ]

  for (const hostile of cases) {
    it(hostile.name, async () => {
      const citizen = new Respondent(t.app, survey.url)
      await citizen.start()
      if (hostile.page > 1) await citizen.answer(`${survey.url}/p/1`, { interest: '3', aware: 'no' })
      if (hostile.page > 3) await citizen.answer(`${survey.url}/p/3`, { district: 'north' })
      const before = await responseCount()
      const body = hostile.contentType?.startsWith('application/json')
        ? hostile.body
        : hostile.body
          ? `_csrf=${encodeURIComponent(citizen.token)}&${hostile.body}`
          : `_csrf=${encodeURIComponent(citizen.token)}`
      const res = await citizen.agent
        .post(`${survey.url}/p/${hostile.page}`)
        .set('Content-Type', hostile.contentType ?? 'application/x-www-form-urlencoded')
        .send(body)
      // A form read and refused comes back to its page (Post/Redirect/Get) with the errors; a body that
      // is no form at all is a 4xx.
      const shown = res.status === 303 ? await citizen.get(res.headers.location!) : res
      if (res.status === 303) {
        expect(res.headers.location).toBe(`${survey.url}/p/${hostile.page}`)
        expect(shown.status).toBe(200)
        expect(shown.text).toContain('error-summary')
      } else {
        expect(res.status).toBeGreaterThanOrEqual(400)
        expect(res.status).toBeLessThan(500)
      }
      expect(shown.text).not.toMatch(/ at .*\.ts|<script>alert/)
      expect(await responseCount()).toBe(before)
    })
  }

  it('raw invalid UTF-8 bytes in the body', async () => {
    const citizen = new Respondent(t.app, survey.url)
    await citizen.start()
    await citizen.answer(`${survey.url}/p/1`, { interest: '3', aware: 'no' })
    await citizen.answer(`${survey.url}/p/3`, { district: 'north' })
    const before = await responseCount()
    const body = Buffer.concat([
      Buffer.from(`_csrf=${encodeURIComponent(citizen.token)}&a_comment=`),
      Buffer.from([0xc3, 0x28, 0xff]),
    ])
    const res = await citizen.agent
      .post(`${survey.url}/p/4`)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .serialize((raw: unknown) => raw as string)
      .send(body)
    expect(res.status).toBe(400)
    expect(await responseCount()).toBe(before)
  })

  it('a page number that is not a page', async () => {
    const citizen = new Respondent(t.app, survey.url)
    await citizen.start()
    for (const page of ['abc', '0', '99999', '2.5', '%00']) {
      const res = await citizen.post(`${survey.url}/p/${page}`, { a_interest: '3' })
      expect(res.status, page).toBe(404)
    }
  })

  it('HTML typed into a text answer is kept as text and escaped when shown back', async () => {
    const citizen = new Respondent(t.app, survey.url)
    await citizen.start()
    await citizen.answer(`${survey.url}/p/1`, { interest: '3', aware: 'no' })
    await citizen.answer(`${survey.url}/p/3`, { district: 'north' })
    const res = await citizen.answerRefused(`${survey.url}/p/4`, {
      nickname: '"><script>alert(1)</script>',
      comment: 'x'.repeat(4001),
    })
    expect(res.text).not.toContain('<script>alert(1)</script>')
    expect(res.text).toContain('&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
  })
})
