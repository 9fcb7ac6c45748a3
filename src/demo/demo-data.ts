import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import { makeInvitations } from '../invitations/invitations.service.ts'
import { loadQuestionnaire } from '../survey/survey.repository.ts'
import { answerRows } from '../questionnaire/question-types/index.ts'
import {
  insertOrganization,
  insertQuestions,
  insertSeries,
  insertWave,
} from '../questionnaire/questionnaire.repository.ts'
import { foldNewResponses, replaceMargins, saveIndicator, setTarget } from '../results/results.repository.ts'
import { setNetworkOptIn } from '../network/network.repository.ts'
import { hashPassword } from '../staff/password.ts'
import { insertUser } from '../staff/staff.repository.ts'
import { loadFeedbackDemo } from './feedback-demo.ts'
import { DEMO_DISTRICTS, perceptionQuestionnaire } from './perception-questionnaire.ts'
import { syntheticResponses } from './synthetic-responses.ts'
import { isPublished } from '../series/wave-rules.ts'
import { createBriefService } from '../briefs/briefs.service.ts'
import { createOutputsService } from '../results/outputs.service.ts'
import { createResultsService } from '../results/results.service.ts'
import { findPerceptionSeries } from '../series/series.repository.ts'
import { operatorActor } from '../staff/operator.ts'

// Its name in each language: a citizen of Lyon does not read "Ciudad de Ejemplo" as the author.
export const DEMO_ORGANIZATION = {
  slug: 'ciudad-ejemplo',
  name: 'Ciudad de Ejemplo',
  names: { es: 'Ciudad de Ejemplo', fr: 'Ville d’Exemple', pt: 'Cidade de Exemplo' },
}
export const DEMO_SERIES_CODE = 'percepcion'
export const DEMO_WAVES = [
  { year: 2024, status: 'closed' as const, responses: 1500, invitationsPerDistrict: 0 },
  { year: 2025, status: 'closed' as const, responses: 1500, invitationsPerDistrict: 0 },
  // 2026 takes the open link and, from a sample drawn per district, invitation codes.
  { year: 2026, status: 'open' as const, responses: 400, invitationsPerDistrict: 60 },
]
/** A second city of the network, with two published waves, to compare trends with. */
export const DEMO_PARTNER_CITY = {
  slug: 'villa-hermana',
  name: 'Villa Hermana',
  names: { es: 'Villa Hermana', fr: 'Ville Sœur', pt: 'Vila Irmã' },
}
const DEMO_PARTNER_WAVES = [
  { year: 2024, status: 'closed' as const, responses: 600, invitationsPerDistrict: 0 },
  { year: 2025, status: 'closed' as const, responses: 600, invitationsPerDistrict: 0 },
]
type DemoWave = { year: number; status: 'open' | 'closed'; responses: number; invitationsPerDistrict: number }
/** Codes left unused in the demo, printed by `npm run demo` so anyone can try one. */
const DEMO_SPARE_CODES = 3

const BATCH = 300

/** The demo's indicators: interest and awareness (the Madrid pair), support and perceived benefit. */
export const DEMO_INDICATORS = [
  {
    code: 'interest',
    questionCode: 'interest',
    kind: 'share' as const,
    successCodes: ['4', '5'],
    excludedCodes: ['dont_know'],
    label: {
      es: 'Interés por la acción internacional (bastante o mucho)',
      fr: 'Intérêt pour l’action internationale (assez ou beaucoup)',
      pt: 'Interesse pela ação internacional (bastante ou muito)',
    },
  },
  {
    code: 'awareness',
    questionCode: 'aware',
    kind: 'share' as const,
    successCodes: ['yes'],
    excludedCodes: ['dont_know'],
    label: {
      es: 'Conoce la acción internacional de la ciudad',
      fr: 'Connaît l’action internationale de la ville',
      pt: 'Conhece a ação internacional da cidade',
    },
  },
  {
    code: 'support',
    questionCode: 'keep_investing',
    kind: 'share' as const,
    successCodes: ['4', '5'],
    excludedCodes: ['dont_know'],
    label: {
      es: 'Apoya seguir invirtiendo',
      fr: 'Soutient la poursuite des investissements',
      pt: 'Apoia continuar a investir',
    },
  },
  {
    code: 'benefit',
    questionCode: 'benefit',
    kind: 'mean' as const,
    successCodes: [],
    excludedCodes: [],
    label: {
      es: 'Beneficio percibido (0 a 10)',
      fr: 'Bénéfice perçu (0 à 10)',
      pt: 'Benefício percebido (0 a 10)',
    },
  },
]

