import { z } from 'zod'
import type { MailSettings } from './mail/mail-sender.ts'

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1')

const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce
    .number({ error: 'must be a whole number from 1 to 65535' })
    .int('must be a whole number from 1 to 65535')
    .min(1, 'must be a whole number from 1 to 65535')
    .max(65535, 'must be a whole number from 1 to 65535')
    .default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  TRUST_PROXY: z.string().default('false'),
  SUBMIT_RATE_LIMIT: z.coerce.number({ error: 'must be a whole number' }).int().min(1).default(300),
  SUBMIT_RATE_WINDOW_MINUTES: z.coerce.number({ error: 'must be a whole number' }).int().min(1).default(15),
  LOG_REQUESTS: booleanFromEnv.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'),
  STATEMENT_TIMEOUT_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds (0: no limit)' })
    .int()
    .min(0)
    .default(30),
  SHUTDOWN_DELAY_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds' })
    .int()
    .min(0)
    .max(120)
    .default(0),
  COMPARISON_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^https?:\/\/[^/\s]+$/,
            'must be origins like https://encuesta.otraciudad.org, separated by commas',
          ),
      ),
    ),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be like smtp://user:password@mail.ciudad.org:587 or smtps://…')
    .optional(),
  MAIL_FROM: z
    .string()
    .regex(
      /^[^\n]*[^\s<>@]+@[^\s<>@]+[^\n]*$/,
      'must be an address, e.g. "Ciudad de Ejemplo <encuesta@ciudad.org>"',
    )
    .optional(),
  MAIL_RATE_PER_MINUTE: z.coerce
    .number({ error: 'must be a whole number of messages per minute' })
    .int('must be a whole number of messages per minute')
    .min(1, 'must be a whole number of messages per minute')
    .max(100_000, 'must be a whole number of messages per minute')
    .default(60),
  PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^/\s]+$/, 'must be like https://encuesta.ciudad.org (no path, no trailing slash)')
    .optional(),
})

export type Config = {
  env: 'development' | 'production' | 'test'
  port: number
  host: string
  /** Set: a real PostgreSQL server; unset: embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined
  dataDir: string
  /** Signs CSRF tokens; must be shared by every instance behind one address. */
  secret: string | undefined
  trustProxy: string
  submitRateLimit: { limit: number; windowMs: number }
  /** Log every request (LOG_REQUESTS); failures and outages are always logged. */
  logRequests: boolean
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent'
  /** Longest a query of the server may run (PostgreSQL's statement_timeout); 0: no limit. */
  statementTimeoutSeconds: number
  /** After SIGTERM, how long /readyz says 503 while requests are still served, before closing. */
  shutdownDelaySeconds: number
  /** The address citizens use, printed on invitation letters; unset: the address of the request. */
  publicUrl: string | undefined
  /** Origins whose published trend files evaluators may add by address (none: upload only). */
  comparisonOrigins: string[]
  /** Where invitations and reminders are sent from (SMTP_URL, MAIL_FROM); unset: no email. */
  mail: MailSettings | undefined
}

/** Reads and validates the environment; the only place in Pulso that touches process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`)
  }
  const c = parsed.data
  if (c.NODE_ENV === 'production' && !c.SECRET) {
    throw new ConfigError(
      'SECRET: required in production (at least 32 characters, the same on every instance)',
    )
  }
  if (c.SMTP_URL && !c.MAIL_FROM)
    throw new ConfigError('MAIL_FROM: required with SMTP_URL, e.g. "Ciudad de Ejemplo <encuesta@ciudad.org>"')
  return {
    env: c.NODE_ENV,
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    dataDir: c.DATA_DIR,
    secret: c.SECRET,
    trustProxy: c.TRUST_PROXY,
    submitRateLimit: { limit: c.SUBMIT_RATE_LIMIT, windowMs: c.SUBMIT_RATE_WINDOW_MINUTES * 60_000 },
    logRequests: c.LOG_REQUESTS,
    logLevel: c.LOG_LEVEL,
    statementTimeoutSeconds: c.STATEMENT_TIMEOUT_SECONDS,
    shutdownDelaySeconds: c.SHUTDOWN_DELAY_SECONDS,
    publicUrl: c.PUBLIC_URL,
    comparisonOrigins: c.COMPARISON_ORIGINS,
    mail:
      c.SMTP_URL && c.MAIL_FROM
        ? { smtpUrl: c.SMTP_URL, from: c.MAIL_FROM, ratePerMinute: c.MAIL_RATE_PER_MINUTE }
        : undefined,
  }
}

/** A configuration mistake, reported as one line before the process exits. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}
