import path from 'node:path'
import { fileURLToPath } from 'node:url'
import cookieParser from 'cookie-parser'
import express from 'express'
import helmet from 'helmet'
import compression from 'compression'
import { staticAssets } from './http/assets.ts'
import { homeRoutes } from './home/home.routes.ts'
import { networkRoutes } from './network/network.routes.ts'
import { createTranslator } from './i18n/i18n.ts'
import { createLogger, requestLog, type Logger } from './logger.ts'
import { csrfProtection } from './middleware/csrf.ts'
import { errorPages, notFound } from './middleware/errors.ts'
import { formBodies } from './middleware/form-body.ts'
import { locale } from './middleware/locale.ts'
import { codeGuessRateLimit, signInRateLimit, submissionRateLimit } from './middleware/rate-limits.ts'
import { staffSession } from './middleware/staff-session.ts'
import { PostgresRateLimitStore } from './middleware/rate-limit-store.ts'
import { feedbackRoutes } from './feedback/feedback.routes.ts'
import { projectRoutes } from './feedback/projects.routes.ts'
import { invitationRoutes } from './invitations/invitations.routes.ts'
import { emailInvitationRoutes, oneClickOptOut, optOutRoutes } from './mail/mail.routes.ts'
import { apiRoutes } from './api/api.routes.ts'
import { apiTokenRoutes } from './api/api-tokens.ts'
import { designerRoutes } from './designer/designer.routes.ts'
import { staffRoutes } from './staff/staff.routes.ts'
import { accountLinkRoutes } from './staff/account-links.routes.ts'
import { twoFactorRoutes } from './staff/two-factor.routes.ts'
import { auditRoutes } from './staff/audit.routes.ts'
import { methodologyRoutes } from './results/methodology.routes.ts'
import { targetRoutes } from './results/targets.routes.ts'
import { briefRoutes } from './briefs/briefs.routes.ts'
import { publicResultsRoutes, resultsRoutes } from './results/results.routes.ts'
import type { Services } from './services.ts'
import { interviewRoutes, surveyRoutes } from './survey/survey.routes.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface AppOptions {
  production: boolean
  trustProxy: string
  submitRateLimit: { limit: number; windowMs: number }
  /** Wrong invitation codes one address may type in 15 minutes (default 10). */
  codeGuessLimit?: number
  /** Failed sign-ins one address may make in 15 minutes (default 30). */
  signInLimit?: number
  /** The public address printed on invitation letters (PUBLIC_URL). */
  publicUrl?: string | undefined
  /** Whether invitations can be sent by email (SMTP_URL and MAIL_FROM are set). */
  mailConfigured?: boolean
  /** Origins whose trend files may be added by address (COMPARISON_ORIGINS). */
  comparisonOrigins?: string[]
  /** A missing UI string throws (tests) instead of falling back to Spanish. */
  strictTranslations?: boolean
  /** Where log lines go (default: JSON lines on standard error). */
  logger?: Logger
  /** Log every request, not only failures (LOG_REQUESTS). */
  logRequests?: boolean
}

