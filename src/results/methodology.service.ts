import type { Db } from '../db/database.ts'
import type { Translated } from '../questionnaire/translated.ts'
import { recordAudit, type AuditAction } from '../staff/audit.ts'
import type { StaffUser } from '../staff/staff.repository.ts'
import { loadQuestionnaire } from '../survey/survey.repository.ts'
import { indicatorProblems, type IndicatorDraft, type IndicatorProblem } from './indicator-rules.ts'
import * as repo from './results.repository.ts'
import { findPerceptionSeries } from '../series/series.repository.ts'
import { actorId } from '../staff/operator.ts'

type Series = { id: number; code: string }
type Margin = { variable: string; level: string; population: number }

/**
 * How a series is weighted and what it measures, as staff manage them: the weight cap, the minimum
 * group size, each wave's margins and the indicators. Every change is one transaction with its audit
 * entry, and moves the series' results version (triggers), so results and downloads follow at once.
 */
export function createMethodologyService(db: Db) {
  const audit = (
    actor: StaffUser,
    action: AuditAction,
    subject: string,
    details?: Record<string, unknown>,
  ) => ({
    organizationId: actor.organizationId,
    userId: actorId(actor),
    action,
    subject,
    ...(details ? { details } : {}),
  })
  return {
    /** A perception series of the member's organization (feedback questionnaires are not weighted). */
    findSeries: (actor: StaffUser, code: string) =>
      findPerceptionSeries(db, { id: actor.organizationId }, code),
    waves: (series: Series) => repo.wavesOfSeries(db, series.id),
    questionnaire: (waveId: number) => loadQuestionnaire(db, waveId),
    settings: (series: Series) => repo.weightingSettings(db, series.id),
    indicators: (series: Series) => repo.listIndicators(db, series.id, { withRetired: true }),

    async saveWeighting(
      actor: StaffUser,
      series: Series,
      settings: { cap: number | null; minGroupSize: number },
    ) {
      await db.transaction().execute(async (trx) => {
        await repo.setWeightCap(trx, series.id, settings.cap)
        await repo.setMinGroupSize(trx, series.id, settings.minGroupSize)
        await recordAudit(
          trx,
          audit(actor, 'weighting.update', series.code, {
            weightCap: settings.cap,
            minGroupSize: settings.minGroupSize,
          }),
        )
      })
    },

    /** Trims weights above `cap` times the mean weight (null: raking weights as they are). */
    async setWeightCap(actor: StaffUser, series: Series, cap: number | null) {
      await db.transaction().execute(async (trx) => {
        await repo.setWeightCap(trx, series.id, cap)
        await recordAudit(trx, audit(actor, 'weighting.update', series.code, { weightCap: cap }))
      })
    },

    async replaceMargins(
      actor: StaffUser,
      series: Series,
      wave: { id: number; year: number },
      margins: Margin[],
    ) {
      await db.transaction().execute(async (trx) => {
        await repo.replaceMargins(trx, wave.id, margins)
        await recordAudit(
          trx,
          audit(actor, 'margins.import', `${series.code}/${wave.year}`, {
            variables: [...new Set(margins.map((m) => m.variable))],
          }),
        )
      })
    },

    /** Defines or redefines an indicator, checked against the latest wave's questionnaire. */
    async saveIndicator(
      actor: StaffUser,
      series: Series,
      draft: IndicatorDraft & { label: Translated },
    ): Promise<{ ok: true } | { ok: false; problems: IndicatorProblem[] }> {
      const latest = (await repo.wavesOfSeries(db, series.id)).at(-1)
      const problems = indicatorProblems(draft, latest ? await loadQuestionnaire(db, latest.id) : undefined)
      if (problems.length) return { ok: false, problems }
      await db.transaction().execute(async (trx) => {
        await repo.saveIndicator(trx, series.id, draft)
        const { label: _label, ...definition } = draft
        await recordAudit(trx, audit(actor, 'indicator.save', `${series.code}/${draft.code}`, definition))
      })
      return { ok: true }
    },

    /** Retires an indicator (kept, no longer computed) or restores it; false when there is no such code. */
    async setRetired(actor: StaffUser, series: Series, code: string, retired: boolean): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const changed = await repo.setIndicatorRetired(trx, series.id, code, retired)
        if (changed)
          await recordAudit(
            trx,
            audit(actor, `indicator.${retired ? 'retire' : 'restore'}`, `${series.code}/${code}`),
          )
        return changed
      })
    },

    /**
     * Sets (or, with null, removes) an indicator's target, audit-logged with before and after; false
     * when the series has no such indicator.
     */
    async setTarget(
      actor: StaffUser,
      series: Series,
      code: string,
      target: repo.IndicatorTarget | null,
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const before = (await repo.listIndicators(trx, series.id, { withRetired: true })).find(
          (i) => i.code === code,
        )
        if (!before || !(await repo.setTarget(trx, series.id, code, target))) return false
        await recordAudit(
          trx,
          audit(actor, 'indicator.target', `${series.code}/${code}`, {
            before: before.target ?? {},
            after: target ?? {},
          }),
        )
        return true
      })
    },
  }
}

export type MethodologyService = ReturnType<typeof createMethodologyService>
