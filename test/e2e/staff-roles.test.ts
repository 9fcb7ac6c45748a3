import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StaffRole } from '../../src/db/schema.ts'
import { insertWave } from '../../src/questionnaire/questionnaire.repository.ts'
import { buildFeedbackProject } from '../fixtures/feedback-builder.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { signedIn, StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

type Who = 'anonymous' | StaffRole
const everyone: Who[] = ['evaluator', 'designer', 'admin', 'facilitator']
const designers: Who[] = ['designer', 'admin']
const admins: Who[] = ['admin']
const nobody: Who[] = []
const readers: Who[] = ['evaluator', 'designer', 'admin']

const wave = '/staff/series/perception/waves/2031'
// Every staff route, and who may use it. POST bodies are deliberately incomplete: allowed roles get a
// 4xx about the form (or 404/409, listed in allowedStatus), never a change; the point is who gets past the door.
const routes: [method: 'GET' | 'POST', path: string, allowed: Who[]][] = [
  ['GET', '/staff', everyone],
  ['GET', '/staff/password', everyone],
  ['POST', '/staff/password', everyone],
  ['GET', '/staff/users', admins],
  ['POST', '/staff/users', admins],
  ['POST', '/staff/users/999999', admins],
  ['POST', '/staff/users/999999/link', admins],
  ['GET', '/staff/audit', admins],
  ['GET', '/staff/audit.csv', admins],
  ['GET', '/staff/organization', admins],
  ['POST', '/staff/organization', admins],
  ['POST', '/staff/organization/two-factor', admins],
  ['POST', '/staff/organization/network', admins],
  ['GET', '/staff/two-factor', everyone],
  ['POST', '/staff/two-factor/start', everyone],
  ['POST', '/staff/two-factor/confirm', everyone],
  ['POST', '/staff/two-factor/disable', everyone],
  ['GET', '/staff/results/perception', readers],
  ['GET', '/staff/results/perception/weighting', designers],
  ['POST', '/staff/results/perception/weighting', designers],
  ['POST', '/staff/results/perception/weighting/margins', designers],
  ['POST', '/staff/results/perception/weighting/margins/2030', designers],
  ['GET', '/staff/results/perception/indicators', designers],
  ['POST', '/staff/results/perception/indicators', designers],
  ['POST', '/staff/results/perception/indicators/nothing/retire', designers],
  ['GET', '/staff/results/perception/indicators/nothing/target', designers],
  ['POST', '/staff/results/perception/indicators/nothing/target', designers],
  ['POST', '/staff/results/perception/indicators/nothing/target/remove', designers],
  ['GET', '/staff/organizations', nobody],
  ['POST', '/staff/organizations', nobody],
  ['GET', '/staff/series/new', designers],
  ['POST', '/staff/series/new', designers],
  ['GET', '/staff/series/perception', designers],
  ['POST', '/staff/series/perception/waves', designers],
  ['GET', wave, designers],
  ['GET', `${wave}/open`, designers],
  ['POST', `${wave}/open`, designers],
  ['GET', `${wave}/close`, designers],
  ['POST', `${wave}/close`, designers],
  ['POST', `${wave}/margins/confirm`, designers],
  ['GET', `${wave}/preview`, designers],
  ['GET', `${wave}/xlsform`, designers],
  ['GET', `${wave}/paper`, designers],
  ['GET', `${wave}/questions/new`, designers],
  ['POST', `${wave}/questions`, designers],
  ['GET', `${wave}/questions/interest`, designers],
  ['POST', `${wave}/questions/interest`, designers],
  ['POST', `${wave}/questions/interest/move`, designers],
  ['POST', `${wave}/questions/no_such/delete`, designers],
  ['POST', `${wave}/import`, designers],
  ['GET', `${wave}/invitations`, designers],
  ['POST', `${wave}/invitations`, designers],
  ['POST', `${wave}/invitations/access`, designers],
  ['POST', `${wave}/invitations/letter`, designers],
  ['GET', `${wave}/invitations/email`, designers],
  ['POST', `${wave}/invitations/email/list`, designers],
  ['POST', `${wave}/invitations/email/send`, designers],
  ['POST', `${wave}/invitations/email/reminders`, designers],
  ['POST', '/staff/series/perception/interview', ['facilitator', 'designer', 'admin']],
  ['GET', '/staff/series/perception/paper-entry', ['facilitator', 'designer', 'admin']],
  ['POST', '/staff/series/perception/paper-entry', ['facilitator', 'designer', 'admin']],
  ['GET', '/staff/projects', everyone],
  ['GET', '/staff/projects/new', designers],
  ['POST', '/staff/projects/new', designers],
  ['GET', '/staff/projects/PROJECT', designers],
  ['POST', '/staff/projects/PROJECT', designers],
  ['GET', '/staff/projects/PROJECT/qr.svg', ['facilitator', 'designer', 'admin']],
  ['GET', '/staff/projects/PROJECT/assisted', ['facilitator', 'designer', 'admin']],
  ['POST', '/staff/projects/PROJECT/assisted', ['facilitator', 'designer', 'admin']],
  ['GET', '/staff/projects/PROJECT/feedback', designers],
  ['GET', '/staff/feedback/999999', designers],
  ['POST', '/staff/feedback/999999/redact', designers],
  ['POST', '/staff/feedback/999999/review', designers],
  ['GET', '/staff/projects/PROJECT/results', readers],
  ['GET', '/staff/projects/PROJECT/results.csv', readers],
  ['GET', '/staff/projects/PROJECT/responses.csv', readers],
  ['GET', '/staff/projects/PROJECT/stories.csv', readers],
  ['GET', '/staff/results/perception/trends.csv', readers],
  ['GET', '/staff/results/perception/microdata.zip', readers],
  ['GET', '/staff/results/perception/downloads', readers],
  ['GET', '/staff/results/perception/compare', readers],
  ['POST', '/staff/results/perception/compare', readers],
  ['POST', '/staff/results/perception/compare/url', readers],
  ['POST', '/staff/results/perception/compare/999999/remove', readers],
  ['GET', '/staff/results/perception/briefs', readers],
  ['GET', '/staff/results/perception/briefs/2030', designers],
  ['POST', '/staff/results/perception/briefs/2030', designers],
  ['POST', '/staff/results/perception/briefs/2030/publish', designers],
  ['POST', '/staff/results/perception/briefs/2030/withdraw', designers],
  ['GET', '/staff/results/perception/briefs/2030/preview', readers],
  ['GET', '/staff/tokens', readers],
  ['POST', '/staff/tokens', readers],
  ['POST', '/staff/tokens/999999/revoke', readers],
  ['POST', `${wave}/questions/no_such/confirm-break`, designers],
]

