import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import express, { type RequestHandler } from 'express'

/**
 * The public folder's files under addresses that change with their content (`/static/pulso.css?v=…`):
 * such an address is cached for a year and never revalidated; a new release gets new addresses.
 */
export function staticAssets(folder: string): { asset: (name: string) => string; serve: RequestHandler } {
  const versions = new Map(
    readdirSync(folder).map((name) => [
      name,
      createHash('sha256')
        .update(readFileSync(path.join(folder, name)))
        .digest('base64url')
        .slice(0, 10),
    ]),
  )
  return {
    asset: (name) => {
      const version = versions.get(name)
      if (!version) throw new Error(`no such file in public/: ${name}`)
      return `/static/${name}?v=${version}`
    },
    serve: express.static(folder, {
      setHeaders: (res) => {
        const current = versions.get(path.basename(res.req.path))
        res.setHeader(
          'Cache-Control',
          current !== undefined && res.req.query.v === current
            ? 'public, max-age=31536000, immutable'
            : 'no-cache',
        )
      },
    }),
  }
}
