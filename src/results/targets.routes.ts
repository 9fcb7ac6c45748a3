import { Router, type Response } from 'express'
import { z } from 'zod'
import { formErrors, noErrors, type FormErrors } from '../http/form-errors.ts'
import { formString } from '../http/form-text.ts'
import { HttpError } from '../http/http-error.ts'
import { locals, signedIn } from '../http/locals.ts'
import { renderPage } from '../http/render.ts'
import { slugInAddress } from '../http/slugs.ts'
import { bodyOf } from '../middleware/form-body.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { inLanguage, LANGUAGES } from '../questionnaire/translated.ts'
import type { MethodologyService } from './methodology.service.ts'
import type { IndicatorRecord } from './results.repository.ts'

const indicatorCode = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/)
// "45", "45,5" or "45.5": a number as people type it in any of our languages.
const typedNumber = formString()
  .trim()
  .transform((v) => v.replace(',', '.'))
  .refine((v) => /^-?\d+(\.\d+)?$/.test(v), { error: 'formErrors.number' })
  .transform(Number)
const reason = () => formString().trim().max(300, { error: 'formErrors.tooLong' }).default('')
const targetForm = z.object({
  value: typedNumber,
  year: z.coerce
    .number({ error: 'formErrors.targetYear' })
    .int({ error: 'formErrors.targetYear' })
    .min(2000, { error: 'formErrors.targetYear' })
    .max(2100, { error: 'formErrors.targetYear' }),
  direction: z.enum(['atLeast', 'atMost'], { error: 'formErrors.invalid' }),
  reason_es: reason(),
  reason_fr: reason(),
  reason_pt: reason(),
})
const FIELDS = ['value', 'year', 'direction', 'reason_es', 'reason_fr', 'reason_pt'] as const

/** Staff who define indicators set a target per indicator (a share's in percent), with why, per language. */
export function targetRoutes(methodology: MethodologyService): Router {
  const router = Router()
  const methodologists = requirePermission('editMethodology')

  async function found(res: Response, params: Record<string, unknown>) {
    const code = slugInAddress.safeParse(params.series)
    const indicator = indicatorCode.safeParse(params.code)
    if (!code.success || !indicator.success) throw new HttpError(404, 'notFound')
    const series = await methodology.findSeries(signedIn(res), code.data)
    const record = series && (await methodology.indicators(series)).find((i) => i.code === indicator.data)
    if (!series || !record) throw new HttpError(404, 'notFound')
    return { series, indicator: record }
  }

  const show = (
    res: Response,
    where: Awaited<ReturnType<typeof found>>,
    values: Record<string, string>,
    errors: FormErrors = noErrors,
    status = 200,
  ) => {
    const { t, lang } = locals(res)
    const label = inLanguage(where.indicator.label, lang)
    renderPage(
      res,
      'results/target',
      {
        title: `${errors.links.length ? t('common.errorPrefix') + ' ' : ''}${t('targets.title', { indicator: label })}`,
        label,
        share: where.indicator.kind === 'share',
        base: `/staff/results/${where.series.code}/indicators`,
        action: `/staff/results/${where.series.code}/indicators/${where.indicator.code}/target`,
        hasTarget: where.indicator.target !== null,
        values,
        errors,
      },
      status,
    )
  }

  // What the form shows of a saved target: a share in percent, as staff think of it.
  const valuesOf = (indicator: IndicatorRecord): Record<string, string> => {
    const target = indicator.target
    if (!target) return { direction: 'atLeast' }
    const shown = indicator.kind === 'share' ? Number((target.value * 100).toFixed(4)) : target.value
    return {
      value: String(shown),
      year: String(target.year),
      direction: target.direction,
      ...Object.fromEntries(LANGUAGES.map((l) => [`reason_${l}`, target.reason[l] ?? ''])),
    }
  }

  router.get('/staff/results/:series/indicators/:code/target', methodologists, async (req, res) => {
    const where = await found(res, req.params)
    show(res, where, valuesOf(where.indicator))
  })

  router.post('/staff/results/:series/indicators/:code/target', methodologists, async (req, res) => {
    const where = await found(res, req.params)
    const body = bodyOf(req)
    const values = Object.fromEntries(FIELDS.map((k) => [k, typeof body[k] === 'string' ? body[k] : '']))
    const form = targetForm.safeParse(body)
    const share = where.indicator.kind === 'share'
    if (!form.success) return show(res, where, values, formErrors(form.error, locals(res).t), 400)
    if (share && (form.data.value < 0 || form.data.value > 100))
      return show(res, where, values, formErrors({ value: 'formErrors.targetPercent' }, locals(res).t), 400)
    const reasonGiven = Object.fromEntries(
      LANGUAGES.map((l) => [l, form.data[`reason_${l}`]] as const).filter(([, text]) => text !== ''),
    )
    await methodology.setTarget(signedIn(res), where.series, where.indicator.code, {
      value: share ? form.data.value / 100 : form.data.value,
      year: form.data.year,
      direction: form.data.direction,
      reason: reasonGiven,
    })
    res.redirect(303, `/staff/results/${where.series.code}/indicators?notice=targetSaved`)
  })

  router.post('/staff/results/:series/indicators/:code/target/remove', methodologists, async (req, res) => {
    const where = await found(res, req.params)
    await methodology.setTarget(signedIn(res), where.series, where.indicator.code, null)
    res.redirect(303, `/staff/results/${where.series.code}/indicators?notice=targetRemoved`)
  })

  return router
}
