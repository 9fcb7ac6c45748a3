import { z } from 'zod'
import type { StaffRole } from '../db/schema.ts'
import type { Services } from '../services.ts'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../staff/password.ts'
import { passwordWeakness, type PasswordWeakness } from '../staff/password-strength.ts'
import type { IndicatorProblem } from '../results/indicator-rules.ts'

const INDICATOR_PROBLEMS_IN_ENGLISH: Record<IndicatorProblem['key'], (p: Record<string, string>) => string> =
  {
    notInLatestWave: (p) => `--question: "${p.question}" is not a question of the latest wave`,
    meanNeedsNumber: () => '--mean needs a number, 0-10 or 5-point question',
    shareNeedsSuccess: () => 'give either --success CODES or --mean',
    notAnOption: (p) => `"${p.code}" is not an option of ${p.question} (options: ${p.options})`,
  }

// The operator's CLI speaks English, as its other messages do.
const WEAKNESS_IN_ENGLISH: Record<PasswordWeakness, string> = {
  common: 'it is, or looks like, one of the most common passwords',
  repeat: 'it repeats characters or words',
  pattern: 'it follows a sequence, a keyboard row, a date or a year',
  guessable: 'use a longer phrase of unrelated words',
}
import { backupCheck } from '../ops/backup-check.ts'
import { invitationsToCsv, MAX_BATCH } from '../invitations/invitation-codes.ts'
import { matchStratum } from '../invitations/strata.ts'
import { STAFF_ROLES } from '../staff/staff.service.ts'
import { open, readFile, rm, writeFile } from 'node:fs/promises'
import { operatorActor } from '../staff/operator.ts'
import { readXlsForm, writeXlsForm, XLSFORM_MAX_BYTES } from '../designer/xlsform.ts'
import { inLanguage, isLanguage } from '../questionnaire/translated.ts'
import type { PublishProblem } from '../questionnaire/publishing-rules.ts'
import { questionInWords } from '../designer/problem-words.ts'
import type { WaveContext } from '../designer/designer.service.ts'
import { readMarginsCsv, readResponsesCsv, type ImportProblem } from '../results/response-import.ts'
import { trendsToCsv } from '../results/results.service.ts'
import type { CommandContext } from './run.ts'
import { isEditable, takesImportedResponses, takesInvitations } from '../series/wave-rules.ts'
import { slugField } from '../http/slugs.ts'

/** A mistake in the command's input: printed as one line, exit code 2. */
export class CliError extends Error {}

type Flags = Record<string, string | boolean | undefined>
type Option = { type: 'string' | 'boolean' }

export interface Command {
  usage: string
  options: Record<string, Option>
  /** Runs on the services, as the web pages do: the same rules, transactions and audit entries. */
  run: (services: Services, flags: Flags, context: CommandContext) => Promise<string>
}