let t: TestApp
let survey: BuiltSurvey
let projectCode = ''
const at = (path: string) => path.replace('PROJECT', projectCode)
const browsers = new Map<Who, StaffBrowser>()

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { year: 2030 })
  projectCode = (await buildFeedbackProject(t.services.db, { organizationId: survey.organizationId })).code
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

// What the roles allowed get from each route (200 unless listed): the same for each of them. A 404
// is expected only where the address names something that does not exist (999999, no_such, nothing);
// 400 and 409 are the refusals of an incomplete form or a wave in the wrong state.
const allowedStatus = new Map<string, number>([
  ['GET /staff/feedback/999999', 404],
  ['POST /staff/feedback/999999/redact', 404],
  ['POST /staff/feedback/999999/review', 404],
  ['POST /staff/password', 400],
  ['POST /staff/organization', 400],
  ['POST /staff/organization/two-factor', 303],
  ['POST /staff/organization/network', 303],
  ['POST /staff/two-factor/start', 303],
  ['POST /staff/two-factor/confirm', 400],
  ['POST /staff/two-factor/disable', 400],
  ['POST /staff/projects/PROJECT', 400],
  ['POST /staff/projects/PROJECT/assisted', 400],
  ['POST /staff/projects/new', 400],
  ['POST /staff/results/perception/compare', 400],
  ['POST /staff/results/perception/compare/999999/remove', 303],
  ['POST /staff/results/perception/compare/url', 400],
  ['POST /staff/results/perception/indicators', 400],
  ['POST /staff/results/perception/indicators/nothing/retire', 404],
  ['GET /staff/results/perception/indicators/nothing/target', 404],
  ['POST /staff/results/perception/indicators/nothing/target', 404],
  ['POST /staff/results/perception/indicators/nothing/target/remove', 404],
  ['POST /staff/results/perception/weighting', 400],
  ['POST /staff/results/perception/weighting/margins', 400],
  ['POST /staff/results/perception/weighting/margins/2030', 400],
  ['POST /staff/series/new', 400],
  ['POST /staff/series/perception/interview', 303],
  // Sent without a questionnaire number.
  ['POST /staff/series/perception/paper-entry', 400],
  ['POST /staff/series/perception/waves', 400],
  [`POST ${wave}/close`, 409],
  // Asked to confirm a step the wave cannot take (problems to fix, not open): back to the wave's page.
  [`GET ${wave}/open`, 303],
  [`GET ${wave}/close`, 303],
  [`POST ${wave}/import`, 400],
  [`POST ${wave}/invitations`, 400],
  [`POST ${wave}/invitations/access`, 400],
  // Every field of the strata and letters form may be empty: saved as such.
  [`POST ${wave}/invitations/letter`, 303],
  // This app sends no email (no SMTP_URL): the list and the sending are refused as such.
  [`POST ${wave}/invitations/email/list`, 409],
  [`POST ${wave}/invitations/email/send`, 409],
  [`POST ${wave}/invitations/email/reminders`, 400],
  [`POST ${wave}/margins/confirm`, 404],
  [`POST ${wave}/open`, 409],
  [`POST ${wave}/questions`, 400],
  [`POST ${wave}/questions/interest`, 400],
  [`POST ${wave}/questions/interest/move`, 400],
  [`POST ${wave}/questions/no_such/confirm-break`, 404],
  [`POST ${wave}/questions/no_such/delete`, 404],
  // 2030 is not closed: it has no brief yet.
  ['GET /staff/results/perception/briefs/2030', 404],
  ['POST /staff/results/perception/briefs/2030', 404],
  ['POST /staff/results/perception/briefs/2030/publish', 404],
  ['POST /staff/results/perception/briefs/2030/withdraw', 404],
  ['GET /staff/results/perception/briefs/2030/preview', 404],
  ['POST /staff/tokens', 400],
  ['POST /staff/tokens/999999/revoke', 404],
  ['POST /staff/users', 400],
  ['POST /staff/users/999999', 400],
  ['POST /staff/users/999999/link', 404],
])

