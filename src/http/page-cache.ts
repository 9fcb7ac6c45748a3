import { createHash } from 'node:crypto'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { Request, Response } from 'express'

/** A strong ETag for these bytes (a digest: the same bytes, the same tag, on every instance). */
export const etagOf = (body: Buffer | string) =>
  `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`

/** Whether the reader's copy (If-None-Match, weak or strong) is this one. */
export function readerHasCurrent(req: Request, etag: string): boolean {
  const given = req.get('If-None-Match')
  return Boolean(given && given.split(/\s*,\s*/).some((tag) => tag.replace(/^W\//, '') === etag))
}

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
  private readonly rendering = new Map<string, Promise<CachedPage>>()

  constructor(private readonly capacity = 256) {}

  get(key: string, version: string): CachedPage | undefined {
    const page = this.pages.get(key)
    if (!page || page.version !== version) return undefined
    // Most recently used last: a Map keeps insertion order.
    this.pages.delete(key)
    this.pages.set(key, page)
    return page
  }

  /**
   * The kept page, else one rendering shared by every request that asks meanwhile: when a wave closes
   * during a press rush, thousands of readers wait for one rendering instead of making thousands.
   */
  async getOrRender(key: string, version: string, render: () => Promise<string>): Promise<CachedPage> {
    const page = this.get(key, version)
    if (page) return page
    const id = JSON.stringify([key, version])
    let pending = this.rendering.get(id)
    if (!pending) {
      pending = render()
        .then((html) => this.put(key, version, html))
        .finally(() => this.rendering.delete(id))
      this.rendering.set(id, pending)
    }
    return pending
  }

  put(key: string, version: string, html: string): CachedPage {
    const body = Buffer.from(html)
    const page: CachedPage = {
      version,
      etag: etagOf(body),
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
  if (readerHasCurrent(req, page.etag)) {
    res.status(304).end()
    return
  }
  const accepted = encodingFor(req)
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  const body =
    accepted === 'br'
      ? (page.br ??= brotliCompressSync(page.html, { params: { [constants.BROTLI_PARAM_QUALITY]: 10 } }))
      : accepted === 'gzip'
        ? (page.gzip ??= gzipSync(page.html, { level: 9 }))
        : page.html
  if (accepted !== 'identity') res.setHeader('Content-Encoding', accepted)
  res.setHeader('Content-Length', body.length)
  res.end(req.method === 'HEAD' ? undefined : body)
}

// Browsers send a handful of distinct Accept-Encoding headers: each is negotiated once.
const negotiated = new Map<string, 'br' | 'gzip' | 'identity'>()

/** Brotli where accepted (a quarter smaller than gzip here), whatever order the reader lists them in. */
function encodingFor(req: Request): 'br' | 'gzip' | 'identity' {
  const header = req.get('Accept-Encoding') ?? ''
  let encoding = negotiated.get(header)
  if (!encoding) {
    encoding = req.acceptsEncodings('br') ? 'br' : req.acceptsEncodings('gzip') ? 'gzip' : 'identity'
    if (negotiated.size >= 100) negotiated.clear()
    negotiated.set(header, encoding)
  }
  return encoding
}