function need<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new CliError(`--${flag}: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  return parsed.data
}

const slug = slugField('use 2-40 lowercase letters, digits or dashes', 'is required')

export const commands: Record<string, Command> = {
  'org:create': {
    usage: '--slug ORG --name NAME --source-lang es|fr|pt',
    options: { slug: { type: 'string' }, name: { type: 'string' }, 'source-lang': { type: 'string' } },
    async run(services, flags) {
      const organization = {
        slug: need(slug, flags.slug, 'slug'),
        name: need(
          z.string({ error: 'is required' }).trim().min(2, 'is too short').max(120, 'is too long'),
          flags.name,
          'name',
        ),
        sourceLanguage: need(
          z.enum(['es', 'fr', 'pt'], { error: 'must be es, fr or pt' }),
          flags['source-lang'] ?? 'es',
          'source-lang',
        ),
      }
      const created = await services.staff.createOrganization(null, organization)
      if (!created.ok) throw new CliError(`--slug: the organization "${organization.slug}" already exists`)
      return `Created organization "${organization.name}" (${organization.slug}, source language ${organization.sourceLanguage}).`
    },
  },

  'user:create': {
    usage:
      '--org ORG --email EMAIL --role admin|designer|evaluator|facilitator [--platform-admin] (password from a prompt or stdin)',
    options: {
      org: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      'platform-admin': { type: 'boolean' },
    },
    async run(services, flags, cli: CommandContext) {
      const orgSlug = need(slug, flags.org, 'org')
      const email = need(
        z.string({ error: 'is required' }).trim().pipe(z.email('is not an email address')),
        flags.email,
        'email',
      )
      const role = need<StaffRole>(
        z.enum(STAFF_ROLES, { error: `must be one of ${STAFF_ROLES.join(', ')}` }),
        flags.role,
        'role',
      )
      const organization = await services.staff.organizationBySlug(orgSlug)
      if (!organization) throw new CliError(`--org: no organization "${orgSlug}" (create it with org:create)`)
      const platformAdmin = flags['platform-admin'] === true
      if (platformAdmin && role !== 'admin') throw new CliError('--platform-admin goes with --role admin')
      const password = await cli.readSecret(`Password for ${email}: `)
      if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
        throw new CliError(
          `the password must have ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
        )
      }
      const weakness = await passwordWeakness(password, [email])
      if (weakness) throw new CliError(`the password is too easy to guess (${WEAKNESS_IN_ENGLISH[weakness]})`)
      const created = await services.staff.createUser(null, {
        organizationId: organization.id,
        email,
        name: typeof flags.name === 'string' ? flags.name : '',
        role,
        isPlatformAdmin: platformAdmin,
        password,
      })
      if (!created.ok) throw new CliError(`--email: an account with ${email} already exists`)
      return `Created ${role}${platformAdmin ? ' (platform administrator)' : ''} ${email} in ${organization.slug}.`
    },
  },
}

const waveFlags = { org: { type: 'string' }, series: { type: 'string' }, wave: { type: 'string' } } as const
const year = z.coerce
  .number({ error: 'must be a year' })
  .int('must be a year')
  .min(1990, 'must be a year')
  .max(2200, 'must be a year')

async function operatorFor(services: Services, flags: Flags) {
  const orgSlug = need(slug, flags.org, 'org')
  const organization = await services.staff.organizationBySlug(orgSlug)
  if (!organization) throw new CliError(`--org: no organization "${orgSlug}"`)
  return {
    actor: operatorActor(organization),
    seriesCode: need(slug, flags.series, 'series'),
    year: need(year, flags.wave, 'wave'),
  }
}

async function waveContextFor(services: Services, flags: Flags) {
  const { actor, seriesCode, year: waveYear } = await operatorFor(services, flags)
  const designer = services.designer
  const context = await designer.waveContext(actor, seriesCode, waveYear)
  if (!context)
    throw new CliError(`no wave ${waveYear} in series "${seriesCode}" of ${actor.organizationSlug}`)
  return { actor, designer, context }
}

