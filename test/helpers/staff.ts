import type { Express } from 'express'
import request from 'supertest'
import { expect } from 'vitest'
import type { StaffRole } from '../../src/db/schema.ts'
import type { Services } from '../../src/services.ts'
import { csrfToken } from './test-app.ts'
import { formBody } from './respondent.ts'

type Fields = Record<string, string | string[]>

/** A staff member at their browser: signed in, cookies kept, forms posted with the page's token. */
export class StaffBrowser {
  readonly agent: ReturnType<typeof request.agent>
  token = ''
  /** `address`: the client's address as a proxy reports it (for apps that trust one). */
  constructor(
    readonly app: Express,
    readonly address?: string,
  ) {
    this.agent = request.agent(app)
    if (address) this.agent.set('X-Forwarded-For', address)
  }

  async get(url: string) {
    const response = await this.agent.get(url)
    if (/name="_csrf"/.test(response.text)) this.token = csrfToken(response.text)
    return response
  }

  async post(url: string, fields: Fields = {}) {
    return this.agent
      .post(url)
      .type('form')
      .send(formBody({ _csrf: this.token, ...fields }))
  }

  async signIn(email: string, password: string) {
    await this.get('/staff/sign-in')
    const res = await this.post('/staff/sign-in', { email, password })
    if (res.status === 303) await this.get('/staff')
    return res
  }
}

let counter = 0

/** Creates a staff account in an organization and returns its credentials. */
export async function createStaff(
  services: Services,
  organizationId: number,
  role: StaffRole,
  isPlatformAdmin = false,
) {
  counter += 1
  const email = `${role}${counter}@example.org`
  const password = `correct horse ${role} ${counter}`
  const created = await services.staff.createUser(null, {
    organizationId,
    email,
    role,
    isPlatformAdmin,
    password,
  })
  expect(created.ok).toBe(true)
  return { email, password, role }
}

/** A browser signed in as a new account with this role. */
export async function signedIn(
  app: Express,
  services: Services,
  organizationId: number,
  role: StaffRole,
  isPlatformAdmin = false,
) {
  const account = await createStaff(services, organizationId, role, isPlatformAdmin)
  const browser = new StaffBrowser(app)
  const res = await browser.signIn(account.email, account.password)
  expect(res.status).toBe(303)
  return Object.assign(browser, { account })
}
