import type { AddressInfo } from 'node:net'
import type { Express } from 'express'

/** Serves an app on a free loopback port. */
export function listen(app: Express) {
  return new Promise<{ url: string; close: () => void }>((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => server.close(),
      }),
    )
  })
}