Object.assign(commands, {
  'questionnaire:import': {
    usage:
      '--org ORG --series SERIES --wave YEAR --file form.xlsx [--create] (a draft wave is created when missing; a new series only with --create)',
    options: { ...waveFlags, file: { type: 'string' }, create: { type: 'boolean' } },
    async run(services: Services, flags: Flags) {
      const { actor, seriesCode, year: waveYear } = await operatorFor(services, flags)
      const file = need(z.string({ error: 'is required' }).min(1, 'is required'), flags.file, 'file')
      // A mistyped --series must not start a series that wave:open would then publish.
      const known = (await services.designer.listSeries(actor)).map((s) => s.code)
      if (!known.includes(seriesCode) && flags.create !== true)
        throw new CliError(
          `--series: ${actor.organizationSlug} has no series "${seriesCode}" (${known.length ? `its series: ${known.join(', ')}` : 'it has none yet'}); to start a new series, add --create`,
        )
      // A frozen wave is refused before its file is read.
      const existing = await services.designer.waveContext(actor, seriesCode, waveYear)
      if (existing && !isEditable(existing.wave))
        throw new CliError(`wave ${waveYear} is no longer a draft: its questionnaire is frozen`)
      const bytes = await readFile(file).catch(() => {
        throw new CliError(`--file: cannot read ${file}`)
      })
      if (bytes.length > XLSFORM_MAX_BYTES) throw new CliError('--file: the file is larger than 5 MB')
      const source = isLanguage(actor.sourceLanguage) ? actor.sourceLanguage : 'es'
      const reading = await readXlsForm(bytes, source)
      if (!reading.ok) {
        throw new CliError(
          `nothing was imported:\n${groupedProblems(reading.problems.map((p) => ({ ...p, place: `sheet ${p.sheet}` })))}`,
        )
      }
      const result = await services.designer.importQuestionnaire(actor, seriesCode, waveYear, reading)
      if (!result.ok) throw new CliError(`wave ${waveYear} is no longer a draft: its questionnaire is frozen`)
      const leftOut = reading.warnings
        .map((p) => `\n  left out: ${p.sheet} row ${p.row}: ${p.reason}`)
        .join('')
      return `Imported ${result.questions} questions into ${actor.organizationSlug}/${seriesCode}/${waveYear} (draft).${leftOut}`
    },
  },
  'questionnaire:export': {
    usage: '--org ORG --series SERIES --wave YEAR --file form.xlsx',
    options: { ...waveFlags, file: { type: 'string' } },
    async run(services: Services, flags: Flags) {
      const { context } = await waveContextFor(services, flags)
      const file = need(z.string({ error: 'is required' }).min(1, 'is required'), flags.file, 'file')
      const workbook = await writeXlsForm({
        formId: `${context.series.code}_${context.wave.year}`,
        title: context.series.title,
        year: context.wave.year,
        sourceLanguage: context.sourceLanguage,
        questions: context.questions,
      })
      await writeFile(file, workbook)
      return `Wrote ${context.questions.length} questions of ${context.series.code}/${context.wave.year} to ${file}.`
    },
  },
  'wave:open': {
    usage: '--org ORG --series SERIES --wave YEAR (the same publishing rules as the designer)',
    options: waveFlags,
    async run(services: Services, flags: Flags) {
      const { actor, designer, context } = await waveContextFor(services, flags)
      const result = await designer.openWave(actor, context)
      if (result.ok) return `Opened ${context.series.code}/${context.wave.year}: citizens can answer it now.`
      if ('notDraft' in result)
        throw new CliError(`wave ${context.wave.year} is ${context.wave.status}, not a draft`)
      throw new CliError(
        `wave ${context.wave.year} cannot open yet:\n${result.problems.map((p) => `  ${problemInEnglish(context, p)}`).join('\n')}`,
      )
    },
  },
  'invitations:create': {
    usage:
      '--org ORG --series SERIES --wave YEAR --count N [--stratum S] --file codes.csv [--url https://survey.city.org] (the codes are written once, only their hashes are kept)',
    options: {
      ...waveFlags,
      count: { type: 'string' },
      stratum: { type: 'string' },
      file: { type: 'string' },
      url: { type: 'string' },
    },
    async run(services: Services, flags: Flags, cli: CommandContext) {
      const { actor, context } = await waveContextFor(services, flags)
      const count = need(
        z.coerce
          .number({ error: `must be a whole number from 1 to ${MAX_BATCH}` })
          .int(`must be a whole number from 1 to ${MAX_BATCH}`)
          .min(1, `must be a whole number from 1 to ${MAX_BATCH}`)
          .max(MAX_BATCH, `must be a whole number from 1 to ${MAX_BATCH}`),
        flags.count,
        'count',
      )
      const typedStratum =
        flags.stratum === undefined
          ? null
          : need(
              z
                .string()
                .trim()
                .min(1, 'must not be empty')
                .max(60, 'must be at most 60 characters')
                .regex(
                  /^[\p{L}\p{N} _.-]*$/u,
                  'may hold letters, digits, spaces, dots, dashes and underscores',
                ),
              flags.stratum,
              'stratum',
            )
      const file = need(z.string({ error: 'is required' }), flags.file, 'file')
      const origin = need(
        z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be like https://survey.city.org'),
        flags.url ?? cli.config.publicUrl ?? `http://localhost:${cli.config.port}`,
        'url',
      )
      if (!takesInvitations(context.wave)) throw new CliError(`wave ${context.wave.year} is closed`)
      // A wave with a list of strata takes those only, as the staff wrote them ("san_blas" is "San Blas").
      const matched = matchStratum(typedStratum ?? '', context.wave.strata)
      if (!matched.ok)
        throw new CliError(
          `--stratum: "${typedStratum}" is not a stratum of wave ${context.wave.year} (its strata: ${context.wave.strata.join(', ')})`,
        )
      const stratum = matched.stratum
      let batchId: number | undefined
      // The codes exist only in this file: claim it first, never overwrite another batch's.
      const output = await open(file, 'wx').catch((error: NodeJS.ErrnoException) => {
        throw new CliError(`--file: cannot create ${file} (${error.code ?? 'error'}); choose a new file`)
      })
      try {
        const made = await services.invitations.create(
          { waveId: context.wave.id, count, stratum, createdBy: null },
          {
            organizationId: actor.organizationId,
            userId: null,
            subject: `${context.series.code}/${context.wave.year}`,
          },
        )
        const surveyUrl = `${origin}/s/${actor.organizationSlug}/${context.series.code}`
        await output.writeFile(invitationsToCsv(made!.codes, surveyUrl, stratum))
        batchId = made!.batchId
      } finally {
        await output.close()
        if (batchId === undefined) await rm(file, { force: true })
      }
      return `Created ${count} invitation codes for ${context.series.code}/${context.wave.year}${stratum ? ` (stratum ${stratum})` : ''} in ${file}.`
    },
  },
  'backup:check': {
    usage:
      '(PostgreSQL only) dump the database, restore it into a fresh database, and check every response came back',
    options: {},
    async run(services: Services, _flags: Flags, cli: CommandContext) {
      const url = cli.config.databaseUrl
      if (!url)
        throw new CliError(
          'the embedded database has no pg_dump: stop Pulso and copy its data folder (DATA_DIR) instead',
        )
      const schema = await services.health.databaseSchema()
      const result = await backupCheck(url, schema && schema !== 'public' ? schema : undefined)
      if (!result.ok) throw new CliError(result.message)
      return result.message
    },
  },
  'wave:close': {
    usage: '--org ORG --series SERIES --wave YEAR',
    options: waveFlags,
    async run(services: Services, flags: Flags) {
      const { actor, designer, context } = await waveContextFor(services, flags)
      if ((await designer.closeWave(actor, context)) !== 'ok')
        throw new CliError(`wave ${context.wave.year} is ${context.wave.status}, not open`)
      return `Closed ${context.series.code}/${context.wave.year}.`
    },
  },
} satisfies Record<string, Command>)

