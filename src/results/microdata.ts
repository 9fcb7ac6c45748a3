import { csvLine } from '../http/csv.ts'
import { Readable } from 'node:stream'
import type { Response } from 'express'
import { finished } from 'node:stream/promises'
import { ZipFile } from 'yazl'
import type { Db } from '../db/database.ts'
import type { Question, Questionnaire } from '../questionnaire/questionnaire.ts'
import { questionType, type AnswerRow } from '../questionnaire/question-types/index.ts'
import { LANGUAGES } from '../questionnaire/translated.ts'
import { loadQuestionnaire } from '../survey/survey.repository.ts'
import { microdataBatch, questionsByCode, wavesOfSeries } from './results.repository.ts'
import type { ResultsService } from './results.service.ts'
import { hasResults } from '../series/wave-rules.ts'
import { writeCondition } from '../questionnaire/conditions.ts'

/** Combinations of profile answers shared by fewer respondents than this are blanked. */
export const RARE_BELOW = 5
const BATCH = 2_000
// Free text and notes (which hold no answer) never become microdata columns: their types say so.
const published = (q: Question) => questionType(q.type).microdata.published
const FIXED = ['wave', 'language', 'channel', 'facilitator', 'access', 'stratum', 'weight'] as const

type WavePart = {
  year: number
  waveId: number
  questionnaire: Questionnaire
  weights: Awaited<ReturnType<ResultsService['respondentWeights']>>
  /** Codes of questions whose wording broke the series in this wave. */
  breaks: Set<string>
}

/**
 * The microdata of a series as a Frictionless Data Package, streamed: one CSV per wave, a pooled CSV
 * with every wave, the codebook and `datapackage.json`. One row per response, columns named by
 * question code, option codes as values, the raking weight; free text is left out (respondents of a
 * survey never consented to its publication) and rare profile combinations are blanked.
 */
export async function writeMicrodataPackage(
  db: Db,
  results: ResultsService,
  series: { id: number; code: string; organization: string; title: string },
  out: NodeJS.WritableStream,
): Promise<void> {
  const parts: WavePart[] = []
  for (const wave of (await wavesOfSeries(db, series.id)).filter(hasResults)) {
    parts.push({
      year: wave.year,
      waveId: wave.id,
      questionnaire: await loadQuestionnaire(db, wave.id),
      weights: await results.respondentWeights(wave.id, RARE_BELOW),
      breaks: new Set(
        [...(await questionsByCode(db, wave.id)).values()]
          .filter((q) => q.break_in_series)
          .map((q) => q.code),
      ),
    })
  }
  // Question columns: the newest wave's order, then questions only earlier waves asked.
  const questions = new Map<string, Question>()
  for (const part of [...parts].reverse())
    for (const q of part.questionnaire.questions)
      if (published(q) && !questions.has(q.code)) questions.set(q.code, q)
  const codes = [...questions.keys()]

  const zip = new ZipFile()
  zip.outputStream.pipe(out)
  for (const part of parts)
    zip.addReadStream(Readable.from(rows(db, [part], codes)), `responses-${part.year}.csv`)
  zip.addReadStream(Readable.from(rows(db, parts, codes)), 'responses-all.csv')
  zip.addBuffer(Buffer.from(codebook(parts)), 'codebook.csv')
  zip.addBuffer(
    Buffer.from(JSON.stringify(datapackage(series, parts, [...questions.values()]), null, 2)),
    'datapackage.json',
  )
  zip.end()
  await finished(zip.outputStream)
}

/** Sends the package as a download; a failure midway cuts the response so it cannot pass for a whole file. */
export async function sendMicrodataPackage(
  res: Response,
  seriesCode: string,
  write: (out: NodeJS.WritableStream) => Promise<void>,
): Promise<void> {
  res.type('application/zip')
  res.attachment(`microdata-${seriesCode}.zip`)
  try {
    await write(res)
  } catch (error) {
    res.destroy(error as Error)
  }
}

async function* rows(db: Db, parts: WavePart[], codes: string[]): AsyncGenerator<string> {
  yield csvLine([...FIXED, ...codes])
  for (const part of parts) {
    const byId = new Map(part.questionnaire.questions.map((q) => [q.id, q]))
    const byCode = new Map(part.questionnaire.questions.map((q) => [q.code, q]))
    const profileCodes = part.weights.profileQuestionIds.map((id) => byId.get(id)?.code)
    const publishedIds = part.questionnaire.questions.filter(published).map((q) => q.id)
    let after = 0
    for (;;) {
      const batch = await microdataBatch(db, part.waveId, after, BATCH, publishedIds)
      if (batch.responses.length === 0) break
      const answers = new Map<number, Map<string, AnswerRow[]>>()
      for (const a of batch.answers) {
        const question = byId.get(a.question_id)
        if (!question) continue
        let mine = answers.get(a.response_id)
        if (!mine) answers.set(a.response_id, (mine = new Map<string, AnswerRow[]>()))
        const rows = mine.get(question.code)
        if (rows) rows.push(a)
        else mine.set(question.code, [a])
      }
      let text = ''
      for (const r of batch.responses) {
        const mine = answers.get(r.id) ?? new Map<string, AnswerRow[]>()
        const profile = profileCodes.map((code) => (code ? (mine.get(code)?.[0]?.option_code ?? null) : null))
        const rare = part.weights.isRare(profile)
        const hidden = new Set(rare ? profileCodes : [])
        const values = codes.map((code) => {
          const v = mine.get(code)
          if (!v || hidden.has(code)) return null
          const module = questionType(byCode.get(code)!.type)
          const cells = v.map((row) => module.cellValue(row)).filter((cell) => cell !== null)
          // Several values (the options of a multiple choice) share the cell, in code order.
          return cells.length <= 1 ? (cells[0] ?? null) : cells.map(String).sort().join(' ')
        })
        text += csvLine([
          part.year,
          r.language,
          r.channel,
          r.facilitator_id,
          r.access,
          rare ? null : r.stratum,
          part.weights.weighted ? part.weights.weightOf(profile) : 1,
          ...values,
        ])
      }
      yield text
      after = batch.responses.at(-1)!.id
    }
  }
}

