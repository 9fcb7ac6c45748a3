import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signInOver, freePort } from '../helpers/app-process.ts'
import { testDatabaseUrl } from '../helpers/test-database.ts'

// The README's PostgreSQL path, followed as a newcomer would: its commands, verbatim, from an empty
// database to a signed-in administrator; then `npm run demo` on another empty database.
const root = path.resolve(import.meta.dirname, '../..')
const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
const section = readme.slice(readme.indexOf('### Using a real PostgreSQL server'))
const commands = /```sh\n([\s\S]*?)```/.exec(section)![1]!.trim().split('\n')
const databases: string[] = []
let admin: pg.Client

/** A fresh database on the test server (what `createdb` does), and its address. */
async function createdb(): Promise<string> {
  const name = `pulso_readme_${randomBytes(4).toString('hex')}`
  await admin.query(`create database ${name}`)
  databases.push(name)
  const url = new URL(testDatabaseUrl!)
  url.pathname = `/${name}`
  return url.toString()
}

/** An npm command's words, as the shell splits them (double quotes only). */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)

/** Starts `npm <args>` in its own process group; resolves once it prints `ready`. */
async function serve(args: string[], env: Record<string, string>, ready: string) {
  const child = spawn('npm', args, {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? tmpdir(), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  for (const started = Date.now(); !output.includes(ready) && Date.now() - started < 60_000;)
    await new Promise((r) => setTimeout(r, 200))
  return {
    output: () => output,
    stop: async () => {
      process.kill(-child.pid!, 'SIGTERM')
      return exited
    },
  }
}

describe.skipIf(!testDatabaseUrl)('the README’s PostgreSQL path', () => {
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: testDatabaseUrl })
    await admin.connect()
  })
  afterAll(async () => {
    for (const name of databases) await admin.query(`drop database if exists ${name} with (force)`)
    await admin.end()
  })

  it('gets from createdb to a signed-in platform administrator', { timeout: 240_000 }, async () => {
    expect(commands[0]).toBe('createdb pulso')
    expect(commands[1]).toMatch(/^export DATABASE_URL=postgres:\/\//)
    expect(commands.slice(-2)).toEqual(['npm run build', 'npm start'])
    // What it starts is the build, with plain Node: no TypeScript loader in production.
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
      dependencies: Record<string, string>
    }
    expect(manifest.scripts.start).toBe('node --max-semi-space-size=64 dist/server.js')
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx')
    const env = { DATABASE_URL: await createdb() }
    const password = 'lighthouse orchard ferry'
    let email = ''
    for (const line of commands.slice(2, -1)) {
      const [npm, ...args] = words(line)
      expect(npm).toBe('npm')
      if (args.includes('user:create')) email = args[args.indexOf('--email') + 1]!
      const result = spawnSync('npm', ['--silent', ...args], {
        cwd: root,
        env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? tmpdir(), ...env },
        input: `${password}\n`,
        encoding: 'utf8',
        timeout: 150_000,
      })
      expect(result.stderr, line).toBe('')
      expect(result.status, line).toBe(0)
    }
    const port = String(await freePort())
    const server = await serve(['start'], { ...env, PORT: port }, 'Pulso is listening')
    try {
      const base = `http://127.0.0.1:${port}`
      const signedIn = await signInOver(base, email, password)
      expect(signedIn.status).toBe(303)
      const staff = signedIn.cookie
      const organizations = await fetch(`${base}/staff/organizations`, { headers: { cookie: staff } })
      expect(organizations.status).toBe(200)
      expect(await organizations.text()).toContain('Mi Ciudad')
    } finally {
      // npm itself is stopped by the signal too (no exit code); the server under it exits 0.
      expect([0, null]).toContain(await server.stop())
    }
  })

  it('runs `npm run demo` on PostgreSQL too', { timeout: 120_000 }, async () => {
    expect(section).toContain('`npm run demo` with `DATABASE_URL` set')
    const port = String(await freePort())
    const demo = await serve(['run', 'demo'], { DATABASE_URL: await createdb(), PORT: port }, 'Press Ctrl+C')
    try {
      expect(demo.output()).toContain('Demo data loaded: 4600 synthetic responses')
      expect((await fetch(`http://127.0.0.1:${port}/s/ciudad-ejemplo/percepcion`)).status).toBe(200)
    } finally {
      await demo.stop()
    }
  })
})