// What stops a wave from opening, in words (the designer's page says the same in es, fr and pt).
const LANGUAGE_IN_ENGLISH = { es: 'Spanish', fr: 'French', pt: 'Portuguese' } as const
function problemInEnglish(context: WaveContext, p: PublishProblem): string {
  const question = 'question' in p ? questionInWords(context, p.question, 'es') : ''
  const field = (code: string, f: string) => {
    if (!f.startsWith('option.')) return f === 'help' ? 'the help text' : 'the question text'
    const option = context.questions.find((q) => q.code === code)?.options.find((o) => o.code === f.slice(7))
    return `the option ${option ? `«${inLanguage(option.label, context.sourceLanguage)}»` : f.slice(7)}`
  }
  switch (p.kind) {
    case 'noQuestions':
      return 'the questionnaire has no questions'
    case 'anotherWaveOpen':
      return `wave ${p.year} is still open: close it first`
    case 'seriesTitleMissing':
      return `the series title is missing in ${LANGUAGE_IN_ENGLISH[p.language]}`
    case 'translationMissing':
      return `${question}: ${field(p.question, p.field)} is missing in ${LANGUAGE_IN_ENGLISH[p.language]}`
    case 'translationOutdated':
      return `${question}: ${field(p.question, p.field)} in ${LANGUAGE_IN_ENGLISH[p.language]} predates a change of the original; review it`
    case 'optionsMissing':
      return `${question}: a choice question needs at least two options`
    case 'scaleOptions':
      return `${question}: a 5-point scale has the codes 1 to 5 (and, if need be, dont_know)`
    case 'boundsInvalid':
      return `${question}: the minimum is above the maximum`
    case 'conditionInvalid':
      return `${question}: its condition must name earlier questions that take an answer, and options they have`
    case 'breakUnconfirmed':
      return `${question}: it changed since ${p.previousYear}; confirm the break in series in the designer`
  }
}

