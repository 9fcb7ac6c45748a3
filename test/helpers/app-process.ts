import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '../..')
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits (up to two seconds) until `condition` holds: work a background task finishes just after. */
export async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await condition()); i++) await sleep(20)
}

/** A port nothing listens on now (the system's choice), for a server started in another process. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as import('node:net').AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

const logWritten = new WeakMap<ChildProcess, Promise<unknown>>()

/**
 * The process's exit status, once everything it said is in its log file: 'exit' alone can come
 * before the last lines have crossed the pipe.
 */
export async function exitOf(child: ChildProcess): Promise<number | null> {
  const code =
    child.exitCode ?? (await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))))
  await logWritten.get(child)
  return code
}

/**
 * The app as production runs it, in a process of its own on `port` (so it can be killed), with
 * submission limits out of the way of a load; resolves once `/readyz` answers 200.
 * It opens the PostgreSQL server at `databaseUrl`, or else embedded PGlite in `dataDir`.
 * `logFile` keeps what it says on standard error, for when a fault teaches us something.
 */
export async function startAppProcess(
  options: { port: number; logFile?: string; env?: Record<string, string>; script?: string } & (
    { databaseUrl: string } | { dataDir: string }
  ),
): Promise<ChildProcess> {
  // With npm start's young generation (package.json): the load benchmark runs the app through here.
  const node = ['--max-semi-space-size=64', '--import', 'tsx']
  const child = spawn(process.execPath, [...node, options.script ?? 'src/server.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH!,
      NODE_ENV: 'production',
      PORT: String(options.port),
      HOST: '127.0.0.1',
      ...('databaseUrl' in options ? { DATABASE_URL: options.databaseUrl } : { DATA_DIR: options.dataDir }),
      SECRET: 'app-process-secret-app-process-secret!',
      SUBMIT_RATE_LIMIT: '100000000',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', options.logFile ? 'pipe' : 'ignore'],
  })
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: 'a' })
    child.stderr!.pipe(log)
    logWritten.set(child, new Promise<void>((resolve) => log.once('close', () => resolve())))
  }
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
    try {
      if ((await fetch(`http://127.0.0.1:${options.port}/readyz`)).status === 200) return child
    } catch {
      // not listening yet
    }
  }
  child.kill('SIGKILL')
  throw new Error('the app did not start')
}

/** Signs in on a running app as a browser would (form token and cookie): the answer's status and the cookies. */
export async function signInOver(base: string, email: string, password: string) {
  const page = await fetch(`${base}/staff/sign-in`)
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!
  const res = await fetch(`${base}/staff/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email, password }),
  })
  return {
    status: res.status,
    cookie: [...res.headers.getSetCookie().map((c) => c.split(';')[0]), cookie].join('; '),
  }
}
