import { parse } from 'csv-parse/sync'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurvey, type BuiltSurvey } from '../fixtures/survey-builder.ts'
import { signedIn, type StaffBrowser } from '../helpers/staff.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { cliInProcess } from '../helpers/cli.ts'

// A wave's strata are a list the staff define, so "san_blas" and "San Blas" are one stratum; letters
// carry the city's address, a deadline and the staff's own first paragraph per language (#19.2).
let t: TestApp
let survey: BuiltSurvey
let designer: StaffBrowser
const page = '/staff/series/perception/waves/2026/invitations'

beforeAll(async () => {
  t = await createTestApp()
  survey = await buildSurvey(t.services.db, { year: 2026 })
  designer = await signedIn(t.app, t.services, survey.organizationId, 'designer')
})
afterAll(() => t.close())

async function settings(fields: Record<string, string>) {
  await designer.get(page)
  return designer.post(`${page}/letter`, {
    strata: '',
    address: '',
    deadline: '',
    intro_es: '',
    intro_fr: '',
    intro_pt: '',
    ...fields,
  })
}

async function batch(fields: Record<string, string>) {
  const form = await designer.get(page)
  const requestKey = /name="request_key" value="([^"]+)"/.exec(form.text)![1]!
  return designer.post(page, {
    request_key: requestKey,
    format: 'csv',
    letter_language: 'es',
    count: '2',
    ...fields,
  })
}

describe('strata and letters', () => {
  it('refuses a list with the same stratum twice, a bad date or a long address, saying why', async () => {
    const twice = await settings({ strata: 'San Blas\nsan_blas' })
    expect(twice.status).toBe(400)
    expect(twice.text).toContain('Dos líneas son el mismo estrato escrito de otra forma')
    const date = await settings({ deadline: '30/06/2026' })
    expect(date.status).toBe(400)
    expect(date.text).toContain('Escriba una fecha como 2026-03-31')
    const long = await settings({ address: 'a\nb\nc\nd\ne\nf\ng' })
    expect(long.status).toBe(400)
    expect(long.text).toContain('La dirección tiene como máximo 6 líneas')
    const { rows } = await sql<{
      strata: string[]
    }>`select strata from wave where id = ${survey.waveId}`.execute(t.services.db)
    expect(rows[0]!.strata).toEqual([])
  })

  it('matches a typed stratum to the list, and refuses one not on it', async () => {
    const saved = await settings({
      strata: 'Centro\nSan Blas\n',
      address: 'Ayuntamiento de Ejemplo\nPlaza Mayor 1\n28001 Ejemplo',
      deadline: '2026-06-30',
      intro_fr: 'La Ville d’Exemple vous invite à donner votre avis sur son action internationale.',
    })
    expect(saved.status).toBe(303)
    expect(saved.headers.location).toBe(`${page}?saved=1#letter`)
    const form = await designer.get(page)
    expect(form.text).toMatch(
      /<select class="select" id="f-stratum" name="stratum"[^>]*>.*<option>Centro<\/option><option>San Blas<\/option>/,
    )

    const csv = await batch({ stratum: 'san_blas' })
    expect(csv.status).toBe(200)
    expect(parse<{ stratum: string }>(csv.text, { columns: true }).map((r) => r.stratum)).toEqual([
      'San Blas',
      'San Blas',
    ])
    const unknown = await batch({ stratum: 'Atlantis' })
    expect(unknown.status).toBe(400)
    expect(unknown.text).toContain('Elija un estrato de la lista de esta edición')

    // Strata with invitations stay on the list.
    const dropped = await settings({ strata: 'Centro' })
    expect(dropped.status).toBe(409)
    expect(dropped.text).toContain('deben seguir en la lista: San Blas')

    // The command line takes the list's strata only, as the staff wrote them.
    const folder = mkdtempSync(path.join(tmpdir(), 'pulso-strata-'))
    // The operator commands, in this process, on this app's database.
    const { run } = await cliInProcess({ db: t.services.db })
    const wave = [
      '--org',
      survey.url.split('/')[2]!,
      '--series',
      'perception',
      '--wave',
      '2026',
      '--count',
      '1',
    ]
    const refused = await run([
      'invitations:create',
      ...wave,
      '--stratum',
      'Norte',
      '--file',
      `${folder}/n.csv`,
    ])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain('"Norte" is not a stratum of wave 2026 (its strata: Centro, San Blas)')
    const made = await run([
      'invitations:create',
      ...wave,
      '--stratum',
      'CENTRO',
      '--file',
      `${folder}/c.csv`,
    ])
    expect(made.status).toBe(0)
    expect(readFileSync(`${folder}/c.csv`, 'utf8')).toContain(',Centro')
    rmSync(folder, { recursive: true, force: true })
  })

  it('prints letters in their language with the address, deadline and the staff’s paragraph, the page around them in the staff’s', async () => {
    await designer.get(`${page}?lang=es`)
    const letters = await batch({ stratum: 'Centro', format: 'letters', letter_language: 'fr' })
    expect(letters.status).toBe(200)
    expect(letters.text).toContain('<html lang="es">')
    expect(letters.text).toContain('Descargar los códigos en CSV')
    expect(letters.text.match(/<article class="letter" lang="fr">/g)).toHaveLength(2)
    expect(letters.text).toContain(
      '<address class="letter-address">Ayuntamiento de Ejemplo<br>Plaza Mayor 1<br>28001 Ejemplo<br></address>',
    )
    expect(letters.text).toContain('Vous pouvez répondre jusqu’au 30 juin 2026.')
    expect(letters.text).toContain(
      'La Ville d’Exemple vous invite à donner votre avis sur son action internationale.',
    )
    // Printing French letters leaves the staff area in Spanish.
    expect((await designer.get(page)).text).toContain('<html lang="es"')
    // Spanish letters without a paragraph of their own keep the standard one.
    const spanish = await batch({ stratum: 'Centro', format: 'letters', letter_language: 'es' })
    expect(spanish.text).toContain('le ha elegido al azar')
    expect(spanish.text).toContain('Puede responder hasta el 30 de junio de 2026.')
    // Portuguese letters in the Portuguese the organization chose.
    await sql`update organization set portuguese = 'pt-PT' where id = ${survey.organizationId}`.execute(
      t.services.db,
    )
    const portuguese = await batch({ stratum: 'Centro', format: 'letters', letter_language: 'pt' })
    expect(portuguese.text).toContain('<article class="letter" lang="pt-PT">')
  })
})
