import type { Server } from 'node:http'
import { pathToFileURL } from 'node:url'
import { createApp } from './app.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { DataFolderInUse } from './db/data-folder-lock.ts'
import { migrateToLatest } from './db/migrate.ts'
import { openServices, type Services } from './services.ts'

/** Migrates, builds and starts the app; returns a stop function that drains requests first. */
export async function startServer(
  config: Config,
  prepare?: (services: Services) => Promise<void>,
): Promise<{ server: Server; url: string; stop: () => Promise<void> }> {
  const services = openServices(config)
  await migrateToLatest(services.db)
  if (prepare) await prepare(services)
  const app = createApp(services, {
    production: config.env === 'production',
    trustProxy: config.trustProxy,
    submitRateLimit: config.submitRateLimit,
    publicUrl: config.publicUrl,
    comparisonOrigins: config.comparisonOrigins,
  })
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s))
    s.on('error', reject)
  })
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
  const url = `http://${shownHost}:${config.port}`
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      // Stop taking connections, let requests in flight finish their transactions, then close the database.
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      await services.db.destroy()
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
  try {
    const { url, stop } = await startServer(config, prepare)
    console.log(banner ? banner(url) : `Pulso is listening on ${url}`)
    const shutdown = () => {
      const forced = setTimeout(() => process.exit(1), 15_000)
      forced.unref()
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    }
    process.once('SIGTERM', shutdown)
    process.once('SIGINT', shutdown)
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
