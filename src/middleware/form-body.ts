import express, { type Request, type RequestHandler } from 'express'

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** The bytes a url-encoded body stands for once its %XX escapes are undone. */
function percentDecodedBytes(raw: Buffer): Uint8Array {
  const out = new Uint8Array(raw.length)
  let length = 0
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!
    if (byte === 0x25 && i + 2 < raw.length) {
      const value = Number.parseInt(String.fromCharCode(raw[i + 1]!, raw[i + 2]!), 16)
      if (!Number.isNaN(value)) {
        out[length++] = value
        i += 2
        continue
      }
    }
    out[length++] = byte
  }
  return out.subarray(0, length)
}

/**
 * Small url-encoded bodies only, and only valid UTF-8: the parser would otherwise keep bad escapes
 * as literal text or turn bad bytes into replacement characters, and store them.
 */
export function formBodies(): RequestHandler {
  return express.urlencoded({
    extended: false,
    limit: '64kb',
    parameterLimit: 300,
    verify: (_req, _res, buffer) => {
      try {
        strictUtf8.decode(percentDecodedBytes(buffer))
      } catch {
        throw Object.assign(new Error('the form is not valid UTF-8'), { status: 400, expose: true })
      }
    },
  })
}

/** The parsed form of a request (Express types it `any`), or an empty one when it had no body. */
export const bodyOf = (req: Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>

/** The request's cookies (Express types them `any`). */
export const cookiesOf = (req: Request): Record<string, unknown> =>
  (req.cookies ?? {}) as Record<string, unknown>

/** A form field as the text it was sent as (repeated fields joined by commas), or '' when absent. */
export function fieldText(req: Request, name: string): string {
  const value = bodyOf(req)[name]
  if (typeof value === 'string') return value
  return Array.isArray(value) ? value.join(',') : ''
}
