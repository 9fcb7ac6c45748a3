import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { digest } from '../helpers/digest.ts'
import { withInsertsFailing } from '../helpers/planted-fault.ts'
import { createStaff, signedIn, StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let survey: BuiltSurvey
beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db)
})
afterAll(() => t.close())

const auditActions = async () =>
  (await sql<{ action: string }>`select action from audit_log order by id`.execute(t.services.db)).rows.map(
    (r) => r.action,
  )

describe('signing in', () => {
  it('gives a generic message for a wrong password or an unknown account, and no session', async () => {
    const account = await createStaff(t.services, survey.organizationId, 'designer')
    const browser = new StaffBrowser(t.app)
    const wrong = await browser.signIn(account.email, 'not the password at all')
    expect(wrong.status).toBe(401)
    expect(wrong.text).toContain('El correo o la contraseña no son correctos')
    const unknown = await browser.signIn('nobody@example.org', 'whatever password 123')
    expect(unknown.status).toBe(401)
    expect(unknown.text).toContain('El correo o la contraseña no son correctos')
    expect((await browser.get('/staff')).status).toBe(303)
  })

  it('throttles an account after five failures, even with the right password then', async () => {
    const account = await createStaff(t.services, survey.organizationId, 'evaluator')
    const browser = new StaffBrowser(t.app)
    for (let i = 0; i < 5; i++)
      expect((await browser.signIn(account.email, `wrong password ${i}`)).status).toBe(401)
    const locked = await browser.signIn(account.email, account.password)
    expect(locked.status).toBe(429)
    expect(locked.text).toContain('Demasiados intentos')
  })

  it('starts a new database session at each sign-in, with an httpOnly SameSite=Lax cookie, that another instance accepts', async () => {
    const account = await createStaff(t.services, survey.organizationId, 'designer')
    const first = new StaffBrowser(t.app)
    const res = await first.signIn(account.email, account.password)
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe('/staff')
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c: string) =>
      c.startsWith('pulso_staff='),
    )!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    const second = await new StaffBrowser(t.app).signIn(account.email, account.password)
    const otherCookie = (second.headers['set-cookie'] as unknown as string[]).find((c: string) =>
      c.startsWith('pulso_staff='),
    )!
    expect(otherCookie.split(';')[0]).not.toBe(cookie.split(';')[0])
    expect(
      JSON.stringify((await sql`select * from staff_session`.execute(t.services.db)).rows),
    ).not.toContain(cookie.split(';')[0]!.slice('pulso_staff='.length))

    const otherInstance = createApp(t.services, {
      production: false,
      trustProxy: 'false',
      submitRateLimit: { limit: 100, windowMs: 60_000 },
      strictTranslations: true,
    })
    const there = await request(otherInstance).get('/staff').set('Cookie', cookie.split(';')[0]!)
    expect(there.status).toBe(200)
    expect(there.text).toContain(account.email)
  })

  it('ends the session at sign-out', async () => {
    const browser = await signedIn(t.app, t.services, survey.organizationId, 'designer')
    const out = await browser.post('/staff/sign-out')
    expect(out.status).toBe(303)
    expect((await browser.get('/staff')).status).toBe(303)
  })

  it('follows only staff addresses after sign-in', async () => {
    const account = await createStaff(t.services, survey.organizationId, 'designer')
    const browser = new StaffBrowser(t.app)
    await browser.get('/staff/sign-in')
    const res = await browser.post('/staff/sign-in', {
      email: account.email,
      password: account.password,
      next: 'https://evil.example/x',
    })
    expect(res.headers.location).toBe('/staff')
  })
})

describe('passwords', () => {
  it('changes with the current password and ends the other sessions', async () => {
    const browser = await signedIn(t.app, t.services, survey.organizationId, 'evaluator')
    const elsewhere = new StaffBrowser(t.app)
    await elsewhere.signIn(browser.account.email, browser.account.password)
    await browser.get('/staff/password')
    const wrong = await browser.post('/staff/password', {
      current: 'nope',
      password: 'a new long password',
      confirm: 'a new long password',
    })
    expect(wrong.status).toBe(400)
    expect(wrong.text).toContain('La contraseña actual no es correcta')
    const short = await browser.post('/staff/password', {
      current: browser.account.password,
      password: 'short',
      confirm: 'short',
    })
    expect(short.status).toBe(400)
    expect(short.text).toContain('href="#f-password"')
    const ok = await browser.post('/staff/password', {
      current: browser.account.password,
      password: 'a new long password',
      confirm: 'a new long password',
    })
    expect(ok.status).toBe(200)
    expect((await elsewhere.get('/staff')).status).toBe(303)
    expect((await browser.get('/staff')).status).toBe(200)
    expect((await new StaffBrowser(t.app).signIn(browser.account.email, 'a new long password')).status).toBe(
      303,
    )
    const hashes = (
      await sql<{ password_hash: string }>`select password_hash from staff_user`.execute(t.services.db)
    ).rows
    expect(hashes.every((h) => h.password_hash.startsWith('scrypt$'))).toBe(true)
  })
})

