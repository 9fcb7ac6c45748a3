import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from '../config.ts'
import { DataFolderInUse } from '../db/data-folder-lock.ts'
import { openDatabase } from '../db/database.ts'
import { migrateToLatest } from '../db/migrate.ts'
import { databaseTarget } from '../services.ts'
import { commands, CliError } from './commands.ts'

// Operator commands on the app's own database configuration: `npm run cli -- COMMAND --flag value`.
const [name, ...rest] = process.argv.slice(2)
const command = name ? commands[name] : undefined
if (!command) {
  console.error(
    `Usage: npm run cli -- COMMAND [flags]\nCommands:\n${Object.entries(commands)
      .map(([n, c]) => `  ${n} ${c.usage}`)
      .join('\n')}`,
  )
  process.exit(2)
}

let exitCode = 0
try {
  const { values } = parseArgs({
    args: rest,
    options: command.options,
    strict: true,
    allowPositionals: false,
  })
  const config = loadConfig()
  const db = openDatabase(databaseTarget(config, `the operator command ${name}`))
  try {
    await migrateToLatest(db)
    console.log(await command.run(db, values as Record<string, string | boolean | undefined>))
  } finally {
    await db.destroy()
  }
} catch (error) {
  if (
    error instanceof CliError ||
    error instanceof ConfigError ||
    error instanceof DataFolderInUse ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    console.error(`${name}: ${(error as Error).message}`)
    exitCode = 2
  } else {
    console.error(`${name} failed: ${(error as Error).message}`)
    exitCode = 1
  }
}
process.exit(exitCode)