describe('the role matrix: every staff route against every kind of visitor', () => {
  for (const [method, route, allowed] of routes) {
    it(`${method} ${route}`, async () => {
      const path = at(route)
      for (const who of ['anonymous', ...everyone] as Who[]) {
        const browser = browsers.get(who)!
        const res = method === 'GET' ? await browser.agent.get(path) : await browser.post(path, {})
        if (who === 'anonymous') {
          expect(res.status, who).toBe(method === 'GET' ? 303 : 401)
          if (method === 'GET') expect(res.headers.location).toMatch(/^\/staff\/sign-in\?next=/)
        } else if (allowed.includes(who)) {
          expect(res.status, `${who} should get in`).toBe(allowedStatus.get(`${method} ${route}`) ?? 200)
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
    for (const [method, route, allowed] of routes) {
      if (method !== 'POST') continue
      const path = at(route)
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

// Reached by anyone (the sign-in form, the service worker) or part of every signed-in page (sign-out,
// the offline form's token): the matrix above would sign its browsers out or prove nothing.
const OUTSIDE_THE_MATRIX = [
  'GET /staff/sign-in',
  'POST /staff/sign-in',
  'POST /staff/sign-out',
  'GET /staff/form-token',
  'GET /staff/assisted-sw.js',
  // The second step of signing in: its session opens nothing else until the code is right (two-factor.test).
  'GET /staff/sign-in/code',
  'POST /staff/sign-in/code',
  // Signed out, by design: a forgotten password, and the single-use link that sets one (staff-links.test).
  'GET /staff/forgot',
  'POST /staff/forgot',
  'GET /staff/set-password/:token',
  'POST /staff/set-password/:token',
]

describe('the role matrix is complete', () => {
  it('has a rule for every staff route the app serves, read from its router', () => {
    const served: [string, string][] = []
    const walk = (
      stack: { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }[],
    ) => {
      for (const layer of stack) {
        if (layer.route)
          for (const m of Object.keys(layer.route.methods)) served.push([m.toUpperCase(), layer.route.path])
        else if (layer.handle?.stack) walk(layer.handle.stack as never)
      }
    }
    walk((t.app as unknown as { router: { stack: never[] } }).router.stack)
    const staff = served.filter(([, path]) => path.startsWith('/staff'))
    expect(staff.length).toBeGreaterThan(60)
    const missing = staff.filter(([method, pattern]) => {
      if (OUTSIDE_THE_MATRIX.includes(`${method} ${pattern}`)) return false
      const regex = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/:\w+/g, '[^/]+')}$`)
      return !routes.some(([m, route]) => m === method && regex.test(at(route)))
    })
    expect(missing.map(([m, p]) => `${m} ${p}`)).toEqual([])
  })
})
