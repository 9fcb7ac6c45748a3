import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort } from '../helpers/app-process.ts'

const root = path.resolve(import.meta.dirname, '../..')

describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))(
  'the README’s first command (embedded database only)',
  () => {
    it(
      '`npm run demo` serves the demo city on the embedded database, prints the logins, and stops cleanly',
      { timeout: 120_000 },
      async () => {
        const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-demo-'))
        const port = String(await freePort())
        const child = spawn('npm', ['run', 'demo'], {
          cwd: root,
          env: {
            PATH: process.env.PATH!,
            HOME: process.env.HOME ?? tmpdir(),
            DATA_DIR: dataDir,
            PORT: port,
            HOST: '127.0.0.1',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        })
        let output = ''
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
        try {
          const started = Date.now()
          while (!output.includes('Press Ctrl+C to stop') && Date.now() - started < 90_000) {
            await new Promise((r) => setTimeout(r, 250))
          }
          expect(output).toContain(`Pulso demo is running at http://127.0.0.1:${port}`)
          expect(output).toContain('Demo data loaded: 4600 synthetic responses')
          expect(output).toMatch(/designer\s+designer@ciudad-ejemplo\.org\s+password: demo-designer-pulso/)
          expect(output).toMatch(
            /Invitation codes to try \(one response each\): [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}, /,
          )
          const survey = await fetch(`http://127.0.0.1:${port}/s/ciudad-ejemplo/percepcion`)
          expect(survey.status).toBe(200)
          expect(await survey.text()).toContain('Percepción de la acción internacional de la ciudad')
          // The results' address is printed too, and answers.
          expect(output).toContain(`http://127.0.0.1:${port}/s/ciudad-ejemplo/percepcion/results`)
          const results = await fetch(`http://127.0.0.1:${port}/s/ciudad-ejemplo/percepcion/results?lang=pt`)
          expect(await results.text()).toContain('Conhece a ação internacional da cidade')
          expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200)
        } finally {
          process.kill(-child.pid!, 'SIGTERM')
          const code = await exited
          rmSync(dataDir, { recursive: true, force: true })
          expect(code === 0 || code === null).toBe(true)
        }
      },
    )
  },
)
