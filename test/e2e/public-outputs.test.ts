import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setAccessMode } from '../../src/invitations/invitations.repository.ts'
import { makeInvitations } from '../../src/invitations/invitations.service.ts'
import { loadTrendFixture } from '../fixtures/trends/load.ts'
import { Respondent } from '../helpers/respondent.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

let t: TestApp
let fixture: Awaited<ReturnType<typeof loadTrendFixture>>
const api = '/api/v1/series/fixture-city/perception'

beforeAll(async () => {
  t = await createTestApp()
  // 2023 and 2024 are published; 2025 is being answered, by open link and by invitation.
  fixture = await loadTrendFixture(t.services.db, { statuses: { 2025: 'open' } })
  await setAccessMode(t.services.db, fixture.waveIds[2025]!, 'both')
})
afterAll(() => t.close())

/** Everything anybody may read without signing in, about this series. */
const publicAddresses = [
  '/api/v1/series',
  api,
  `${api}/trends`,
  `${api}/trends?ci=wald`,
  ...['district', 'age_band', 'gender', 'language'].map((by) => `${api}/trends?breakdown=${by}`),
  '/s/fixture-city/perception/results',
  ...['district', 'age_band', 'gender', 'language'].map(
    (by) => `/s/fixture-city/perception/results?by=${by}`,
  ),
]

async function publicOutputs(): Promise<Map<string, string>> {
  const seen = new Map<string, string>()
  for (const address of publicAddresses) {
    const res = await request(t.app).get(address)
    expect(res.status, address).toBe(200)
    // Form tokens differ from one page view to the next; nothing else may.
    seen.set(address, res.text.replace(/name="_csrf" value="[^"]+"/g, ''))
  }
  return seen
}

describe('an open wave stays out of every public output', () => {
  it('changes no public page, API answer or trend file while it is answered', async () => {
    const before = await publicOutputs()
    for (const output of before.values()) expect(output).not.toContain('2025')

    // Invitations are made and used, and citizens answer the open wave by link and by code.
    const batch = await makeInvitations(t.services.db, {
      waveId: fixture.waveIds[2025]!,
      count: 3,
      stratum: 'centro',
      createdBy: null,
    })
    const invited = new Respondent(t.app, fixture.url)
    await invited.get(fixture.url)
    const entered = await invited.post(`${fixture.url}/code`, { code: batch!.codes[0]! })
    expect(entered.status).toBe(303)
    const byLink = new Respondent(t.app, fixture.url)
    for (const [citizen, first] of [
      [byLink, await byLink.start()],
      [invited, entered.headers.location!],
    ] as const) {
      const second = await citizen.answer(first, { interest: '5', aware: 'yes', benefit: '9' })
      expect(second.status).toBe(303)
      const done = await citizen.answer(second.headers.location!, {
        district: 'centro',
        age_band: '30_44',
        gender: 'woman',
      })
      expect(done.status).toBe(303)
    }

    const after = await publicOutputs()
    for (const address of publicAddresses) expect(after.get(address), address).toBe(before.get(address))
  })
})
