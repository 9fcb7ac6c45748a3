import type { Db } from '../db/database.ts'
import type { SeriesPurpose } from '../db/schema.ts'
import { questionType } from '../questionnaire/question-types/index.ts'
import {
  conditionProblem,
  publishProblems,
  seriesDifferences,
  type DesignerQuestion,
  type PublishProblem,
} from '../questionnaire/publishing-rules.ts'
import {
  insertQuestions,
  insertSeries,
  insertWave,
  type QuestionDraft,
} from '../questionnaire/questionnaire.repository.ts'
import { isLanguage, type Language, type Translated } from '../questionnaire/translated.ts'
import { restamp } from '../questionnaire/translation-status.ts'
import { latestAudit, recordAudit, type AuditAction } from '../staff/audit.ts'
import type { StaffUser } from '../staff/staff.repository.ts'
import * as repo from './designer.repository.ts'
import type { QuestionInput } from './question-form.ts'
import { canClose, canOpen, DRAFT, isEditable, isOpen } from '../series/wave-rules.ts'
import { findSeries } from '../series/series.repository.ts'
import { actorId } from '../staff/operator.ts'
import { XLSFORM_PROBLEM_KEYS, type XlsFormProblem } from './xlsform.ts'
import { questionsIn } from '../questionnaire/conditions.ts'
import {
  asksWhichOther,
  specifyCode,
  specifyQuestion,
  withOtherOption,
} from '../questionnaire/other-specify.ts'

export type WaveContext = {
  series: repo.DesignerSeries
  wave: repo.DesignerWave
  waves: repo.DesignerWave[]
  questions: DesignerQuestion[]
  previous: { year: number; questions: DesignerQuestion[] } | undefined
  sourceLanguage: Language
}

export type SaveOutcome =
  { ok: true; code: string } | { ok: false; errors: Record<string, string> } | { ok: false; frozen: true }

