import type { ZxcvbnFactory } from '@zxcvbn-ts/core'
import { z } from 'zod'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password.ts'

/** Why a password is refused: a key under `formErrors.passwordWeak.` (es/fr/pt). */
export type PasswordWeakness = 'common' | 'repeat' | 'pattern' | 'guessable'

// zxcvbn's score 3 means "safely unguessable: moderate protection from offline slow-hash attacks".
const MIN_SCORE = 3
// Words anybody attacking a Pulso instance tries first.
const PRODUCT_WORDS = ['pulso', 'encuesta', 'enquete', 'inquerito', 'pesquisa', 'survey', 'staff', 'admin']

let estimator: Promise<ZxcvbnFactory> | undefined

// The dictionaries (common passwords, and words and names of es/fr/pt) cost ~110 ms and ~60 MB to
// load: only when a password is first set, never at start.
function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common, es, fr, pt] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-es-es'),
      import('@zxcvbn-ts/language-fr'),
      import('@zxcvbn-ts/language-pt-br'),
    ])
    return new ZxcvbnFactory({
      dictionary: {
        ...common.dictionary,
        ...es.dictionary,
        ...fr.dictionary,
        ...pt.dictionary,
        userInputs: PRODUCT_WORDS,
      },
      graphs: common.adjacencyGraphs,
    })
  })()
  estimator.catch(() => (estimator = undefined))
  return estimator
}

/** Whether zxcvbn scores the password as guessable, and why; undefined when it is strong enough. */
export async function passwordWeakness(
  password: string,
  userInputs: string[] = [],
): Promise<PasswordWeakness | undefined> {
  const result = (await loadEstimator()).check(password, userInputs)
  if (result.score >= MIN_SCORE) return undefined
  switch (result.feedback.warning) {
    case 'topTen':
    case 'topHundred':
    case 'common':
    case 'similarToCommon':
    case 'pwned':
      return 'common'
    case 'simpleRepeat':
    case 'extendedRepeat':
      return 'repeat'
    case 'straightRow':
    case 'keyPattern':
    case 'sequences':
    case 'recentYears':
    case 'dates':
      return 'pattern'
    default:
      return 'guessable'
  }
}

/**
 * A new password as a form gives it: long enough and hard to guess. Parse forms with it with
 * safeParseAsync: the strength check loads its dictionaries once.
 */
export const newPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, { error: 'formErrors.passwordLength' })
  .max(PASSWORD_MAX_LENGTH, { error: 'formErrors.passwordLength' })
  .superRefine(async (password, context) => {
    const weakness = await passwordWeakness(password)
    if (weakness) context.addIssue({ code: 'custom', message: `formErrors.passwordWeak.${weakness}` })
  })
