import { createHash } from 'node:crypto'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { Request, Response } from 'express'

/** A rendered page kept with its compressed forms and its ETag, for the version it was made from. */
export interface CachedPage {
  version: string
  etag: string
  html: Buffer
  /** Compressed on the first request that accepts each encoding, then kept. */
  gzip?: Buffer
  br?: Buffer
}

/**
 * Pages that change only when their data's version moves (public results of closed waves), kept in
 * memory per address and language: the most recently used few hundred.
 */
export class PageCache {
  private readonly pages = new Map<string, CachedPage>()

  constructor(private readonly capacity = 256) {}

  get(key: string, version: string): CachedPage | undefined {
    const page = this.pages.get(key)
    if (!page || page.version !== version) return undefined
    // Most recently used last: a Map keeps insertion order.
    this.pages.delete(key)
    this.pages.set(key, page)
    return page
  }

  put(key: string, version: string, html: string): CachedPage {
    const body = Buffer.from(html)
    const page: CachedPage = {
      version,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      html: body,
    }
    this.pages.delete(key)
    this.pages.set(key, page)
    if (this.pages.size > this.capacity) this.pages.delete(this.pages.keys().next().value!)
    return page
  }
}

/**
 * Sends a kept page: 304 when the reader's copy is current, else the smallest encoding they accept.
 * Browsers revalidate each time (no-cache), so a page never outlives its data.
 */
export function sendCachedPage(req: Request, res: Response, page: CachedPage): void {
  res.set('ETag', page.etag)
  res.set('Cache-Control', 'no-cache')
  // Accept-Language and Cookie (the reader's language) are set by the locale middleware.
  res.vary('Accept-Encoding')
  const given = req.get('If-None-Match')
  if (given && given.split(/\s*,\s*/).some((tag) => tag.replace(/^W\//, '') === page.etag)) {
    res.status(304).end()
    return
  }
  // Brotli where accepted (a quarter smaller than gzip here), whatever order the reader lists them in.
  const accepted = req.acceptsEncodings('br') ? 'br' : req.acceptsEncodings('gzip') ? 'gzip' : 'identity'

  res.type('html')
  if (accepted === 'br')
    res
      .set('Content-Encoding', 'br')
      .send((page.br ??= brotliCompressSync(page.html, { params: { [constants.BROTLI_PARAM_QUALITY]: 10 } })))
  else if (accepted === 'gzip')
    res.set('Content-Encoding', 'gzip').send((page.gzip ??= gzipSync(page.html, { level: 9 })))
  else res.send(page.html)
}