/** The first rows a grouped problem names. */
const FIRST_ROWS = 5
const rowList = (rows: number[]) =>
  `${rows.length === 1 ? 'row' : 'rows'} ${rows.slice(0, FIRST_ROWS).join(', ')}${rows.length > FIRST_ROWS ? ` and ${rows.length - FIRST_ROWS} more` : ''}`

/**
 * Problems of a file, grouped: the same problem in the same column on 240 rows is one line, with its
 * first example and the first rows ("240 rows, column interest: …").
 */
export function groupedProblems(problems: { row: number; place: string; reason: string }[]): string {
  // The same problem whatever the value typed: `"abc": not a number` and `"x" is not es…` by their words.
  const generic = (reason: string) => reason.replace(/^"[^"]*": /, '').replace(/"[^"]*"/g, '…')
  const groups = new Map<string, { example: { place: string; reason: string }; rows: number[] }>()
  for (const p of problems) {
    const key = `${p.place}|${generic(p.reason)}`
    const group = groups.get(key) ?? { example: p, rows: [] }
    group.rows.push(p.row)
    groups.set(key, group)
  }
  return [...groups.values()]
    .map(({ example, rows }) => {
      const place = example.place ? `, ${example.place}` : ''
      if (rows.length === 1) return `  row ${rows[0]}${place}: ${example.reason}`
      const value = /^"[^"]*"/.exec(example.reason)?.[0]
      return `  ${rows.length} rows${place}: ${generic(example.reason)} (${value ? `first ${value}; ` : ''}${rowList(rows)})`
    })
    .join('\n')
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch {
    throw new CliError(`--file: cannot read ${file}`)
  }
}

const importProblems = (problems: ImportProblem[]) =>
  `nothing was imported:\n${groupedProblems(problems.map((p) => ({ ...p, place: p.column ? `column ${p.column}` : '' })))}`

/** The perception series named by --org and --series (weighting, indicators, trends), or a clear error. */
async function seriesFor(services: Services, flags: Flags) {
  const orgSlug = need(slug, flags.org, 'org')
  const organization = await services.staff.organizationBySlug(orgSlug)
  if (!organization) throw new CliError(`--org: no organization "${orgSlug}"`)
  const actor = operatorActor(organization)
  const seriesCode = need(slug, flags.series, 'series')
  const series = await services.methodology.findSeries(actor, seriesCode)
  if (!series) throw new CliError(`--series: no perception series "${seriesCode}" in ${orgSlug}`)
  return { actor, series, seriesCode }
}