/** Staff designing questionnaires: series, waves copied year to year, questions, translations, publishing. */
export function createDesignerService(db: Db, now: () => Date = () => new Date()) {
  const sourceOf = (actor: StaffUser): Language =>
    isLanguage(actor.sourceLanguage) ? actor.sourceLanguage : 'es'

  async function waveContext(
    actor: StaffUser,
    seriesCode: string,
    year: number,
  ): Promise<WaveContext | undefined> {
    const series = await findSeries(db, { id: actor.organizationId }, seriesCode)
    if (!series) return undefined
    const waves = await repo.listWaves(db, series.id)
    const wave = waves.find((w) => w.year === year)
    if (!wave) return undefined
    const earlier = waves.filter((w) => w.year < year).sort((a, b) => b.year - a.year)[0]
    return {
      series,
      wave,
      waves,
      questions: await repo.loadDesignerQuestions(db, wave.id),
      previous: earlier
        ? { year: earlier.year, questions: await repo.loadDesignerQuestions(db, earlier.id) }
        : undefined,
      sourceLanguage: sourceOf(actor),
    }
  }

  function problemsOf(context: WaveContext): PublishProblem[] {
    const otherOpen = context.waves.find((w) => isOpen(w) && w.id !== context.wave.id)
    return publishProblems({
      questions: context.questions,
      previous: context.previous?.questions,
      previousYear: context.previous?.year,
      seriesTitle: context.series.title,
      sourceLanguage: context.sourceLanguage,
      otherOpenWaveYear: otherOpen?.year,
    })
  }

  return {
    waveContext,
    problemsOf,
    sourceOf,
    listSeries: (actor: StaffUser) => repo.listSeriesWithWaves(db, actor.organizationId),
    findSeries: (actor: StaffUser, code: string) => findSeries(db, { id: actor.organizationId }, code),
    listWaves: (seriesId: number) => repo.listWaves(db, seriesId),

    /** Differences from the previous wave for one question, empty when it is new or unchanged. */
    differences(context: WaveContext, question: DesignerQuestion): string[] {
      const previous = context.previous?.questions.find((q) => q.code === question.code)
      return previous ? seriesDifferences(question, previous, context.sourceLanguage) : []
    },

    async createSeries(
      actor: StaffUser,
      input: { code: string; title: Translated; purpose?: SeriesPurpose },
    ): Promise<{ ok: boolean }> {
      if (await findSeries(db, { id: actor.organizationId }, input.code)) return { ok: false }
      await db.transaction().execute(async (trx) => {
        await insertSeries(trx, {
          organizationId: actor.organizationId,
          code: input.code,
          title: input.title,
          purpose: input.purpose ?? 'perception',
        })
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actorId(actor),
          action: 'series.create',
          subject: input.code,
        })
      })
      return { ok: true }
    },

    /** Confirms the margins a wave was copied with: they are used as the wave's own, and said so. */
    async confirmMargins(actor: StaffUser, context: WaveContext): Promise<boolean> {
      if (context.wave.marginsCopiedFrom === null) return false
      await db.transaction().execute(async (trx) => {
        await repo.confirmMargins(trx, context.wave.id)
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actorId(actor),
          action: 'margins.confirm',
          subject: `${context.series.code}/${context.wave.year}`,
          details: { copiedFrom: context.wave.marginsCopiedFrom },
        })
      })
      return true
    },

    /** A new draft wave, empty or with the newest earlier wave's questionnaire copied (codes kept). */
    async createWave(
      actor: StaffUser,
      seriesCode: string,
      year: number,
      copy: boolean,
    ): Promise<{ ok: true } | { ok: false; reason: 'notFound' | 'yearTaken' | 'nothingToCopy' }> {
      const series = await findSeries(db, { id: actor.organizationId }, seriesCode)
      if (!series) return { ok: false, reason: 'notFound' }
      const waves = await repo.listWaves(db, series.id)
      if (waves.some((w) => w.year === year)) return { ok: false, reason: 'yearTaken' }
      const source = waves.filter((w) => w.year < year).sort((a, b) => b.year - a.year)[0]
      if (copy && !source) return { ok: false, reason: 'nothingToCopy' }
      await db.transaction().execute(async (trx) => {
        const waveId = await insertWave(trx, { seriesId: series.id, year, status: DRAFT })
        if (copy && source) {
          await repo.copyQuestions(trx, source.id, waveId)
          // The population rarely changes in a year: its margins come along, as a draft to confirm.
          await repo.copyMargins(trx, source, waveId)
        }
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actorId(actor),
          action: 'wave.create',
          subject: `${seriesCode}/${year}`,
          details: copy && source ? { copiedFrom: source.year } : {},
        })
      })
      return { ok: true }
    },

    /** Adds or edits a question of a draft wave; an open or closed wave is frozen. */
    async saveQuestion(
      actor: StaffUser,
      context: WaveContext,
      existingCode: string | undefined,
      input: QuestionInput,
    ): Promise<SaveOutcome> {
      if (!isEditable(context.wave)) return { ok: false, frozen: true }
      const existing = existingCode ? context.questions.find((q) => q.code === existingCode) : undefined
      const errors: Record<string, string> = {}
      if (context.questions.some((q) => q.code === input.code && q.code !== existingCode))
        errors.code = 'formErrors.questionCodeTaken'
      if (input.showIf) {
        const earlier = questionsMetBefore(context.questions, existing, input.page)
        const problem = conditionProblem(input.showIf, earlier)
        const field =
          'anyOf' in input.showIf && input.showIfWritten === 'picked'
            ? 'show_if_question'
            : 'show_if_expression'
        if (problem?.kind === 'conditionOption' && field === 'show_if_question')
          errors.show_if_values = 'formErrors.showIfValues'
        else if (problem) errors[field] = 'formErrors.showIfEarlier'
      }
      if (input.otherSpecify && !specifyCode(input.code)) errors.other_specify = 'formErrors.otherSpecifyCode'
      if (Object.keys(errors).length > 0) return { ok: false, errors }

      const given =
        input.options.length === 0 && !existing ? questionType(input.type).defaultOptions() : input.options
      const options = input.otherSpecify ? withOtherOption(given) : given
      // "Other, please specify": the question asking which is added with it, and goes when unticked.
      const follower = context.questions.find(
        (q) => asksWhichOther({ code: input.code }, q) || (existing && asksWhichOther(existing, q)),
      )
      const addFollower =
        input.otherSpecify && !context.questions.some((q) => q.code === specifyCode(input.code))
      const dropFollower =
        !input.otherSpecify &&
        follower !== undefined &&
        !context.questions.some((q) => q.showIf && questionsIn(q.showIf).includes(follower.code))
      const after = { text: input.text, help: input.help, options }
      const stamps = restamp({
        before: existing,
        after,
        sourceLanguage: context.sourceLanguage,
        stamps: existing?.stamps ?? {},
        confirmed: input.reviewed,
      })
      const record: repo.QuestionRecord = {
        ...input,
        options,
        stamps,
        breakInSeries: existing?.breakInSeries ?? false,
      }
      const previous = context.previous?.questions.find((q) => q.code === input.code)
      // A question back to last year's wording is no longer a break.
      if (!previous || seriesDifferences(record, previous, context.sourceLanguage).length === 0)
        record.breakInSeries = false

      await db.transaction().execute(async (trx) => {
        if (existing) await repo.updateQuestion(trx, existing.id, record)
        else await repo.insertQuestion(trx, context.wave.id, record)
        const audit = (action: AuditAction, code: string) =>
          recordAudit(trx, {
            organizationId: actor.organizationId,
            userId: actorId(actor),
            action,
            subject: `${context.series.code}/${context.wave.year}/${code}`,
          })
        await audit(existing ? 'question.update' : 'question.create', input.code)
        if (addFollower) {
          const draft = specifyQuestion(input.code, input.page)
          const specify: repo.QuestionRecord = {
            code: draft.code,
            type: draft.type,
            page: draft.page,
            required: false,
            isProfile: false,
            showIf: draft.showIf ?? null,
            messages: {},
            min: null,
            max: null,
            text: draft.text,
            help: {},
            options: [],
            stamps: restamp({
              before: undefined,
              after: { text: draft.text, help: {}, options: [] },
              sourceLanguage: context.sourceLanguage,
              stamps: {},
              confirmed: [],
            }),
            breakInSeries: false,
          }
          await repo.insertQuestion(trx, context.wave.id, specify)
          await audit('question.create', specify.code)
        }
        if (dropFollower) {
          await repo.deleteQuestion(trx, follower.id)
          await audit('question.delete', follower.code)
        }
      })
      return { ok: true, code: input.code }
    },

    async deleteQuestion(
      actor: StaffUser,
      context: WaveContext,
      code: string,
    ): Promise<'ok' | 'frozen' | 'notFound' | 'usedByCondition'> {
      if (!isEditable(context.wave)) return 'frozen'
      const question = context.questions.find((q) => q.code === code)
      if (!question) return 'notFound'
      if (context.questions.some((q) => q.showIf && questionsIn(q.showIf).includes(code)))
        return 'usedByCondition'
      await db.transaction().execute(async (trx) => {
        await repo.deleteQuestion(trx, question.id)
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actorId(actor),
          action: 'question.delete',
          subject: `${context.series.code}/${context.wave.year}/${code}`,
        })
      })
      return 'ok'
    },

    async moveQuestion(
      actor: StaffUser,
      context: WaveContext,
      code: string,
      direction: 'up' | 'down',
    ): Promise<'ok' | 'frozen' | 'notFound'> {
      if (!isEditable(context.wave)) return 'frozen'
      const index = context.questions.findIndex((q) => q.code === code)
      if (index < 0) return 'notFound'
      const other = context.questions[direction === 'up' ? index - 1 : index + 1]
      if (!other) return 'ok'
      await db.transaction().execute(async (trx) => {
        await repo.swapPositions(trx, context.questions[index]!, other)
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actorId(actor),
          action: 'question.move',
          subject: `${context.series.code}/${context.wave.year}/${code}`,
          details: { direction },
        })
      })
      return 'ok'
    },

    async confirmBreak(
      actor: StaffUser,
      context: WaveContext,
      code: string,
    ): Promise<'ok' | 'frozen' | 'notFound'> {
      if (!isEditable(context.wave)) return 'frozen'
      const question = context.questions.find((q) => q.code === code)
      if (!question) return 'notFound'
      await db.transaction().execute(async (trx) => {
        await repo.setBreakInSeries(trx, question.id, true)
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actorId(actor),
          action: 'question.break_confirm',
          subject: `${context.series.code}/${context.wave.year}/${code}`,
          details: { previousYear: context.previous?.year },
        })
      })
      return 'ok'
    },

    /** Opens a draft wave for answers if it passes every publishing rule; returns the problems otherwise. */
    async openWave(
      actor: StaffUser,
      context: WaveContext,
    ): Promise<{ ok: true } | { ok: false; problems: PublishProblem[] } | { ok: false; notDraft: true }> {
      if (!canOpen(context.wave)) return { ok: false, notDraft: true }
      const problems = problemsOf(context)
      if (problems.length > 0) return { ok: false, problems }
      await db.transaction().execute(async (trx) => {
        await repo.openWave(trx, context.wave.id, now())
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actorId(actor),
          action: 'wave.open',
          subject: `${context.series.code}/${context.wave.year}`,
        })
      })
      return { ok: true }
    },

    /** Replaces a draft wave's questionnaire (creating the series and the wave when missing). */
    async importQuestionnaire(
      actor: StaffUser,
      seriesCode: string,
      year: number,
      imported: { title: Partial<Translated>; questions: QuestionDraft[]; warnings?: XlsFormProblem[] },
    ): Promise<{ ok: true; questions: number } | { ok: false; reason: 'notDraft' }> {
      return db.transaction().execute(async (trx) => {
        let series = await findSeries(trx, { id: actor.organizationId }, seriesCode)
        if (!series) {
          const title = { es: '', fr: '', pt: '', ...imported.title }
          if (!title[sourceOf(actor)]) title[sourceOf(actor)] = seriesCode
          await insertSeries(trx, { organizationId: actor.organizationId, code: seriesCode, title })
          series = (await findSeries(trx, { id: actor.organizationId }, seriesCode))!
        }
        const wave = (await repo.listWaves(trx, series.id)).find((w) => w.year === year)
        if (wave && !isEditable(wave)) return { ok: false as const, reason: 'notDraft' as const }
        const waveId = wave?.id ?? (await insertWave(trx, { seriesId: series.id, year, status: DRAFT }))
        await repo.deleteQuestionsOf(trx, waveId)
        await insertQuestions(trx, waveId, imported.questions, sourceOf(actor))
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actorId(actor),
          action: 'questionnaire.import',
          subject: `${seriesCode}/${year}`,
          // What was left out stays with the import: the designer's page lists it after the redirect.
          details: {
            questions: imported.questions.length,
            leftOut: (imported.warnings ?? []).map(({ sheet, row, key, params }) => ({
              sheet,
              row,
              key,
              params,
            })),
          },
        })
        return { ok: true as const, questions: imported.questions.length }
      })
    },

    /** What the latest import into this wave left out, row by row (empty when nothing was). */
    async lastImportLeftOut(
      actor: StaffUser,
      context: WaveContext,
    ): Promise<Omit<XlsFormProblem, 'reason'>[]> {
      const entry = await latestAudit(
        db,
        actor.organizationId,
        'questionnaire.import',
        `${context.series.code}/${context.wave.year}`,
      )
      const leftOut = (entry?.details as { leftOut?: Omit<XlsFormProblem, 'reason'>[] } | undefined)?.leftOut
      return Array.isArray(leftOut) ? leftOut.filter((w) => XLSFORM_PROBLEM_KEYS.includes(w.key)) : []
    },

    async closeWave(actor: StaffUser, context: WaveContext): Promise<'ok' | 'notOpen'> {
      if (!canClose(context.wave)) return 'notOpen'
      await db.transaction().execute(async (trx) => {
        await repo.closeWave(trx, context.wave.id, now())
        await recordAudit(trx, {
          organizationId: actor.organizationId,
          userId: actorId(actor),
          action: 'wave.close',
          subject: `${context.series.code}/${context.wave.year}`,
        })
      })
      return 'ok'
    },
  }
}

/**
 * The questions a respondent meets before this one (an earlier page, or higher on its own page): the
 * only ones a show-if condition may read. `existing`: the question edited, absent for a new one.
 */
export function questionsMetBefore<Q extends { page: number }>(
  questions: Q[],
  existing: Q | undefined,
  page: number,
) {
  const ownIndex = existing ? questions.indexOf(existing) : questions.length
  return questions.filter((q, i) => q !== existing && (q.page < page || (q.page === page && i < ownIndex)))
}

export type DesignerService = ReturnType<typeof createDesignerService>