describe('weak passwords', () => {
  const weak = [
    '            ',
    'aaaaaaaaaaaa',
    '123456789012',
    'password1234',
    'qwertyuiopas',
    'contraseña123',
  ]

  it('are refused for a new user, a new password and an organization’s first admin, with the reason, in each language', async () => {
    const other = await buildSurvey(t.services.db)
    const admin = await signedIn(t.app, t.services, other.organizationId, 'admin')
    const usersBefore = (
      await sql<{ n: number }>`select count(*)::int as n from staff_user`.execute(t.services.db)
    ).rows[0]!.n
    // A person invited sets their own password: the weak ones are refused there.
    await admin.get('/staff/users')
    const invited = await admin.post('/staff/users', { email: 'weak@example.org', role: 'designer' })
    const link = new URL(/value="(http[^"]+\/staff\/set-password\/[^"]+)"/.exec(invited.text)![1]!).pathname
    const newcomer = new StaffBrowser(t.app)
    for (const password of weak) {
      await newcomer.get(link)
      const res = await newcomer.post(link, { password, confirm: password })
      expect(res.status, password).toBe(400)
      expect(res.text).toContain('href="#f-password"')
      expect(res.text).toMatch(/La contraseña (es|repite|sigue)/)
      const changed = await admin.post('/staff/password', {
        current: admin.account.password,
        password,
        confirm: password,
      })
      expect(changed.status, password).toBe(400)
    }
    // The reason in the reader's language.
    for (const [lang, text] of [
      ['fr', 'Le mot de passe'],
      ['pt-PT', 'A palavra-passe'],
    ] as const) {
      await newcomer.get(`${link}?lang=${lang}`)
      const res = await newcomer.post(link, { password: 'password1234', confirm: 'password1234' })
      expect(res.text).toContain(text)
    }
    await newcomer.get(`${link}?lang=es`)
    await admin.get('/staff/users?lang=es')
    const platform = await signedIn(t.app, t.services, other.organizationId, 'admin', true)
    await platform.get('/staff/organizations')
    const org = await platform.post('/staff/organizations', {
      slug: 'weak-city',
      name: 'Weak City',
      source_language: 'es',
      admin_email: 'first@weak.example.org',
      admin_password: '123456789012',
    })
    expect(org.status).toBe(400)
    expect(org.text).toContain('href="#f-admin_password"')
    const usersAfter = (
      await sql<{ n: number }>`select count(*)::int as n from staff_user`.execute(t.services.db)
    ).rows[0]!.n
    // The invited newcomer (without a password yet) and the platform admin signed in above.
    expect(usersAfter).toBe(usersBefore + 2)
    expect(
      await sql`select 1 from organization where slug = 'weak-city'`.execute(t.services.db),
    ).toMatchObject({
      rows: [],
    })
    // The old password still opens the account: nothing was changed.
    expect((await new StaffBrowser(t.app).signIn(admin.account.email, admin.account.password)).status).toBe(
      303,
    )
  })
})