// Census-like totals: the districts' populations and the age structure (both add up to the same total).
export function demoMargins(year: number) {
  const growth = 1 + (year - 2024) * 0.004
  const total = DEMO_DISTRICTS.reduce((sum, d) => sum + d.population, 0)
  const ageShares: Record<string, number> = { '16_29': 0.2, '30_44': 0.27, '45_64': 0.33, '65_plus': 0.2 }
  const districts = DEMO_DISTRICTS.map((d) => ({
    variable: 'district',
    level: d.code,
    population: Math.round(d.population * growth),
  }))
  const population = districts.reduce((sum, d) => sum + d.population, 0)
  const ages = Object.entries(ageShares).map(([level, share]) => ({
    variable: 'age_band',
    level,
    population: Math.round(total * share * growth),
  }))
  // The last band takes the rounding, so both margins add up to exactly the same population.
  ages.at(-1)!.population = population - ages.slice(0, -1).reduce((sum, a) => sum + a.population, 0)
  return [...districts, ...ages]
}

// In waves with invitations, about one response in three came with a code.
const invitedResponse = (wave: DemoWave, index: number) => wave.invitationsPerDistrict > 0 && index % 3 === 0

/** Demo staff accounts, printed by `npm run demo`; never use these passwords on a real instance. */
export const DEMO_STAFF = [
  {
    email: 'admin@ciudad-ejemplo.org',
    password: 'demo-admin-pulso',
    role: 'admin' as const,
    isPlatformAdmin: true,
  },
  {
    email: 'designer@ciudad-ejemplo.org',
    password: 'demo-designer-pulso',
    role: 'designer' as const,
    isPlatformAdmin: false,
  },
  {
    email: 'evaluator@ciudad-ejemplo.org',
    password: 'demo-evaluator-pulso',
    role: 'evaluator' as const,
    isPlatformAdmin: false,
  },
  {
    email: 'facilitator@ciudad-ejemplo.org',
    password: 'demo-facilitator-pulso',
    role: 'facilitator' as const,
    isPlatformAdmin: false,
  },
]

/** True when the database holds no organization yet, so the demo may be loaded. */
export async function isEmpty(db: Db): Promise<boolean> {
  const row = await db.selectFrom('organization').select('id').limit(1).executeTakeFirst()
  return row === undefined
}

/** Loads the demo city, its perception series and three waves of synthetic responses, in one transaction. */
export async function loadDemo(db: Db): Promise<{ responses: number; invitationCodes: string[] }> {
  let responses = 0
  const invitationCodes: string[] = []
  await db.transaction().execute(async (trx) => {
    const organizationId = await insertOrganization(trx, DEMO_ORGANIZATION)
    const staffIds = new Map<string, number>()
    for (const member of DEMO_STAFF) {
      staffIds.set(
        member.role,
        await insertUser(trx, {
          ...member,
          organizationId,
          passwordHash: await hashPassword(member.password),
        }),
      )
    }
    await loadFeedbackDemo(trx, organizationId, staffIds.get('facilitator')!)
    const city = await loadPerceptionSeries(trx, organizationId, DEMO_WAVES, 0)
    // A partner city of the same network, with the same indicators: its published trends compare.
    const partnerId = await insertOrganization(trx, DEMO_PARTNER_CITY)
    // Both cities of the network show their results side by side on /network.
    for (const id of [organizationId, partnerId]) await setNetworkOptIn(trx, id, true)
    const partner = await loadPerceptionSeries(trx, partnerId, DEMO_PARTNER_WAVES, 100)
    responses = city.responses + partner.responses
    invitationCodes.push(...city.invitationCodes)
  })
  // Tallied now, so the first view of the results does not wait for it.
  const { rows: waves } = await sql<{ id: number }>`
    select w.id from wave w join survey_series s on s.id = w.series_id where s.code = ${DEMO_SERIES_CODE}`.execute(
    db,
  )
  for (const wave of waves) await foldNewResponses(db, wave.id)
  await publishDemoBrief(db)
  return { responses, invitationCodes }
}

/** The lead of the demo's 2025 brief, as the city's staff would write it for the council. */
const DEMO_BRIEF_LEAD = {
  es: 'En 2025 la ciudad volvió a preguntar a sus vecinos qué saben y qué piensan de su acción internacional. Este informe resume lo que cambió, dónde, y lo que cuentan las personas de los proyectos que la ciudad apoya en el exterior.',
  fr: 'En 2025, la ville a de nouveau demandé à ses habitants ce qu’ils savent et pensent de son action internationale. Ce bilan résume ce qui a changé, où, et ce que racontent les personnes des projets que la ville soutient à l’étranger.',
  pt: 'Em 2025 a cidade voltou a perguntar aos moradores o que sabem e pensam da sua ação internacional. Este relatório resume o que mudou, onde, e o que contam as pessoas dos projetos que a cidade apoia no exterior.',
}

/** The demo city's 2025 brief, published with its target and a story from each of two projects (#20). */
async function publishDemoBrief(db: Db): Promise<void> {
  const results = createResultsService(db)
  const briefs = createBriefService(db, results, createOutputsService(db, results), () => new Date())
  const organization = await db
    .selectFrom('organization')
    .select(['id', 'slug', 'name', 'source_language as sourceLanguage'])
    .where('slug', '=', DEMO_ORGANIZATION.slug)
    .executeTakeFirstOrThrow()
  const series = (await findPerceptionSeries(db, { id: organization.id }, DEMO_SERIES_CODE))!
  const quotable = await briefs.quotable(series)
  const fromTwoProjects = [...new Map(quotable.map((s) => [s.project.code, s.ref])).values()].slice(0, 2)
  const actor = operatorActor(organization)
  const draft = {
    lead: DEMO_BRIEF_LEAD,
    indicatorCodes: DEMO_INDICATORS.map((i) => i.code),
    stories: fromTwoProjects,
  }
  const problems = [
    ...(await briefs.save(actor, series, 2025, draft)),
    ...(await briefs.publish(actor, series, 2025)),
  ]
  if (problems.length) throw new Error(`the demo brief was not published: ${JSON.stringify(problems)}`)
}

