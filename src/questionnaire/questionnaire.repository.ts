import type { Db } from '../db/database.ts'
import type { SeriesPurpose, WaveStatus } from '../db/schema.ts'
import type { QuestionMessages, QuestionType, ShowIf } from './questionnaire.ts'
import type { Language, Translated } from './translated.ts'
import { stampsForCurrentTexts } from './translation-status.ts'
import { DRAFT } from '../series/wave-rules.ts'

/** A question as written by its author, before it has an id. */
export interface QuestionDraft {
  code: string
  type: QuestionType
  page: number
  required?: boolean
  text: Translated
  help?: Partial<Translated>
  showIf?: ShowIf | null
  messages?: QuestionMessages
  isProfile?: boolean
  min?: number | null
  max?: number | null
  options?: { code: string; label: Translated }[]
}

export async function insertOrganization(
  db: Db,
  organization: {
    slug: string
    name: string
    sourceLanguage?: string
    portuguese?: 'pt-BR' | 'pt-PT'
    names?: Partial<Translated>
  },
): Promise<number> {
  const row = await db
    .insertInto('organization')
    .values({
      slug: organization.slug,
      name: organization.name,
      source_language: organization.sourceLanguage ?? 'es',
      ...(organization.portuguese ? { portuguese: organization.portuguese } : {}),
      ...(organization.names ? { names: JSON.stringify(organization.names) } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function insertSeries(
  db: Db,
  series: {
    organizationId: number
    code: string
    title: Translated
    description?: Partial<Translated>
    purpose?: SeriesPurpose
  },
): Promise<number> {
  const row = await db
    .insertInto('survey_series')
    .values({
      organization_id: series.organizationId,
      code: series.code,
      title: JSON.stringify(series.title),
      description: JSON.stringify(series.description ?? {}),
      purpose: series.purpose ?? 'perception',
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function insertWave(
  db: Db,
  wave: {
    seriesId: number
    year: number
    status?: WaveStatus
    opensAt?: Date | null
    closesAt?: Date | null
  },
): Promise<number> {
  const row = await db
    .insertInto('wave')
    .values({
      series_id: wave.seriesId,
      year: wave.year,
      status: wave.status ?? DRAFT,
      opens_at: wave.opensAt ?? null,
      closes_at: wave.closesAt ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** Writes a wave's questions and options in order, their texts taken as current; returns ids by code. */
export async function insertQuestions(
  db: Db,
  waveId: number,
  questions: QuestionDraft[],
  sourceLanguage: Language = 'es',
): Promise<Map<string, number>> {
  const ids = new Map<string, number>()
  for (const [index, q] of questions.entries()) {
    const row = await db
      .insertInto('question')
      .values({
        wave_id: waveId,
        code: q.code,
        type: q.type,
        position: index + 1,
        page: q.page,
        required: q.required ?? false,
        text: JSON.stringify(q.text),
        help: JSON.stringify(q.help ?? {}),
        show_if: q.showIf ? JSON.stringify(q.showIf) : null,
        messages: JSON.stringify(q.messages ?? {}),
        is_profile: q.isProfile ?? false,
        min_value: q.min ?? null,
        max_value: q.max ?? null,
        translation_stamps: JSON.stringify(
          stampsForCurrentTexts(
            { text: q.text, help: q.help ?? {}, options: q.options ?? [] },
            sourceLanguage,
          ),
        ),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    ids.set(q.code, row.id)
    const options = q.options ?? []
    if (options.length > 0) {
      await db
        .insertInto('question_option')
        .values(
          options.map((o, position) => ({
            question_id: row.id,
            code: o.code,
            position: position + 1,
            label: JSON.stringify(o.label),
          })),
        )
        .execute()
    }
  }
  return ids
}
