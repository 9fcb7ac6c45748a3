import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertQuestions, insertWave } from '../../src/questionnaire/questionnaire.repository.ts'
import { buildFeedbackProject, type BuiltProject } from '../fixtures/feedback-builder.ts'
import { buildSurvey, sampleQuestions, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { ALL_TABLES, digest as tableDigest } from '../helpers/digest.ts'
import { formBody } from '../helpers/respondent.ts'
import { signedIn, StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

// Set-up through the service, outside any staff member's request: audit-logged as nobody's.
const byTheTest = { organizationId: null, userId: null }

// Every form that takes text, staff ones included, gets NUL, lone surrogates, 10,000 characters, and
// right-to-left and zero-width characters in each of its text fields.
let t: TestApp
let survey: BuiltSurvey
let project: BuiltProject
let entryId: number
const browsers: Record<string, StaffBrowser> = {}
let adminPassword = ''
let passwordLink = ''

// Everything a refused form could have changed (counters of the rate limits and tallies aside).
const TABLES = ALL_TABLES.filter(
  (table) =>
    ![
      'rate_limit',
      'staff_session',
      'sign_in_failure',
      'tally_state',
      'profile_tally',
      'answer_tally',
      'instance_key',
      'survey_draft',
    ].includes(table),
)
const digest = () => tableDigest(t.services.db, TABLES)

interface Form {
  name: string
  who: string
  page: string
  action: string
  valid: () => Record<string, string | string[]>
  fields: string[]
}

const wave = '/staff/series/perception/waves/2027'
const forms: Form[] = [
  {
    name: 'staff sign-in',
    who: 'anonymous',
    page: '/staff/sign-in',
    action: '/staff/sign-in',
    valid: () => ({ email: 'someone@example.org', password: 'some long password' }),
    fields: ['email', 'password'],
  },
  {
    name: 'own password',
    who: 'admin',
    page: '/staff/password',
    action: '/staff/password',
    valid: () => ({
      current: adminPassword,
      password: 'violet tractor umbrella',
      confirm: 'violet tractor umbrella',
    }),
    fields: ['current', 'password', 'confirm'],
  },
  {
    name: 'new user',
    who: 'admin',
    page: '/staff/users',
    action: '/staff/users',
    valid: () => ({ email: 'ana@example.org', name: 'Ana', role: 'designer' }),
    fields: ['email', 'name'],
  },
  {
    name: 'password set with a link',
    who: 'anonymous',
    page: '/staff/set-password/LINK',
    action: '/staff/set-password/LINK',
    valid: () => ({ password: 'violet tractor umbrella', confirm: 'violet tractor umbrella' }),
    fields: ['password', 'confirm'],
  },
  {
    name: 'new organization',
    who: 'platform',
    page: '/staff/organizations',
    action: '/staff/organizations',
    valid: () => ({
      slug: 'otra-ciudad',
      name: 'Otra Ciudad',
      source_language: 'es',
      admin_email: 'admin@otra.example.org',
      admin_password: 'violet tractor umbrella',
    }),
    fields: ['slug', 'name', 'admin_email', 'admin_password'],
  },
  {
    name: 'new series',
    who: 'designer',
    page: '/staff/series/new',
    action: '/staff/series/new',
    valid: () => ({
      code: 'otra',
      title_es: 'Otra',
      title_fr: 'Autre',
      title_pt: 'Outra',
      purpose: 'perception',
    }),
    fields: ['code', 'title_es', 'title_fr', 'title_pt'],
  },
  {
    name: 'question and options',
    who: 'designer',
    page: `${wave}/questions/new`,
    action: `${wave}/questions`,
    valid: () => ({
      code: 'nueva',
      type: 'single_choice',
      page: '1',
      text_es: '¿Nueva?',
      text_fr: 'Nouvelle ?',
      text_pt: 'Nova?',
      help_es: 'Ayuda',
      opt_code_0: 'si',
      opt_es_0: 'Sí',
      opt_fr_0: 'Oui',
      opt_pt_0: 'Sim',
    }),
    fields: [
      'code',
      'text_es',
      'text_fr',
      'text_pt',
      'help_es',
      'opt_code_0',
      'opt_es_0',
      'opt_fr_0',
      'opt_pt_0',
    ],
  },
  {
    name: 'partner project',
    who: 'designer',
    page: '/staff/projects/new',
    action: '/staff/projects/new',
    valid: () => ({
      code: 'pozos',
      name: 'Pozos',
      partner: 'Comuna',
      country: 'bf',
      sector: 'water',
      main_language: 'fr',
      starts_on: '2026-01-01',
      ends_on: '',
      description_es: 'Pozos',
      description_fr: 'Puits',
      description_pt: 'Poços',
      questionnaire: '',
      status: 'draft',
    }),
    fields: ['code', 'name', 'partner', 'country', 'starts_on', 'description_es', 'description_fr'],
  },
  {
    name: 'API token',
    who: 'evaluator',
    page: '/staff/tokens',
    action: '/staff/tokens',
    valid: () => ({ name: 'Portátil', days: '30' }),
    fields: ['name', 'days'],
  },
  {
    name: 'redaction',
    who: 'designer',
    page: '/staff/feedback/ENTRY',
    action: '/staff/feedback/ENTRY/redact',
    valid: () => ({ story_story: 'Texto revisado.' }),
    fields: ['story_story'],
  },
  {
    name: 'compared city by address',
    who: 'evaluator',
    page: '/staff/results/perception/compare',
    action: '/staff/results/perception/compare/url',
    valid: () => ({ url: 'https://otra.example.org/trends.json' }),
    fields: ['url'],
  },
  {
    name: 'beneficiary contact',
    who: 'anonymous',
    page: '/f/PROJECT',
    action: '/f/PROJECT',
    valid: () => ({
      a_life_change: '4',
      a_recommend: 'yes',
      publish: 'no',
      contact_ok: 'yes',
      contact: '984 000 111',
    }),
    fields: ['contact', 'a_story'],
  },
  {
    name: 'strata and letters',
    who: 'designer',
    page: '/staff/series/perception/waves/2026/invitations',
    action: '/staff/series/perception/waves/2026/invitations/letter',
    valid: () => ({
      strata: 'Centro\nSan Blas',
      address: 'Plaza Mayor 1',
      deadline: '',
      intro_es: 'Hola',
      intro_fr: '',
      intro_pt: '',
    }),
    fields: ['strata', 'address', 'intro_es'],
  },
  {
    name: 'yearly brief',
    who: 'designer',
    page: '/staff/results/perception/briefs/2025',
    action: '/staff/results/perception/briefs/2025',
    valid: () => ({ lead_es: 'Lo que cambió.', lead_fr: '', lead_pt: '' }),
    fields: ['lead_es', 'lead_fr', 'lead_pt'],
  },
  {
    name: 'invitation code',
    who: 'anonymous',
    page: '/s/ORG/perception',
    action: '/s/ORG/perception/code',
    valid: () => ({ code: 'ABCD-EFGH-JKMN' }),
    fields: ['code'],
  },
]

const at = (url: string) =>
  url
    .replace('ENTRY', String(entryId))
    .replace('PROJECT', project.code)
    .replace('ORG', survey.url.split('/')[2]!)
    .replace('LINK', passwordLink)

/** The page's hidden one-time fields (submission and request keys), as a browser would send them. */
const hiddenKeys = (html: string) =>
  Object.fromEntries(
    [...html.matchAll(/name="(submission|request_key)" value="([^"]+)"/g)].map((m) => [m[1]!, m[2]!]),
  )

beforeAll(async () => {
  t = await createTestApp({ comparisonOrigins: ['https://otra.example.org'] })
  survey = await buildSurvey(t.services.db)
  await t.services.invitations.setAccessMode(survey.waveId, 'both', byTheTest)
  const draft = await insertWave(t.services.db, { seriesId: survey.seriesId, year: 2027, status: 'draft' })
  await insertQuestions(t.services.db, draft, sampleQuestions)
  // A closed year, for its brief.
  await insertWave(t.services.db, { seriesId: survey.seriesId, year: 2025, status: 'closed' })
  project = await buildFeedbackProject(t.services.db, { organizationId: survey.organizationId })
  browsers.anonymous = new StaffBrowser(t.app)
  for (const role of ['designer', 'evaluator'] as const)
    browsers[role] = await signedIn(t.app, t.services, survey.organizationId, role)
  const admin = await signedIn(t.app, t.services, survey.organizationId, 'admin')
  adminPassword = admin.account.password
  const designer = browsers.designer as Awaited<ReturnType<typeof signedIn>>
  passwordLink = (await t.services.staff.requestPasswordReset(designer.account.email))!.token
  browsers.admin = admin
  browsers.platform = await signedIn(t.app, t.services, survey.organizationId, 'admin', true)
  // A beneficiary's story, for the moderator to redact.
  const phone = new StaffBrowser(t.app)
  const page = await phone.get(`/f/${project.code}`)
  const sent = await phone.post(`/f/${project.code}`, {
    ...hiddenKeys(page.text),
    a_life_change: '4',
    a_recommend: 'yes',
    a_story: 'Me llamo Rosa.',
    publish: 'yes',
    contact_ok: 'no',
  })
  expect(sent.status).toBe(303)
  entryId = (await t.services.db.selectFrom('feedback').select('id').executeTakeFirstOrThrow()).id
})
afterAll(() => t.close())

async function post(form: Form, fields: Record<string, string | string[]>) {
  const browser = browsers[form.who]!
  const page = await browser.get(at(form.page))
  expect(page.status, `${form.name}: ${form.page}`).toBe(200)
  return browser.post(at(form.action), { ...hiddenKeys(page.text), ...form.valid(), ...fields })
}

describe('every text input refuses what cannot be stored, with a field error, and changes nothing', () => {
  for (const form of forms)
    it(`${form.name}: NUL in any text field is a 400 with a field error`, async () => {
      const before = await digest()
      for (const field of form.fields)
        for (const value of ['\u0000', `abc\u0000def`, 'ok\u0007bell']) {
          const res = await post(form, { [field]: value })
          expect(res.status, `${form.name} ${field} ${JSON.stringify(value)}`).toBe(400)
          // The GOV.UK pattern: a summary linking to the field, and the message beside it.
          expect(res.text, `${form.name} ${field}`).toContain('error-summary')
          expect(res.text).toMatch(/class="error-message"|class="error-summary/)
        }
      expect(await digest()).toEqual(before)
    })

  it('a lone surrogate (bytes that are not UTF-8) is a 400 that changes nothing, on every form', async () => {
    const before = await digest()
    for (const form of forms) {
      const browser = browsers[form.who]!
      const page = await browser.get(at(form.page))
      const body = formBody({ _csrf: browser.token, ...hiddenKeys(page.text), ...form.valid() })
      const res = await browser.agent
        .post(at(form.action))
        .type('form')
        .send(`${body}&${form.fields[0]}=%ED%A0%80`)
      expect(res.status, form.name).toBe(400)
    }
    expect(await digest()).toEqual(before)
  })

  it('10,000 characters, right-to-left and zero-width characters never cause a 5xx', async () => {
    const values = [
      'x'.repeat(10_000),
      '\u202eالعربية\u202c',
      'in\u200bvis\u200dible\ufeff',
      '\u05e9\u05dc\u05d5\u05dd \u2067mixed\u2069',
    ]
    for (const form of forms)
      for (const field of form.fields)
        for (const value of values) {
          const res = await post(form, { [field]: value })
          expect(res.status, `${form.name} ${field}`).toBeLessThan(500)
          if (value.length === 10_000 && res.status === 400)
            expect(res.text, `${form.name} ${field}`).toContain('error-summary')
        }
  })

  it('a compared city’s file with NUL in its texts is refused, row by row, and nothing is added', async () => {
    const evaluator = browsers.evaluator!
    await evaluator.get('/staff/results/perception/compare')
    const file = JSON.stringify({
      format: 'pulso-trends',
      version: 1,
      series: 'perception',
      organization: 'otra\u0000ciudad',
      rows: [],
    })
    const before = await digest()
    for (const content of [
      file,
      file
        .replace(
          '"rows":[]',
          '"rows":[{"indicator":"a","wave":2025,"breakdown":"x\\u0000","group":"","estimate":0.5,"se":0.1,"ciLow":0.3,"ciHigh":0.7,"n":10,"nEffective":10,"weighted":false,"suppressed":false}]',
        )
        .replace('otra\\u0000ciudad', 'otra'),
    ]) {
      const res = await evaluator.agent
        .post(`/staff/results/perception/compare?_csrf=${encodeURIComponent(evaluator.token)}`)
        .attach('file', Buffer.from(content), 'otra.json')
      expect(res.status).toBe(400)
      expect(res.text).toContain('control character')
    }
    expect(await digest()).toEqual(before)
  })
})
