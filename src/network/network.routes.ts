import { Router } from 'express'
import { z } from 'zod'
import { HttpError } from '../http/http-error.ts'
import { locals, signedIn } from '../http/locals.ts'
import { renderPage } from '../http/render.ts'
import { bodyOf } from '../middleware/form-body.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { inLanguage, nameIn } from '../questionnaire/translated.ts'
import type { NetworkService } from './network.service.ts'

const indicatorCode = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/)

/** The network page (public) and an admin's choice to appear on it. */
export function networkRoutes(network: NetworkService): Router {
  const router = Router()

  router.get('/network', async (_req, res) => {
    const { t, lang } = locals(res)
    renderPage(res, 'network/index', {
      title: t('network.title'),
      indicators: (await network.indicators()).map((i) => ({ ...i, shown: inLanguage(i.label, lang) })),
    })
  })

  router.get('/network/:code', async (req, res) => {
    const code = indicatorCode.safeParse(req.params.code)
    if (!code.success) throw new HttpError(404, 'notFound')
    const standings = await network.standings(code.data)
    if (standings.length === 0) throw new HttpError(404, 'notFound')
    const { t, lang, format } = locals(res)
    const share = standings[0]!.kind === 'share'
    const show = (v: number | null) => (v === null ? '' : share ? format.percent(v, 1) : format.number(v, 1))
    const label = inLanguage(standings[0]!.label, lang)
    renderPage(res, 'network/indicator', {
      title: t('network.indicatorTitle', { indicator: label }),
      label,
      rows: standings.map((s) => {
        const change = s.change
        const points = change?.estimate == null ? null : share ? change.estimate * 100 : change.estimate
        return {
          city: nameIn(s.member.names, s.member.name, lang),
          href: `/s/${s.member.slug}/${s.member.seriesCode}/results#h-${code.data}`,
          wave: s.wave,
          suppressed: s.latest.suppressed,
          estimate: show(s.latest.estimate),
          interval: s.latest.suppressed ? '' : `${show(s.latest.ciLow)} – ${show(s.latest.ciHigh)}`,
          change: !change
            ? t('network.firstWave')
            : change.breakInSeries
              ? t('network.break')
              : points === null
                ? '—'
                : t(change.significant ? 'network.changeSignificant' : 'network.changeNotSignificant', {
                    value: `${points > 0 ? '+' : points < 0 ? '−' : ''}${format.number(Math.abs(points), 1)}${share ? ` ${t('results.points', { count: Number(Math.abs(points).toFixed(1)) })}` : ''}`,
                  }),
          method: t(s.weighted ? 'network.weighted' : 'network.unweighted', {
            count: s.respondents,
            formatted: format.number(s.respondents),
          }),
        }
      }),
    })
  })

  router.post('/staff/organization/network', requirePermission('manageUsers'), async (req, res) => {
    const form = z.object({ network_opt_in: z.literal('yes').optional() }).safeParse(bodyOf(req))
    await network.setOptIn(signedIn(res), form.success && form.data.network_opt_in === 'yes')
    res.redirect(303, '/staff/organization?saved=1')
  })

  return router
}
