import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, type Config } from '../config.ts'
import { DataFolderInUse } from '../db/data-folder-lock.ts'
import { openDatabase, type Db } from '../db/database.ts'
import { migrateToLatest } from '../db/migrate.ts'
import { createServices, databaseTarget } from '../services.ts'
import { commands, CliError } from './commands.ts'

/** What a command may use besides its database: the configuration and the operator's terminal. */
export interface CommandContext {
  config: Config
  /** A password: hidden at a prompt, or the first line of standard input. */
  readSecret: (prompt: string) => Promise<string>
  /** A progress line for long imports (standard error, overwritten in place). */
  progress: (text: string) => void
}

export interface CommandIo {
  env: NodeJS.ProcessEnv
  out: (text: string) => void
  err: (text: string) => void
  readSecret: (prompt: string) => Promise<string>
  progress: (text: string) => void
  /** An open database to run on instead of the configured one (tests share theirs). */
  db?: Db
}

/**
 * One operator command, `COMMAND --flag value`, from its words to its exit status: 0 done, 2 refused
 * (bad flags, bad input, bad configuration, a data folder in use), 1 failed. `npm run cli` runs it
 * in its own process; the tests run it in theirs.
 */
export async function runCommand(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv
  const command = name ? commands[name] : undefined
  if (!command) {
    io.err(
      `Usage: npm run cli -- COMMAND [flags]\nCommands:\n${Object.entries(commands)
        .map(([n, c]) => `  ${n} ${c.usage}`)
        .join('\n')}`,
    )
    return 2
  }
  try {
    const { values } = parseArgs({
      args: rest,
      options: command.options,
      strict: true,
      allowPositionals: false,
    })
    const config = loadConfig(io.env)
    const context: CommandContext = { config, readSecret: io.readSecret, progress: io.progress }
    const db = io.db ?? openDatabase(databaseTarget(config, `the operator command ${name}`))
    try {
      await migrateToLatest(db)
      io.out(await command.run(createServices(db), values, context))
    } finally {
      if (!io.db) await db.destroy()
    }
    return 0
  } catch (error) {
    if (
      error instanceof CliError ||
      error instanceof ConfigError ||
      error instanceof DataFolderInUse ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`${name}: ${(error as Error).message}`)
      return 2
    }
    io.err(`${name} failed: ${(error as Error).message}`)
    return 1
  }
}
