import { Router } from 'express'
import type { HealthService } from '../ops/health.ts'
import { renderPage } from '../http/render.ts'
import { inLanguage, organizationNameIn } from '../questionnaire/translated.ts'
import type { SurveyService } from '../survey/survey.service.ts'
import { locals } from '../http/locals.ts'

/** The public home page (surveys open now) and the health probes. */
export function homeRoutes(survey: SurveyService, health: HealthService): Router {
  const router = Router()

  router.get('/', async (_req, res) => {
    const t = locals(res).t
    const open = await survey.listOpen()
    renderPage(res, 'home/index', {
      title: t('home.title'),
      surveys: open.map((s) => ({
        href: `/s/${s.organizationSlug}/${s.seriesCode}`,
        title: inLanguage(s.title, locals(res).lang),
        organizationName: organizationNameIn(s, locals(res).lang),
        year: s.year,
      })),
    })
  })

  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' })
  })

  // Not ready once the process is stopping (SIGTERM), so a load balancer sends no new requests.
  router.get('/readyz', async (req, res) => {
    const draining = req.app.locals.draining === true
    const ready = !draining && (await health.databaseReachable())
    res
      .status(ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ready ? 'ready' : draining ? 'stopping' : 'database unreachable' })
  })

  return router
}