/** One city's perception series: indicators, waves, margins, synthetic responses and invitations. */
async function loadPerceptionSeries(
  db: Db,
  organizationId: number,
  waves: readonly DemoWave[],
  seedOffset: number,
): Promise<{ responses: number; invitationCodes: string[] }> {
  let responses = 0
  const invitationCodes: string[] = []
  const seriesId = await insertSeries(db, {
    organizationId,
    code: DEMO_SERIES_CODE,
    title: {
      es: 'Percepción de la acción internacional de la ciudad',
      fr: 'Perception de l’action internationale de la ville',
      pt: 'Perceção da ação internacional da cidade',
    },
    description: {
      es: 'Cada año preguntamos a los vecinos cuánto les interesa y cuánto conocen la acción internacional de la ciudad.',
      fr: 'Chaque année, nous demandons aux habitants dans quelle mesure l’action internationale de la ville les intéresse et s’ils la connaissent.',
      pt: 'Todos os anos perguntamos aos moradores quanto lhes interessa e quanto conhecem a ação internacional da cidade.',
    },
  })
  for (const [position, indicator] of DEMO_INDICATORS.entries())
    await saveIndicator(db, seriesId, { ...indicator, position })
  // The council's target: half of the city aware of its international action by 2027 (#20).
  await setTarget(db, seriesId, 'awareness', {
    value: 0.5,
    year: 2027,
    direction: 'atLeast',
    reason: {
      es: 'El pleno aprobó en 2024 que la mitad de la ciudadanía conozca la acción internacional de la ciudad.',
      fr: 'Le conseil municipal a voté en 2024 que la moitié des habitants connaisse l’action internationale de la ville.',
      pt: 'A câmara aprovou em 2024 que metade da população conheça a ação internacional da cidade.',
    },
  })
  for (const wave of waves) {
    const waveId = await insertWave(db, {
      seriesId,
      year: wave.year,
      status: wave.status,
      opensAt: new Date(Date.UTC(wave.year, 9, 1)),
      closesAt: isPublished(wave) ? new Date(Date.UTC(wave.year, 10, 30)) : null,
    })
    await insertQuestions(db, waveId, perceptionQuestionnaire)
    if (wave.invitationsPerDistrict > 0)
      await db.updateTable('wave').set({ access_mode: 'both' }).where('id', '=', waveId).execute()
    await replaceMargins(db, waveId, demoMargins(wave.year))
    const questionnaire = await loadQuestionnaire(db, waveId)
    const synthetic = syntheticResponses(wave.year, wave.responses, wave.year + seedOffset)
    for (let start = 0; start < synthetic.length; start += BATCH) {
      const batch = synthetic.slice(start, start + BATCH)
      const ids = await db
        .insertInto('response')
        .values(
          batch.map((r, i) => ({
            wave_id: waveId,
            language: r.language,
            channel: 'web' as const,
            submitted_at: r.submittedAt,
            idempotency_key: `demo-${organizationId}-${wave.year}-${start + i}`,
            ...(invitedResponse(wave, start + i)
              ? { access: 'invitation' as const, stratum: String(r.answers.district) }
              : {}),
          })),
        )
        .returning('id')
        .execute()
      const rows = batch.flatMap((r, i) =>
        answerRows(questionnaire, r.answers).map((row) => ({
          ...row,
          response_id: ids[i]!.id,
          wave_id: waveId,
        })),
      )
      await db.insertInto('answer').values(rows).execute()
    }
    responses += synthetic.length
    if (wave.invitationsPerDistrict > 0) {
      // One batch per district drawn from; those who answered with their code have used it up.
      for (const district of DEMO_DISTRICTS) {
        await makeInvitations(db, {
          waveId,
          count: wave.invitationsPerDistrict,
          stratum: district.code,
          createdBy: null,
        })
        const answered = synthetic.filter(
          (r, i) => invitedResponse(wave, i) && r.answers.district === district.code,
        ).length
        await sql`update invitation set started = true, completed = (n <= ${answered})
          from (select id, row_number() over (order by id) as n from invitation
                where wave_id = ${waveId} and stratum = ${district.code}) drawn
          where invitation.id = drawn.id and drawn.n <= ${answered + Math.ceil(answered / 5)}`.execute(db)
      }
      const spare = await makeInvitations(db, {
        waveId,
        count: DEMO_SPARE_CODES,
        stratum: null,
        createdBy: null,
      })
      invitationCodes.push(...spare!.codes)
    }
  }
  return { responses, invitationCodes }
}
