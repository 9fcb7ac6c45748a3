import { sql } from 'kysely'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { digest } from '../helpers/digest.ts'
import { withInsertsFailing } from '../helpers/planted-fault.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
let evaluator: Awaited<ReturnType<typeof signedIn>>
const microdata = '/api/v1/series/fixture-city/perception/microdata.zip'

beforeAll(async () => {
  t = await createTestApp()
  fixture = await loadTrendFixture(t.services.db)
  evaluator = await signedIn(t.app, t.services, fixture.organizationId, 'evaluator')
})
afterAll(() => t.close())

async function makeToken(browser: StaffBrowser, name: string, days = '30') {
  await browser.get('/staff/tokens')
  const res = await browser.post('/staff/tokens', { name, days })
  expect(res.status).toBe(200)
  return /<code class="token">(pulso_[\w-]+)<\/code>/.exec(res.text)![1]!
}

const download = (token?: string) => {
  const req = request(t.app).get(microdata)
  return token ? req.set('Authorization', `Bearer ${token}`) : req
}

describe('personal API tokens for microdata', () => {
  it('are shown once, stored hashed, and open the microdata package', async () => {
    const token = await makeToken(evaluator, 'R on my laptop')
    const { rows } = await sql<{ token_hash: string }>`select token_hash from api_token`.execute(
      t.services.db,
    )
    expect(rows.map((r) => r.token_hash)).not.toContain(token)
    expect((await evaluator.get('/staff/tokens')).text).not.toContain(token)
    const res = await download(token)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/zip')
    expect(res.headers['cache-control']).toBe('private, no-store')
    const page = await evaluator.get('/staff/tokens')
    expect(page.text).toContain('R on my laptop')
    expect(page.text).not.toMatch(/<td>—<\/td><td><form/) // its last use is recorded
  })

  it('answer 401 without a token, with a wrong, revoked or expired one', async () => {
    for (const res of [
      await download(),
      await download('pulso_' + 'x'.repeat(43)),
      await download('nonsense'),
    ]) {
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="pulso"')
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    }
    const revoked = await makeToken(evaluator, 'to revoke')
    const page = await evaluator.get('/staff/tokens')
    const action = new RegExp(`action="(/staff/tokens/\\d+/revoke)"[^>]*>[^]*?Revocar to revoke`).exec(
      page.text,
    )![1]!
    expect((await evaluator.post(action)).status).toBe(303)
    expect((await download(revoked)).status).toBe(401)
    expect((await evaluator.get('/staff/tokens')).text).toContain('Revocado')

    const expired = await makeToken(evaluator, 'short lived', '1')
    await sql`update api_token set expires_at = now() - interval '1 minute' where name = 'short lived'`.execute(
      t.services.db,
    )
    expect((await download(expired)).status).toBe(401)
    expect((await evaluator.get('/staff/tokens')).text).toContain('Caducado')
  })

  it('open only their organization’s series, and stop with a disabled account', async () => {
    await loadTrendFixture(t.services.db, { slug: 'other-city' })
    const token = await makeToken(evaluator, 'scoped')
    const other = await request(t.app)
      .get('/api/v1/series/other-city/perception/microdata.zip')
      .set('Authorization', `Bearer ${token}`)
    expect(other.status).toBe(404)
    await sql`update staff_user set disabled_at = now() where email = ${evaluator.account.email}`.execute(
      t.services.db,
    )
    expect((await download(token)).status).toBe(401)
    await sql`update staff_user set disabled_at = null where email = ${evaluator.account.email}`.execute(
      t.services.db,
    )
  })

  it('refuse bad names and durations, and are not for facilitators', async () => {
    await evaluator.get('/staff/tokens')
    for (const fields of [
      { name: 'x', days: '30' },
      { name: 'fine name', days: '0' },
      { name: 'fine name', days: '400' },
    ]) {
      const res = await evaluator.post('/staff/tokens', fields)
      expect(res.status).toBe(400)
      expect(res.text).toContain('error-summary')
    }
    const facilitator = await signedIn(t.app, t.services, fixture.organizationId, 'facilitator')
    expect((await facilitator.get('/staff/tokens')).status).toBe(403)
  })
})

describe('a token and its audit entry', () => {
  it('are written together, or neither', async () => {
    await evaluator.get('/staff/tokens')
    // The audit entry cannot be written (a fault planted in the database): no token without it.
    await withInsertsFailing(t.services.db, 'audit_log', async () => {
      const before = await digest(t.services.db, ['api_token', 'audit_log'])
      expect((await evaluator.post('/staff/tokens', { name: 'lost', days: '30' })).status).toBe(500)
      expect(await digest(t.services.db, ['api_token', 'audit_log'])).toEqual(before)
    })
  })
})
