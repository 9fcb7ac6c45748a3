import type { Server } from 'node:http'
import { pathToFileURL } from 'node:url'
import { createApp } from './app.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { DataFolderInUse } from './db/data-folder-lock.ts'
import { migrateToLatest } from './db/migrate.ts'
import { createLogger, type Logger } from './logger.ts'
import { startTallyKeeper } from './results/tally-keeper.ts'
import { createTranslator } from './i18n/i18n.ts'
import { startMailSender } from './mail/mail-sender.ts'
import { openServices, type Services } from './services.ts'

/** Migrates, builds and starts the app; returns a stop function that drains requests first. */
export async function startServer(
  config: Config,
  prepare?: (services: Services) => Promise<void>,
  logger: Logger = createLogger({ level: config.logLevel }),
): Promise<{ server: Server; url: string; stop: () => Promise<void> }> {
  const services = openServices(config, logger)
  await migrateToLatest(services.db)
  if (prepare) await prepare(services)
  const tallies = startTallyKeeper(services.db, logger)
  const mailSender = config.mail
    ? startMailSender(services.mail, config.mail, createTranslator({ strict: false }), logger)
    : undefined
  const app = createApp(services, {
    production: config.env === 'production',
    trustProxy: config.trustProxy,
    submitRateLimit: config.submitRateLimit,
    publicUrl: config.publicUrl,
    mailConfigured: config.mail !== undefined,
    comparisonOrigins: config.comparisonOrigins,
    logger,
    logRequests: config.logRequests,
  })
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s))
    s.on('error', reject)
  })
  // A client gets 20 s to send its headers and 120 s for the whole request (an XLSForm upload on a
  // slow line), so stalled connections (slowloris) do not pile up.
  server.headersTimeout = 20_000
  server.requestTimeout = 120_000
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
  const url = `http://${shownHost}:${config.port}`
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      // Not ready at once (a load balancer stops sending), still serving for the delay; then stop
      // taking connections, let requests in flight finish their transactions, and close the database.
      app.locals.draining = true
      logger.info({ delaySeconds: config.shutdownDelaySeconds }, 'stopping')
      if (config.shutdownDelaySeconds > 0)
        await new Promise((resolve) => setTimeout(resolve, config.shutdownDelaySeconds * 1000))
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      await tallies.stop()
      await mailSender?.stop()
      await services.resultsChanges?.close()
      await services.db.destroy()
      logger.info('stopped')
    })())
  return { server, url, stop }
}

/** Runs until SIGTERM or SIGINT; a configuration error exits with one line and status 2. */
export async function main(
  prepare?: (services: Services) => Promise<void>,
  banner?: (url: string) => string,
) {
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Pulso: invalid configuration: ${error.message}`)
      process.exit(2)
    }
    throw error
  }
  const logger = createLogger({ level: config.logLevel })
  let starting: ReturnType<typeof startServer> | undefined
  // A failure while the server is still starting waits for it to listen, then stops it the same way.
  const shutdown = (code: number) => {
    const forced = setTimeout(() => process.exit(1), 15_000 + config.shutdownDelaySeconds * 1000)
    forced.unref()
    ;(starting ?? Promise.reject(new Error('not started')))
      .then((started) => started.stop())
      .then(
        () => process.exit(code),
        () => process.exit(1),
      )
  }
  // A promise nobody awaited, or an exception nobody caught: logged, then a clean stop with status 1.
  process.once('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection; stopping')
    shutdown(1)
  })
  process.once('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; stopping')
    shutdown(1)
  })
  try {
    starting = startServer(config, prepare, logger)
    const started = await starting
    console.log(banner ? banner(started.url) : `Pulso is listening on ${started.url}`)
    process.once('SIGTERM', () => shutdown(0))
    process.once('SIGINT', () => shutdown(0))
  } catch (error) {
    if (error instanceof DataFolderInUse) {
      console.error(`Pulso: ${error.message}`)
      process.exit(2)
    }
    console.error(`Pulso could not start: ${(error as Error).message}`)
    process.exit(1)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
