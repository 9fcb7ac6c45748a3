import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs'
import path from 'node:path'

/** Another live process holds the embedded database's folder. */
export class DataFolderInUse extends Error {}

const LOCK_FILE = 'pulso.lock'

interface Holder {
  pid: number
  holder: string
  since: string
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readHolder(file: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Holder
    return Number.isInteger(parsed.pid) ? parsed : undefined
  } catch {
    return undefined
  }
}

/**
 * Claims the embedded database's folder for this process (PGlite is one process, one connection: a
 * second process would write to a copy nobody else sees, and lose it). A lock left by a process that
 * died is taken over. Answers the function that gives the folder back.
 */
export function lockDataFolder(dataDir: string, holder: string): () => void {
  mkdirSync(dataDir, { recursive: true })
  const file = path.join(dataDir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number
    try {
      fd = openSync(file, 'wx')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const current = readHolder(file)
      if (current && current.pid !== process.pid && isAlive(current.pid))
        throw new DataFolderInUse(
          `the embedded database in ${path.resolve(dataDir)} is in use by ${current.holder} ` +
            `(process ${current.pid}, since ${current.since}). Stop it first (Ctrl+C where it runs), ` +
            'then run this again; to run commands while Pulso serves, use a PostgreSQL server (DATABASE_URL).',
        )
      // Left by a process that is gone (killed, or the machine restarted): take it over.
      unlinkSync(file)
      continue
    }
    writeSync(fd, JSON.stringify({ pid: process.pid, holder, since: new Date().toISOString() }))
    closeSync(fd)
    let released = false
    const release = () => {
      if (released) return
      released = true
      process.off('exit', release)
      if (readHolder(file)?.pid === process.pid) unlinkSync(file)
    }
    process.on('exit', release)
    return release
  }
  throw new DataFolderInUse(`could not claim the embedded database in ${path.resolve(dataDir)}`)
}