/** The whole HTTP application, middleware in the order a request meets it. */
export function createApp(services: Services, options: AppOptions): express.Express {
  const app = express()
  const translator = createTranslator({ strict: options.strictTranslations ?? false })
  const logger = options.logger ?? createLogger()
  const secureCookies = options.production

  // Question types keep their controls' templates in their own folders (question-types/…).
  app.set('views', [path.join(root, 'views'), path.join(root, 'src', 'questionnaire')])
  app.set('view engine', 'ejs')
  app.set('trust proxy', parseTrustProxy(options.trustProxy))
  app.set('x-powered-by', false)
  // Pages are no-store and the API sets its own ETag: hashing every page body would buy nothing.
  app.set('etag', false)
  if (options.production) app.set('view cache', true)
  app.response.redirect = redirectWithoutBody

  // 0. The request log and the request id (X-Request-Id), before anything can fail.
  app.use(requestLog(logger, options.logRequests ?? false))
  // Readiness: false from the moment the process is asked to stop (SIGTERM).
  app.locals.draining = false
  // 1. Security headers: a strict CSP, no inline script or style anywhere. Helmet's headers depend on
  // nothing in the request, so they are worked out once and copied onto every response.
  app.use(fixedHeaders(securityHeaders(options.production)))
  app.use('/staff', fixedHeaders(staffAreaHeaders))
  // 2. Static files, before anything that reads cookies or the database.
  const assets = staticAssets(path.join(root, 'public'))
  app.locals.asset = assets.asset
  app.use('/static', compression(), assets.serve)
  // 3. Cookies and language; then the public results, which after a press release are most of the
  // traffic: a kept page comes compressed already and needs no body, form token or other router.
  app.use(cookieParser())
  app.use(locale(translator, secureCookies))
  app.use(
    publicResultsRoutes(services.results, services.outputs, options.publicUrl, (id) =>
      services.briefs.publishedYears(id),
    ),
  )
  // Every other text response compressed (brotli or gzip) for readers on slow connections.
  app.use(compression())
  // Bodies (small and url-encoded only), CSRF.
  app.use(formBodies())
  // A mail program's one-click unsubscribe (RFC 8058) carries no form token: the link itself is the key.
  app.use(oneClickOptOut(services.mail))
  app.use(csrfProtection(services.secret, secureCookies))
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store')
    next()
  })
  // 4. Features.
  // Counters live in the database so that several instances behind one address share them.
  const submissions = submissionRateLimit(
    options.submitRateLimit,
    new PostgresRateLimitStore(services.db, 'submit', services.secret),
  )
  app.use(homeRoutes(services.survey, services.health))
  const codeGuesses = codeGuessRateLimit(
    options.codeGuessLimit ?? 10,
    new PostgresRateLimitStore(services.db, 'code-ip', services.secret),
  )
  app.use(surveyRoutes(services.survey, submissions, codeGuesses, secureCookies))
  app.use(feedbackRoutes(services.feedback, submissions))
  app.use(optOutRoutes(services.mail, submissions))
  app.use('/staff', staffSession(services.staff))
  const accounts = {
    mail: services.mail,
    configured: options.mailConfigured ?? false,
    publicUrl: options.publicUrl,
  }
  app.use(
    staffRoutes(
      services.staff,
      signInRateLimit(
        options.signInLimit ?? 30,
        new PostgresRateLimitStore(services.db, 'sign-in', services.secret),
      ),
      secureCookies,
      accounts,
    ),
  )
  app.use(twoFactorRoutes(services.staff, secureCookies))
  // The network page is public; an admin's choice to appear on it needs the staff session above.
  app.use(networkRoutes(services.network))
  app.use(auditRoutes(services.staff))
  app.use(
    accountLinkRoutes(
      services.staff,
      accounts,
      // Reset requests and password links per address: 10 in 15 minutes (mail bombing, token guessing).
      submissionRateLimit(
        { limit: 10, windowMs: 15 * 60_000 },
        new PostgresRateLimitStore(services.db, 'password-link', services.secret),
      ),
    ),
  )
  app.use(designerRoutes(services.designer, translator))
  app.use(interviewRoutes(services.survey, secureCookies))
  app.use(invitationRoutes(services.designer, services.invitations, translator, options.publicUrl))
  app.use(
    emailInvitationRoutes(services.designer, services.invitations, services.mail, {
      publicUrl: options.publicUrl,
      configured: options.mailConfigured ?? false,
    }),
  )
  app.use(projectRoutes(services.feedback, options.publicUrl))
  app.use(
    resultsRoutes(
      services.results,
      services.outputs,
      options.comparisonOrigins ?? [],
      services.staff.recordDownload,
      (organizationId, code) => services.network.standingOf(organizationId, code),
    ),
  )
  // Before the indicators' retire/restore route, whose `:action` would take `target` too.
  app.use(targetRoutes(services.methodology))
  app.use(briefRoutes(services.briefs, options.publicUrl))
  app.use(methodologyRoutes(services.methodology))
  app.use(apiTokenRoutes(services.apiTokens))
  app.use(
    apiRoutes(
      services.results,
      services.outputs,
      services.apiTokens,
      services.staff.recordDownload,
      services.briefs,
    ),
  )
  // 5. Nothing matched, or something failed: localized pages, never a stack trace.
  app.use(notFound)
  app.use(errorPages(translator))
  return app
}

/**
 * Helmet, as Pulso configures it: a strict CSP (no inline script or style), HSTS in production, and no
 * Cross-Origin-Opener-Policy on the public pages. They hold nothing of anyone's but a respondent's own
 * answers, and COOP there made the browser start a new renderer process for each page opened from
 * another site: 70-290 ms of main thread blocked under Lighthouse's mobile settings (bench/RESULTS.md).
 */
export const securityHeaders = (production: boolean) =>
  helmet({
    crossOriginOpenerPolicy: false,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        ...(production ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: production,
  })

/**
 * The staff area keeps helmet's COOP: sessions, microdata and contacts live there, so no window that
 * opened one of its pages keeps a handle on it, and browsers give it a process of its own.
 */
export const staffAreaHeaders = helmet.crossOriginOpenerPolicy({ policy: 'same-origin' })

/**
 * A middleware that only sets headers, run once on a stand-in response: the headers it set, set again
 * on every response (helmet's work is then a copy, not a recomputation per request).
 */
export function fixedHeaders(middleware: express.RequestHandler): express.RequestHandler {
  const headers = new Map<string, string | number | readonly string[]>()
  const standIn = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.set(name, value),
    removeHeader: (name: string) => headers.delete(name),
    getHeader: (name: string) => headers.get(name),
  }
  let synchronous = false
  middleware(
    { headers: {} } as express.Request,
    standIn as unknown as express.Response,
    () => (synchronous = true),
  )
  if (!synchronous) throw new Error('the headers middleware did not finish at once')
  const fixed = [...headers]
  return (_req, res, next) => {
    for (const [name, value] of fixed) res.setHeader(name, value)
    next()
  }
}

/**
 * Express's redirect, without the little page it negotiates for clients that do not follow redirects
 * (every browser follows them): the redirect answers every submission, and that page was work per answer.
 */
function redirectWithoutBody(this: express.Response, statusOrAddress: number | string, address?: string) {
  const [status, to] =
    typeof statusOrAddress === 'number' ? [statusOrAddress, address!] : [302, statusOrAddress]
  this.status(status).location(to).set('Content-Length', '0').end()
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true
  if (value === 'false') return false
  return /^\d+$/.test(value) ? Number(value) : value
}
