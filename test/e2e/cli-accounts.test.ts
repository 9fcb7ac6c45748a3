import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliDatabase, cliInProcess, runCli } from '../helpers/cli.ts'

let database: Awaited<ReturnType<typeof cliInProcess>>
beforeAll(async () => {
  database = await cliInProcess()
})
afterAll(() => database.cleanup())
const createRioClaro = ['org:create', '--slug', 'rio-claro', '--name', 'Rio Claro', '--source-lang', 'pt']

describe('operators create organizations and their first admin from the command line', () => {
  it(
    'creates an organization, then its admin with the password from stdin; bad input exits non-zero and changes nothing',
    { timeout: 120_000 },
    async () => {
      const org = await database.run(createRioClaro)
      expect(org.stderr).toBe('')
      expect(org.status).toBe(0)
      expect(org.stdout).toContain('Created organization "Rio Claro" (rio-claro, source language pt).')

      const again = await database.run(['org:create', '--slug', 'rio-claro', '--name', 'Rio Claro'])
      expect(again.status).toBe(2)
      expect(again.stderr).toBe('org:create: --slug: the organization "rio-claro" already exists')

      const badLanguage = await database.run([
        'org:create',
        '--slug',
        'outra',
        '--name',
        'Outra',
        '--source-lang',
        'en',
      ])
      expect(badLanguage.status).toBe(2)
      expect(badLanguage.stderr).toContain('--source-lang: must be es, fr or pt')

      const unknownFlag = await database.run([
        'user:create',
        '--org',
        'rio-claro',
        '--email',
        'a@b.org',
        '--role',
        'admin',
        '--password',
        'x',
      ])
      expect(unknownFlag.status).toBe(2)
      expect(unknownFlag.stderr).toContain("Unknown option '--password'")

      const shortPassword = await database.run(
        ['user:create', '--org', 'rio-claro', '--email', 'admin@rio.org', '--role', 'admin'],
        'short\n',
      )
      expect(shortPassword.status).toBe(2)
      expect(shortPassword.stderr).toContain('the password must have 12 to 200 characters')
      const weakPassword = await database.run(
        ['user:create', '--org', 'rio-claro', '--email', 'admin@rio.org', '--role', 'admin'],
        'password1234\n',
      )
      expect(weakPassword.status).toBe(2)
      expect(weakPassword.stderr).toContain('the password is too easy to guess')

      const user = await database.run(
        ['user:create', '--org', 'rio-claro', '--email', 'admin@rio.org', '--role', 'admin'],
        'a long admin password\n',
      )
      expect(user.status).toBe(0)
      expect(user.stdout).toBe('Created admin admin@rio.org in rio-claro.')

      const noOrg = await database.run(
        ['user:create', '--org', 'nowhere', '--email', 'x@rio.org', '--role', 'designer'],
        'a long admin password\n',
      )
      expect(noOrg.status).toBe(2)
      expect(noOrg.stderr).toContain('no organization "nowhere"')
    },
  )

  it('stored one organization and one hashed account', async () => {
    const db = database.db()
    const orgs = await sql<{
      slug: string
      source_language: string
    }>`select slug, source_language from organization`.execute(db)
    expect(orgs.rows).toEqual([{ slug: 'rio-claro', source_language: 'pt' }])
    const users = await sql<{
      email: string
      role: string
      password_hash: string
    }>`select email, role, password_hash from staff_user`.execute(db)
    expect(users.rows).toHaveLength(1)
    expect(users.rows[0]).toMatchObject({ email: 'admin@rio.org', role: 'admin' })
    expect(users.rows[0]!.password_hash).toMatch(/^scrypt\$/)
    expect(users.rows[0]!.password_hash).not.toContain('a long admin password')
  })

  // The one test that runs the real command in a process of its own, as `npm run cli` does: flags
  // from argv, the password from a pipe, messages on stdout and stderr, the exit status.
  it(
    'runs as a process of its own, reading the password from standard input',
    { timeout: 120_000 },
    async () => {
      const own = await cliDatabase()
      try {
        const org = runCli(own.env, createRioClaro)
        expect(org).toMatchObject({ status: 0, stderr: '' })
        const user = runCli(
          own.env,
          ['user:create', '--org', 'rio-claro', '--email', 'admin@rio.org', '--role', 'admin'],
          'a long admin password\n',
        )
        expect(user).toMatchObject({
          status: 0,
          stdout: 'Created admin admin@rio.org in rio-claro.',
          stderr: '',
        })
        const unknown = runCli(own.env, ['no:such-command'])
        expect(unknown.status).toBe(2)
        expect(unknown.stderr).toContain('Usage: npm run cli -- COMMAND [flags]')
      } finally {
        await own.cleanup()
      }
    },
  )
})
