import type { Answers } from '../questionnaire/questionnaire.ts'
import type { Language } from '../questionnaire/translated.ts'
import { DEMO_AGE_BANDS, DEMO_DISTRICTS } from './perception-questionnaire.ts'

/** A small seeded generator (mulberry32), so the demo is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function pickWeighted<T>(random: () => number, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0)
  let r = random() * total
  for (const [i, item] of items.entries()) {
    r -= weights[i]!
    if (r < 0) return item
  }
  return items[items.length - 1]!
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value))
const logistic = (x: number) => 1 / (1 + Math.exp(-x))

// Who answers is not who lives here: the centre and the young answer more than their share.
const DISTRICT_PROPENSITY: Record<string, number> = {
  centro: 2.0,
  puerto: 1.2,
  alameda: 1.0,
  san_blas: 0.7,
  colinas: 1.1,
  vega_norte: 0.6,
}
const DISTRICT_AWARENESS: Record<string, number> = {
  centro: 0.6,
  puerto: 0.2,
  alameda: 0.1,
  san_blas: -0.4,
  colinas: 0,
  vega_norte: -0.6,
}
const AGE_POPULATION = [0.2, 0.27, 0.33, 0.2]
const AGE_PROPENSITY = [1.6, 1.2, 0.9, 0.6]
const AGE_AWARENESS: Record<string, number> = { '16_29': 0.2, '30_44': 0.1, '45_64': 0, '65_plus': -0.3 }
// Awareness rises from year to year: the trend the survey exists to show.
const YEAR_AWARENESS: Record<number, number> = { 2024: -0.6, 2025: -0.3, 2026: 0 }

const COMMENTS: Record<Language, string[]> = {
  es: [
    'Me gustaría saber más sobre los proyectos de cooperación.',
    'Deberían informar mejor en los barrios.',
    'Los hermanamientos traen turismo y cultura.',
    'Prefiero que el dinero se gaste en la ciudad.',
  ],
  fr: [
    'J’aimerais en savoir plus sur les projets de coopération.',
    'Il faudrait mieux informer dans les quartiers.',
  ],
  pt: ['Gostaria de saber mais sobre os projetos de cooperação.', 'Deviam informar melhor nos bairros.'],
}

export interface SyntheticResponse {
  language: Language
  submittedAt: Date
  answers: Answers
}

/** Deterministic, realistic-looking responses for one wave of the perception survey. */
export function syntheticResponses(year: number, count: number, seed = year): SyntheticResponse[] {
  const random = seededRandom(seed)
  const normal = () => {
    const u = 1 - random()
    const v = random()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
  const districtCodes = DEMO_DISTRICTS.map((d) => d.code)
  const districtWeights = DEMO_DISTRICTS.map((d) => d.population * DISTRICT_PROPENSITY[d.code]!)
  const ageWeights = AGE_POPULATION.map((share, i) => share * AGE_PROPENSITY[i]!)
  const fieldworkStart = Date.UTC(year, 9, 1)
  const responses: SyntheticResponse[] = []

  for (let i = 0; i < count; i++) {
    const language = pickWeighted<Language>(random, ['es', 'fr', 'pt'], [0.9, 0.05, 0.05])
    const district = pickWeighted(random, districtCodes, districtWeights)
    const ageBand = pickWeighted(random, DEMO_AGE_BANDS, ageWeights)
    const answers: Answers = { district, age_band: ageBand }

    const awareness = logistic(
      (YEAR_AWARENESS[year] ?? 0) + DISTRICT_AWARENESS[district]! + AGE_AWARENESS[ageBand]!,
    )
    const aware = random() < 0.06 ? 'dont_know' : random() < awareness ? 'yes' : 'no'
    answers.aware = aware

    const interestLevel = clamp(
      Math.round(
        2.5 +
          (aware === 'yes' ? 0.8 : 0) +
          0.15 * (year - 2024) +
          DISTRICT_AWARENESS[district]! * 0.5 +
          normal(),
      ),
      1,
      5,
    )
    answers.interest = random() < 0.04 ? 'dont_know' : String(interestLevel)

    if (aware === 'yes') {
      const heard = ['twinning', 'networks', 'cooperation', 'events'].filter(
        (_, k) => random() < [0.55, 0.3, 0.4, 0.6][k]!,
      )
      if (heard.length) answers.heard_of = heard
      const sources = ['news', 'social_media', 'city_website', 'word_of_mouth', 'other'].filter(
        (_, k) => random() < [0.45, 0.4, 0.2, 0.3, 0.05][k]!,
      )
      if (sources.length) answers.sources = sources
      if (random() < 0.9) answers.took_part = random() < 0.18 ? 'yes' : 'no'
    }

    const support = clamp(Math.round(3.2 + 0.4 * (interestLevel - 3) + normal()), 1, 5)
    answers.keep_investing = random() < 0.05 ? 'dont_know' : String(support)
    if (random() < 0.6)
      answers.benefit = clamp(Math.round(5 + 1.2 * (interestLevel - 3) + 1.8 * normal()), 0, 10)
    if (random() < 0.08) {
      const pool = COMMENTS[language]
      answers.comment = pool[Math.floor(random() * pool.length)]!
    }
    if (random() < 0.85)
      answers.gender = pickWeighted(random, ['woman', 'man', 'other', 'prefer_not'], [0.55, 0.42, 0.01, 0.02])
    if (random() < 0.8) answers.pref_language = language === 'es' && random() < 0.95 ? 'es' : language
    if (random() < 0.7) answers.years_resident = Math.floor(random() * 60)
    if (random() < 0.6) answers.lived_abroad = random() < 0.22 ? 'yes' : 'no'

    responses.push({
      language,
      submittedAt: new Date(fieldworkStart + Math.floor(random() * 45 * 24 * 3600 * 1000)),
      answers,
    })
  }
  return responses
}