describe('an admin manages the organization’s users', () => {
  it('creates, re-roles and disables users, keeps the last admin, and everything lands in the audit log', async () => {
    const other = await buildSurvey(t.services.db)
    const admin = await signedIn(t.app, t.services, other.organizationId, 'admin')
    await admin.get('/staff/users')
    const bad = await admin.post('/staff/users', { email: 'not-an-email', role: 'designer' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('Escriba un correo electrónico válido')
    // No mail server here: the admin sees the link once, to hand over; never a password.
    const created = await admin.post('/staff/users', { email: 'new.designer@example.org', role: 'designer' })
    expect(created.status).toBe(200)
    expect(created.text).toContain('entregue este enlace a new.designer@example.org')
    expect(created.text).not.toMatch(/type="password"/)
    const link = new URL(/value="(http[^"]+\/staff\/set-password\/[^"]+)"/.exec(created.text)![1]!).pathname
    const dup = await admin.post('/staff/users', { email: 'NEW.designer@example.org', role: 'designer' })
    expect(dup.status).toBe(400)
    const users = await admin.get('/staff/users')
    expect(users.text).toMatch(/new\.designer@example\.org[\s\S]*?Invitada \(enlace válido hasta/)

    // Until the newcomer sets a password, nothing opens the account.
    const designer = new StaffBrowser(t.app)
    expect((await designer.signIn('new.designer@example.org', '')).status).toBe(401)
    await designer.get(link)
    const mismatch = await designer.post(link, {
      password: 'long enough password',
      confirm: 'long enough passwort',
    })
    expect(mismatch.status).toBe(400)
    expect(mismatch.text).toContain('Las dos contraseñas no coinciden')
    const set = await designer.post(link, {
      password: 'long enough password',
      confirm: 'long enough password',
    })
    expect(set.status).toBe(303)
    expect(set.headers.location).toBe('/staff/sign-in?notice=passwordSet')
    expect((await designer.get(set.headers.location!)).text).toContain('Contraseña guardada')
    // Once only.
    const again = await new StaffBrowser(t.app).get(link)
    expect(again.status).toBe(410)
    expect(again.text).toContain('Este enlace ya no sirve')
    expect((await designer.signIn('new.designer@example.org', 'long enough password')).status).toBe(303)
    const { id } = (
      await sql<{ id: number }>`select id from staff_user where email = 'new.designer@example.org'`.execute(
        t.services.db,
      )
    ).rows[0]!
    await admin.get('/staff/users')
    expect((await admin.post(`/staff/users/${id}`, { role: 'evaluator', disabled: 'yes' })).status).toBe(303)
    expect((await designer.get('/staff')).status).toBe(303)
    expect(
      (await new StaffBrowser(t.app).signIn('new.designer@example.org', 'long enough password')).status,
    ).toBe(401)

    const me = (
      await sql<{ id: number }>`select id from staff_user where email = ${admin.account.email}`.execute(
        t.services.db,
      )
    ).rows[0]!
    const demote = await admin.post(`/staff/users/${me.id}`, { role: 'designer' })
    expect(demote.status).toBe(409)
    expect(demote.text).toContain('al menos una persona administradora activa')

    // Users of another organization are out of reach.
    const foreign = await createStaff(t.services, survey.organizationId, 'designer')
    const foreignId = (
      await sql<{ id: number }>`select id from staff_user where email = ${foreign.email}`.execute(
        t.services.db,
      )
    ).rows[0]!.id
    expect((await admin.post(`/staff/users/${foreignId}`, { role: 'admin' })).status).toBe(404)

    const audit = await admin.get('/staff/audit')
    expect(audit.status).toBe(200)
    // In words, with what changed (the codes are only the filter's values).
    expect(audit.text).toContain('Invitó a una persona')
    expect(audit.text).toMatch(
      /Cambió la función o el estado de una cuenta[\s\S]*?role: <del>designer<\/del> → <ins>evaluator<\/ins>/,
    )
    expect(audit.text).toMatch(/disabled: <del>false<\/del> → <ins>true<\/ins>/)
    expect(await auditActions()).toEqual(
      expect.arrayContaining([
        'staff.sign_in',
        'staff.user_create',
        'staff.user_update',
        'staff.sign_out',
        'staff.password_change',
      ]),
    )
  })

  it('a platform administrator creates an organization with its first admin', async () => {
    const platform = await signedIn(t.app, t.services, survey.organizationId, 'admin', true)
    await platform.get('/staff/organizations')
    const res = await platform.post('/staff/organizations', {
      slug: 'villa-nueva',
      name: 'Villa Nueva',
      source_language: 'fr',
      name_pt: 'Vila Nova',
      portuguese: 'pt-PT',
      admin_email: 'admin@villa-nueva.org',
      admin_password: 'first admin password',
    })
    expect(res.status).toBe(303)
    // Its citizens asking for plain Portuguese read Portugal's.
    const names = await t.services.db
      .selectFrom('organization')
      .select('names')
      .where('slug', '=', 'villa-nueva')
      .executeTakeFirstOrThrow()
    expect(names.names).toEqual({ pt: 'Vila Nova' })
    expect((await platform.get('/staff/organizations')).text).toMatch(
      /Villa Nueva <span class="meta">\(villa-nueva, fr, Português \(Portugal\)\)/,
    )
    const refused = await platform.post('/staff/organizations', {
      slug: 'villa-vieja',
      name: 'Villa Vieja',
      source_language: 'es',
      portuguese: 'pt-AO',
      admin_email: 'admin@villa-vieja.org',
      admin_password: 'first admin password',
    })
    expect(refused.status).toBe(400)
    const newAdmin = new StaffBrowser(t.app)
    expect((await newAdmin.signIn('admin@villa-nueva.org', 'first admin password')).status).toBe(303)
    const home = await newAdmin.get('/staff')
    expect(home.text).toContain('Villa Nueva')
    // A plain admin is not a platform administrator.
    expect((await newAdmin.get('/staff/organizations')).status).toBe(403)
  })

  it('an admin renames the organization per language and chooses its Portuguese, shown at once on public pages', async () => {
    const organization = await buildSurvey(t.services.db)
    const admin = await signedIn(t.app, t.services, organization.organizationId, 'admin')
    const before = await digest(t.services.db)
    const form = await admin.get('/staff/organization')
    expect(form.status).toBe(200)
    expect(form.text).toContain('<a href="/staff/organization">')
    // Bad input: a localized error, the typed values kept, nothing changed.
    const refused = await admin.post('/staff/organization', {
      name: 'X',
      name_fr: 'Ville d’Essai',
      portuguese: 'pt-AO',
    })
    expect(refused.status).toBe(400)
    expect(refused.text).toContain('class="error-summary"')
    expect(refused.text).toContain('value="Ville d’Essai"')
    expect(await digest(t.services.db)).toEqual(before)
    // Without the form's token: refused, nothing changed.
    const forged = await admin.agent
      .post('/staff/organization')
      .type('form')
      .send({ name: 'Forged', portuguese: 'pt-PT' })
    expect(forged.status).toBe(403)
    expect(await digest(t.services.db)).toEqual(before)

    const page = (lang: string) => request(t.app).get(`${organization.url}?lang=${lang}`)
    const survey = await page('fr')
    expect(survey.text).not.toContain('Ville d’Essai')
    const saved = await admin.post('/staff/organization', {
      name: 'Ciudad de Ensayo',
      name_fr: 'Ville d’Essai',
      name_pt: '',
      portuguese: 'pt-PT',
    })
    expect(saved.status).toBe(303)
    expect(saved.headers.location).toBe('/staff/organization?saved=1')
    const after = await admin.get('/staff/organization?saved=1')
    expect(after.text).toContain('Cambios guardados')
    expect(after.text).toContain('value="Ville d’Essai"')
    expect((await page('fr')).text).toContain('Ville d’Essai')
    expect((await page('es')).text).toContain('Ciudad de Ensayo')
    // Citizens asking for plain Portuguese now read Portugal's.
    expect((await page('pt')).text).toContain('<html lang="pt-PT">')
    const audit = await sql<{ action: string; details: { before: unknown; after: { names: unknown } } }>`
      select action, details from audit_log where organization_id = ${organization.organizationId}
      order by id desc limit 1`.execute(t.services.db)
    expect(audit.rows[0]).toMatchObject({
      action: 'organization.update',
      details: { after: { names: { fr: 'Ville d’Essai' } } },
    })
  })

  it('creates an organization and its first admin together, or neither', async () => {
    const platform = await signedIn(t.app, t.services, survey.organizationId, 'admin', true)
    await platform.get('/staff/organizations')
    // The admin's account cannot be written (a fault planted in the database): the organization,
    // written first, must not stay behind without anyone able to sign in to it.
    await withInsertsFailing(t.services.db, 'staff_user', async () => {
      const before = await digest(t.services.db, ['organization', 'staff_user', 'audit_log'])
      const res = await platform.post('/staff/organizations', {
        slug: 'villa-sola',
        name: 'Villa Sola',
        source_language: 'es',
        admin_email: 'admin@villa-sola.org',
        admin_password: 'first admin password',
      })
      expect(res.status).toBe(500)
      expect(await digest(t.services.db, ['organization', 'staff_user', 'audit_log'])).toEqual(before)
    })
  })
})
