import type { PGlite } from '@electric-sql/pglite'
import {
  CompiledQuery,
  PGliteDialect,
  type DatabaseConnection,
  type Driver,
  type TransactionSettings,
} from 'kysely'

/** Per embedded database: the queue of requests waiting for its single connection, and its search path. */
interface Shared {
  tail: Promise<void>
  searchPath: string | undefined
}
const sharedState = new WeakMap<object, Shared>()

/**
 * PGlite has a single connection; Kysely's driver lets a second request's query slip into another
 * request's open transaction. This driver queues connection use so each request has it alone, and
 * (for tests that share one embedded database) switches the search path to its own schema.
 */
export class SerializedPGliteDialect extends PGliteDialect {
  // The instance, or the function that opens it: the key of the queue its connections share.
  readonly #pglite: PGlite | (() => Promise<PGlite>)
  readonly #searchPath: string | undefined
  readonly #onDestroy: (() => void) | undefined

  constructor(config: {
    pglite: PGlite | (() => Promise<PGlite>)
    searchPath?: string | undefined
    /** Runs once the database is closed (gives the data folder back). */
    onDestroy?: () => void
  }) {
    super({ pglite: config.pglite })
    this.#pglite = config.pglite
    this.#searchPath = config.searchPath
    this.#onDestroy = config.onDestroy
  }

  override createDriver(): Driver {
    let shared = sharedState.get(this.#pglite)
    if (!shared) {
      shared = { tail: Promise.resolve(), searchPath: undefined }
      sharedState.set(this.#pglite, shared)
    }
    return new SerializedDriver(super.createDriver(), shared, this.#searchPath, this.#onDestroy)
  }
}

class SerializedDriver implements Driver {
  #release: (() => void) | undefined

  constructor(
    readonly inner: Driver,
    readonly shared: Shared,
    readonly searchPath: string | undefined,
    readonly onDestroy: (() => void) | undefined,
  ) {}

  init(): Promise<void> {
    return this.inner.init()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.shared.tail
    let release!: () => void
    this.shared.tail = new Promise<void>((resolve) => (release = resolve))
    await previous
    this.#release = release
    try {
      const connection = await this.inner.acquireConnection()
      if (this.searchPath && this.shared.searchPath !== this.searchPath) {
        await connection.executeQuery(
          CompiledQuery.raw("select set_config('search_path', $1, false)", [this.searchPath]),
        )
        this.shared.searchPath = this.searchPath
      }
      return connection
    } catch (error) {
      this.#release = undefined
      release()
      throw error
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection)
    } finally {
      const release = this.#release
      this.#release = undefined
      release?.()
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings)
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection)
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection)
  }

  savepoint: Driver['savepoint'] = (connection, name, compile) =>
    this.inner.savepoint!(connection, name, compile)
  rollbackToSavepoint: Driver['rollbackToSavepoint'] = (connection, name, compile) =>
    this.inner.rollbackToSavepoint!(connection, name, compile)
  releaseSavepoint: Driver['releaseSavepoint'] = (connection, name, compile) =>
    this.inner.releaseSavepoint!(connection, name, compile)

  async destroy(): Promise<void> {
    try {
      await this.inner.destroy()
    } finally {
      this.onDestroy?.()
    }
  }
}