function codebook(parts: WavePart[]): string {
  let text = csvLine([
    'wave',
    'code',
    'type',
    'text_es',
    'text_fr',
    'text_pt',
    'options',
    'show_if',
    'profile',
    'break_in_series',
    'published',
  ])
  for (const part of parts)
    for (const q of part.questionnaire.questions)
      text += csvLine([
        part.year,
        q.code,
        q.type,
        q.text.es,
        q.text.fr,
        q.text.pt,
        q.options.map((o) => `${o.code}=${o.label.es}`).join(' | '),
        // When it is asked, as XLSForm's relevant: what evaluators' tools read.
        q.showIf ? writeCondition(q.showIf) : '',
        q.isProfile,
        part.breaks.has(q.code),
        published(q) ? 'yes' : 'no (free text is not published without consent)',
      ])
  return text
}

function fieldOf(question: Question, parts: WavePart[]) {
  const options = [
    ...new Set(
      parts.flatMap((p) =>
        p.questionnaire.questions
          .filter((q) => q.code === question.code)
          .flatMap((q) => q.options.map((o) => o.code)),
      ),
    ),
  ]
  return questionType(question.type).microdata.field(question, options, question.text.es)
}

function datapackage(
  series: { code: string; organization: string; title: string },
  parts: WavePart[],
  questions: Question[],
) {
  const schema = {
    fields: [
      { name: 'wave', type: 'integer', description: 'Year of the wave' },
      { name: 'language', type: 'string', constraints: { enum: [...LANGUAGES] } },
      {
        name: 'channel',
        type: 'string',
        description:
          'web, an assisted interview, a paper questionnaire typed in by staff, or imported from a file',
        constraints: { enum: ['web', 'assisted', 'paper', 'imported'] },
      },
      {
        name: 'facilitator',
        type: 'integer',
        description: 'Staff id of the facilitator who recorded an assisted interview (blank otherwise)',
      },
      {
        name: 'access',
        type: 'string',
        description: 'open link or invitation of the drawn sample',
        constraints: { enum: ['open', 'invitation'] },
      },
      { name: 'stratum', type: 'string', description: 'The invitation’s stratum (blank for rare profiles)' },
      {
        name: 'weight',
        type: 'number',
        description:
          'Raking weight (1 when the wave is unweighted; blank outside the design). Respondents whose profile is blanked share one weight, the mean of theirs, so it cannot lead back to their profile',
      },
      ...questions.map((q) => fieldOf(q, parts)),
    ],
    missingValues: [''],
  }
  const resource = (name: string, path: string, description: string) => ({
    name,
    path,
    profile: 'tabular-data-resource',
    format: 'csv',
    mediatype: 'text/csv',
    encoding: 'utf-8',
    description,
    schema,
  })
  return {
    profile: 'tabular-data-package',
    name: `${series.organization}-${series.code}-microdata`.toLowerCase().replace(/[^a-z0-9._-]/g, '-'),
    title: series.title,
    description: `One row per response. Combinations of profile answers shared by fewer than ${RARE_BELOW} respondents of a wave are blanked (with the stratum), together with the next rarest ones until at least ${RARE_BELOW} respondents from two weighting cells or more are blanked; the blanked respondents share one weight, the mean of their raking weights, since each raking weight belongs to one cell of the design and would give the profile back. Overall estimates computed from this file differ from the published ones by a fraction of a point; estimates by group should be taken from the published results. Free text is not published.`,
    created: new Date().toISOString(),
    resources: [
      ...parts.map((p) =>
        resource(`responses-${p.year}`, `responses-${p.year}.csv`, `Responses of the ${p.year} wave`),
      ),
      resource('responses-all', 'responses-all.csv', 'Responses of every wave, with a wave column'),
      {
        name: 'codebook',
        path: 'codebook.csv',
        profile: 'tabular-data-resource',
        format: 'csv',
        mediatype: 'text/csv',
        encoding: 'utf-8',
        schema: {
          fields: [
            { name: 'wave', type: 'integer' },
            { name: 'code', type: 'string' },
            { name: 'type', type: 'string' },
            { name: 'text_es', type: 'string' },
            { name: 'text_fr', type: 'string' },
            { name: 'text_pt', type: 'string' },
            { name: 'options', type: 'string' },
            {
              name: 'show_if',
              type: 'string',
              description: 'When the question is asked, as an XLSForm relevant expression (empty: always)',
            },
            { name: 'profile', type: 'boolean' },
            { name: 'break_in_series', type: 'boolean' },
            { name: 'published', type: 'string' },
          ],
        },
      },
    ],
  }
}