Object.assign(commands, {
  'responses:import': {
    usage:
      '--org ORG --series SERIES --wave YEAR --file responses.csv (all or nothing; the wave must be open or closed)',
    options: { ...waveFlags, file: { type: 'string' } },
    async run(services: Services, flags: Flags, cli: CommandContext) {
      const { context } = await waveContextFor(services, flags)
      if (!takesImportedResponses(context.wave))
        throw new CliError(`wave ${context.wave.year} is a draft: open it before importing responses`)
      const text = await readText(need(z.string({ error: 'is required' }), flags.file, 'file'))
      const questionnaire = await services.survey.questionnaireOf(context.wave.id)
      const reading = readResponsesCsv(text, questionnaire, context.wave.id)
      if (!reading.ok) throw new CliError(importProblems(reading.problems))
      const total = reading.responses.length
      const large = total >= 5000
      let step: string | undefined
      const stored = await services.survey.importResponses(questionnaire, reading.responses, (now, done) => {
        if (!large) return
        if (step !== undefined && step !== now) cli.progress('\n')
        step = now
        cli.progress(now === 'stored' ? `\r${done} / ${total} rows` : `\rtallied ${done} responses`)
      })
      if (large) cli.progress('\n')
      const notes = [
        ...(stored < total ? [`${total - stored} were already there and were skipped`] : []),
        ...(reading.emptyRows.length
          ? [
              `${reading.emptyRows.length} empty ${reading.emptyRows.length === 1 ? 'row' : 'rows'} skipped: ${reading.emptyRows.join(', ')}`,
            ]
          : []),
      ]
      return `Imported ${stored} responses into ${context.series.code}/${context.wave.year}${notes.length ? ` (${notes.join('; ')})` : ''}.`
    },
  },
  'margins:import': {
    usage: '--org ORG --series SERIES --wave YEAR --file margins.csv (columns variable,level,population)',
    options: { ...waveFlags, file: { type: 'string' } },
    async run(services: Services, flags: Flags) {
      const { actor, context } = await waveContextFor(services, flags)
      const text = await readText(need(z.string({ error: 'is required' }), flags.file, 'file'))
      const reading = readMarginsCsv(text, await services.survey.questionnaireOf(context.wave.id))
      if (!reading.ok) throw new CliError(importProblems(reading.problems))
      await services.methodology.replaceMargins(actor, context.series, context.wave, reading.margins)
      const variables = [...new Set(reading.margins.map((m) => m.variable))]
      return `Imported population margins for ${variables.join(', ')} into ${context.series.code}/${context.wave.year}.`
    },
  },
  'weighting:set': {
    usage:
      '--org ORG --series SERIES --cap 3 (weights above 3 times the mean weight are trimmed; --cap none removes it)',
    options: { org: { type: 'string' }, series: { type: 'string' }, cap: { type: 'string' } },
    async run(services: Services, flags: Flags) {
      const { actor, series, seriesCode } = await seriesFor(services, flags)
      const cap = need(
        z
          .string({ error: 'is required (a number above 1, or none)' })
          .regex(/^(none|\d+(\.\d+)?)$/, 'must be a number above 1, or none')
          .transform((v) => (v === 'none' ? null : Number(v)))
          .refine((v) => v === null || v > 1, 'must be a number above 1, or none'),
        flags.cap,
        'cap',
      )
      await services.methodology.setWeightCap(actor, series, cap)
      return cap === null
        ? `Removed the weight cap of ${seriesCode}: raking weights are used as they are.`
        : `Capped the weights of ${seriesCode} at ${cap} times the mean weight (trimmed as R's trimWeights does).`
    },
  },
  'indicator:define': {
    usage:
      '--org ORG --series SERIES --code CODE --question QCODE (--success 4,5 [--exclude dont_know] | --mean) [--label-es T --label-fr T --label-pt T]',
    options: {
      org: { type: 'string' },
      series: { type: 'string' },
      code: { type: 'string' },
      question: { type: 'string' },
      success: { type: 'string' },
      exclude: { type: 'string' },
      mean: { type: 'boolean' },
      'label-es': { type: 'string' },
      'label-fr': { type: 'string' },
      'label-pt': { type: 'string' },
    },
    async run(services: Services, flags: Flags) {
      const { actor, series } = await seriesFor(services, flags)
      const code = need(
        z
          .string({ error: 'is required' })
          .regex(/^[a-z][a-z0-9_]{0,39}$/, 'use lowercase letters, digits and _'),
        flags.code,
        'code',
      )
      const questionCode = need(
        z.string({ error: 'is required' }).regex(/^[a-z][a-z0-9_]{0,39}$/, 'is not a question code'),
        flags.question,
        'question',
      )
      const codes = (v: unknown) =>
        typeof v === 'string'
          ? v
              .split(',')
              .map((c) => c.trim())
              .filter(Boolean)
          : []
      const isMean = flags.mean === true
      if (isMean === (flags.success !== undefined))
        throw new CliError('give either --success CODES or --mean')
      const label = {
        es: String(flags['label-es'] ?? code),
        fr: String(flags['label-fr'] ?? flags['label-es'] ?? code),
        pt: String(flags['label-pt'] ?? flags['label-es'] ?? code),
      }
      const saved = await services.methodology.saveIndicator(actor, series, {
        code,
        questionCode,
        kind: isMean ? 'mean' : 'share',
        successCodes: codes(flags.success),
        excludedCodes: codes(flags.exclude),
        label,
      })
      const problem = saved.ok ? undefined : saved.problems[0]
      if (problem) throw new CliError(INDICATOR_PROBLEMS_IN_ENGLISH[problem.key](problem.params))
      return `Defined indicator ${code}: ${isMean ? `mean of ${questionCode}` : `share of ${questionCode} in ${codes(flags.success).join(', ')}${flags.exclude ? `, excluding ${codes(flags.exclude).join(', ')}` : ''}`}.`
    },
  },
  'trends:export': {
    usage:
      '--org ORG --series SERIES [--breakdown QCODE|language] [--ci logit|wald] [--sample all|invited] --format csv|json (to standard output)',
    options: {
      org: { type: 'string' },
      series: { type: 'string' },
      breakdown: { type: 'string' },
      ci: { type: 'string' },
      sample: { type: 'string' },
      format: { type: 'string' },
    },
    async run(services: Services, flags: Flags) {
      const { series, seriesCode } = await seriesFor(services, flags)
      const format = need(z.enum(['csv', 'json'], { error: 'must be csv or json' }), flags.format, 'format')
      const ci = need(
        z.enum(['logit', 'wald'], { error: 'must be logit or wald' }),
        flags.ci ?? 'logit',
        'ci',
      )
      const sample = need(
        z.enum(['all', 'invited'], { error: 'must be all or invited' }),
        flags.sample ?? 'all',
        'sample',
      )
      const breakdown =
        flags.breakdown === undefined
          ? undefined
          : need(
              z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'is not a question code'),
              flags.breakdown,
              'breakdown',
            )
      if (breakdown && breakdown !== 'language') {
        const shown = await services.outputs.waves(series.id, { publishedOnly: false })
        if (!(await services.outputs.breakdowns(shown)).codes.includes(breakdown))
          throw new CliError(
            `--breakdown: ${breakdown} is not a profile question of ${seriesCode} (mark it as profile, or use language)`,
          )
      }
      const trends = await services.results.trends(
        { id: series.id, minGroupSize: await services.outputs.minGroupSize(series.id) },
        { breakdown, ci, sample },
      )
      if (format === 'csv') return trendsToCsv(trends.rows).trimEnd()
      return JSON.stringify(
        await services.outputs.trendsDocument({ id: series.id, code: seriesCode }, trends, sample, ci),
        null,
        2,
      )
    },
  },
} satisfies Record<string, Command>)
