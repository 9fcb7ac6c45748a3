import { createHash, randomInt } from 'node:crypto'
import { generateSecret, generateURI, verify } from 'otplib'

// Crockford's base 32, as invitation codes: nothing to mistake when typed from paper.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
export const RECOVERY_CODES = 10

/** A new TOTP secret (base 32, 20 bytes) and the otpauth:// address an authenticator app scans. */
export function newTotpSecret(account: string, issuer: string): { secret: string; uri: string } {
  const secret = generateSecret({ length: 20 })
  return { secret, uri: newTotpUri(account, issuer, secret) }
}

export const newTotpUri = (account: string, issuer: string, secret: string) =>
  generateURI({ issuer, label: account, secret })

/**
 * The time step of a 6-digit code valid at `at` (one step of 30 s either way, for a phone's clock a
 * little off), if it is later than `afterStep`: a code works once. Undefined when it is not right.
 */
export async function acceptedStep(
  secret: string,
  typed: string,
  at: Date,
  afterStep: number | null,
): Promise<number | undefined> {
  const token = typed.replace(/\s/g, '')
  if (!/^\d{6}$/.test(token)) return undefined
  const epoch = Math.floor(at.getTime() / 1000)
  const result = await verify({
    secret,
    token,
    epoch,
    epochTolerance: 30,
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  })
  // The step of the code that matched: this period's, or the one before or after (`delta`).
  return result.valid ? Math.floor(epoch / 30) + result.delta : undefined
}

/** Ten single-use recovery codes, as shown once (`7KQ2M-9XD4R`). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODES }, () => {
    let code = ''
    for (let i = 0; i < 10; i++) code += ALPHABET[randomInt(ALPHABET.length)]
    return `${code.slice(0, 5)}-${code.slice(5)}`
  })
}

/** What is kept of a recovery code: the hash of its canonical form (case, spaces and dashes ignored). */
export function recoveryCodeHash(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1')
  if (!/^[0-9A-HJKMNP-TV-Z]{10}$/.test(code)) return undefined
  return createHash('sha256').update(`recovery:${code}`).digest('base64url')
}
