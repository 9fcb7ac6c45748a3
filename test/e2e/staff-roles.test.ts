import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StaffRole } from '../../src/db/schema.ts'
import { insertWave } from '../../src/questionnaire/questionnaire.repository.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { signedIn, StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

type Who = 'anonymous' | StaffRole
const everyone: Who[] = ['evaluator', 'designer', 'admin', 'facilitator']
const designers: Who[] = ['designer', 'admin']
const admins: Who[] = ['admin']
const nobody: Who[] = []

const wave = '/staff/series/perception/waves/2031'
// Every staff route, and who may use it. POST bodies are deliberately incomplete: allowed roles get a
// 4xx about the form (or 404/409), never a change; the point is who gets past the door.
const routes: [method: 'GET' | 'POST', path: string, allowed: Who[]][] = [
  ['GET', '/staff', everyone],
  ['GET', '/staff/password', everyone],
  ['POST', '/staff/password', everyone],
  ['GET', '/staff/users', admins],
  ['POST', '/staff/users', admins],
  ['POST', '/staff/users/999999', admins],
  ['GET', '/staff/audit', admins],
  ['GET', '/staff/results/perception', ['evaluator', 'designer', 'admin']],
  ['GET', '/staff/results/perception/weighting', designers],
  ['POST', '/staff/results/perception/weighting', designers],
  ['POST', '/staff/results/perception/weighting/margins', designers],
  ['POST', '/staff/results/perception/weighting/margins/2030', designers],
  ['GET', '/staff/results/perception/indicators', designers],
  ['POST', '/staff/results/perception/indicators', designers],
  ['POST', '/staff/results/perception/indicators/nothing/retire', designers],
  ['GET', '/staff/organizations', nobody],
  ['POST', '/staff/organizations', nobody],
  ['GET', '/staff/series/new', designers],
  ['POST', '/staff/series/new', designers],
  ['GET', '/staff/series/perception', designers],
  ['POST', '/staff/series/perception/waves', designers],
  ['GET', wave, designers],
  ['POST', `${wave}/open`, designers],
  ['POST', `${wave}/close`, designers],
  ['POST', `${wave}/margins/confirm`, designers],
  ['GET', `${wave}/preview`, designers],
  ['GET', `${wave}/xlsform`, designers],
  ['GET', `${wave}/questions/new`, designers],
  ['POST', `${wave}/questions`, designers],
  ['GET', `${wave}/questions/interest`, designers],
  ['POST', `${wave}/questions/interest`, designers],
  ['POST', `${wave}/questions/interest/move`, designers],
  ['POST', `${wave}/questions/no_such/delete`, designers],
  ['POST', `${wave}/questions/no_such/confirm-break`, designers],
]

let t: TestApp
let survey: BuiltSurvey
const browsers = new Map<Who, StaffBrowser>()

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { year: 2030 })
  const seriesId = survey.seriesId
  await insertWave(t.services.db, { seriesId, year: 2031 })
  const anonymous = new StaffBrowser(t.app)
  await anonymous.get('/staff/sign-in')
  browsers.set('anonymous', anonymous)
  for (const role of ['evaluator', 'designer', 'admin', 'facilitator'] as const) {
    browsers.set(role, await signedIn(t.app, t.services, survey.organizationId, role))
  }
  // Give the 2031 draft a question to open in the editor.
  const designer = browsers.get('designer')!
  await designer.get(`${wave}/questions/new`)
  const added = await designer.post(`${wave}/questions`, {
    code: 'interest',
    type: 'yes_no',
    page: '1',
    text_es: '¿Le interesa?',
  })
  expect(added.status).toBe(303)
})
afterAll(() => t.close())

describe('the role matrix: every staff route against every kind of visitor', () => {
  for (const [method, path, allowed] of routes) {
    it(`${method} ${path}`, async () => {
      for (const who of ['anonymous', ...everyone] as Who[]) {
        const browser = browsers.get(who)!
        const res = method === 'GET' ? await browser.agent.get(path) : await browser.post(path, {})
        if (who === 'anonymous') {
          expect(res.status, who).toBe(method === 'GET' ? 303 : 401)
          if (method === 'GET') expect(res.headers.location).toMatch(/^\/staff\/sign-in\?next=/)
        } else if (allowed.includes(who)) {
          expect([200, 303, 400, 404, 409], `${who} should get in`).toContain(res.status)
        } else {
          expect(res.status, `${who} must be refused`).toBe(403)
          expect(res.text).toContain('No tiene acceso a esta página')
        }
      }
    })
  }
})

describe('CSRF on every staff form', () => {
  it('refuses each POST without the form token, for the roles allowed to use it', async () => {
    for (const [method, path, allowed] of routes) {
      if (method !== 'POST') continue
      for (const who of allowed) {
        const res = await browsers
          .get(who)!
          .agent.post(path)
          .type('form')
          .send('code=x&year=2040&start=empty')
        expect(res.status, `${who} ${path}`).toBe(403)
        expect(res.text).toContain('El formulario caducó')
      }
    }
    expect(
      (await browsers.get('anonymous')!.agent.post('/staff/sign-in').type('form').send('email=a&password=b'))
        .status,
    ).toBe(403)
    expect((await browsers.get('designer')!.agent.post('/staff/sign-out').type('form').send('')).status).toBe(
      403,
    )
  })
})
