import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const scryptAsync = (password: string, salt: Buffer, length: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  )

// scrypt, memory-hard: N=2^15, r=8 uses 32 MiB per hash (OWASP's minimum for scrypt is N=2^17 at r=8, p=1
// or an equivalent trade; we keep 2^15 with p=3 to stay fast on a 2-core server).
const PRODUCTION_COST = { N: 2 ** 15, r: 8, p: 3 }
// Under the test runner (NODE_ENV=test) hashes are made cheap, as Django's and Rails' test settings
// do: each hash names its cost and is verified by the same code, and the suite makes hundreds of them.
const COST = process.env.NODE_ENV === 'test' ? { N: 2 ** 10, r: 8, p: 1 } : PRODUCTION_COST
const KEY_LENGTH = 32

export const PASSWORD_MIN_LENGTH = 12
export const PASSWORD_MAX_LENGTH = 200

/** A self-describing scrypt hash: `scrypt$N$r$p$salt$key`, so the cost can rise without breaking old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password, salt, KEY_LENGTH, { ...COST, maxmem: 256 * COST.N * COST.r })
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** Whether the password matches the stored hash (constant time). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$')
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false
  const expected = Buffer.from(key, 'base64url')
  const N = Number(n)
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, {
    N,
    r: Number(r),
    p: Number(p),
    maxmem: 256 * N * Number(r),
  })
  return timingSafeEqual(actual, expected)
}

/** A hash that never matches, to spend the same time on an unknown account as on a known one. */
export const UNUSABLE_HASH = `scrypt$${COST.N}$${COST.r}$${COST.p}$${randomBytes(16).toString('base64url')}$${randomBytes(KEY_LENGTH).toString('base64url')}`
