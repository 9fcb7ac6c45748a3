import type { Express } from 'express'
import request from 'supertest'
import { expect } from 'vitest'
import { csrfToken } from './test-app.ts'

type Fields = Record<string, string | string[]>

/** A citizen with a browser of their own: cookies kept, forms posted with their CSRF token. */
export class Respondent {
  readonly agent: ReturnType<typeof request.agent>
  token = ''

  constructor(
    app: Express,
    readonly surveyUrl: string,
    readonly language?: 'es' | 'fr' | 'pt' | 'pt-BR' | 'pt-PT',
  ) {
    this.agent = request.agent(app)
  }

  private withLanguage(url: string) {
    return this.language ? `${url}${url.includes('?') ? '&' : '?'}lang=${this.language}` : url
  }

  async get(url: string) {
    const response = await this.agent.get(this.withLanguage(url))
    if (/name="_csrf"/.test(response.text)) this.token = csrfToken(response.text)
    return response
  }

  async post(url: string, fields: Fields = {}) {
    return this.agent
      .post(url)
      .type('form')
      .send(formBody({ _csrf: this.token, ...fields }))
  }

  /**
   * Sends a page that is refused: the answer is a redirect back to the same page (Post/Redirect/Get),
   * which shows what was typed with its errors; returns that page.
   */
  async postRefused(url: string, fields: Fields = {}) {
    const sent = await this.post(url, fields)
    expect(sent.status, sent.text).toBe(303)
    expect(sent.headers.location).toBe(url.replace(/\?.*$/, ''))
    const shown = await this.get(url)
    expect(shown.status).toBe(200)
    return shown
  }

  /** Like answer(), for a page whose answers are refused; returns the page shown again with its errors. */
  async answerRefused(pageUrl: string, answers: Fields) {
    const page = await this.get(pageUrl)
    expect(page.status).toBe(200)
    const fields = Object.fromEntries(Object.entries(answers).map(([code, value]) => [`a_${code}`, value]))
    return this.postRefused(pageUrl, fields)
  }

  /** Opens the landing page and presses Start; returns the first question page's address. */
  async start(): Promise<string> {
    const landing = await this.get(this.surveyUrl)
    expect(landing.status).toBe(200)
    const started = await this.post(`${this.surveyUrl}/start`)
    expect(started.status).toBe(303)
    return started.headers.location!
  }

  /** Loads a question page and submits it with these answers (field names are question codes). */
  async answer(pageUrl: string, answers: Fields) {
    const page = await this.get(pageUrl)
    expect(page.status).toBe(200)
    const fields = Object.fromEntries(Object.entries(answers).map(([code, value]) => [`a_${code}`, value]))
    return this.post(pageUrl, fields)
  }
}

/** URL-encodes fields as a browser does: a repeated name for each value of a list. */
export function formBody(fields: Fields): string {
  const body = new URLSearchParams()
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) body.append(name, v)
  }
  return body.toString()
}
