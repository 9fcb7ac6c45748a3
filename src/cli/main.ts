import { readSecret } from './read-secret.ts'
import { runCommand } from './run.ts'

// Operator commands on the app's own database configuration: `npm run cli -- COMMAND --flag value`.
process.exit(
  await runCommand(process.argv.slice(2), {
    env: process.env,
    out: (text) => console.log(text),
    err: (text) => console.error(text),
    readSecret,
    progress: (text) => process.stderr.write(text),
  }),
)
