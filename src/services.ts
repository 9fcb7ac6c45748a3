import { randomBytes } from 'node:crypto'
import type { Config } from './config.ts'
import type { Logger } from './logger.ts'
import { openDatabase, type Db, type DatabaseTarget } from './db/database.ts'
import { createDesignerService, type DesignerService } from './designer/designer.service.ts'
import { createFeedbackService, type FeedbackService } from './feedback/feedback.service.ts'
import { createInvitationService, type InvitationService } from './invitations/invitations.service.ts'
import { createMethodologyService, type MethodologyService } from './results/methodology.service.ts'
import { createOutputsService, type OutputsService } from './results/outputs.service.ts'
import { createResultsService, type ResultsService } from './results/results.service.ts'
import { createStaffService, type StaffService } from './staff/staff.service.ts'
import { createSurveyService, type SurveyService } from './survey/survey.service.ts'
import { createApiTokenService, type ApiTokenService } from './api/api-tokens.service.ts'
import { createHealthService, type HealthService } from './ops/health.ts'
import { createMailService, type MailService } from './mail/mail.service.ts'
import { createNetworkService, type NetworkService } from './network/network.service.ts'
import { createBriefService, type BriefService } from './briefs/briefs.service.ts'
import { listenForResultsChanges, type ResultsChanges } from './results/results-changes.ts'

/** Everything the HTTP layer needs, built once: the composition root. */
export interface Services {
  db: Db
  survey: SurveyService
  staff: StaffService
  designer: DesignerService
  results: ResultsService
  outputs: OutputsService
  invitations: InvitationService
  mail: MailService
  network: NetworkService
  briefs: BriefService
  feedback: FeedbackService
  methodology: MethodologyService
  apiTokens: ApiTokenService
  health: HealthService
  secret: Buffer
  /** What this instance hears of changes to public results (PostgreSQL only); closed with the database. */
  resultsChanges?: ResultsChanges
}

/** Where the configuration says the data lives. */
/** `holder`: who opens an embedded database's folder, as a second process would be told. */
export function databaseTarget(config: Config, holder?: string): DatabaseTarget {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'pglite', dataDir: config.dataDir, ...(holder ? { holder } : {}) }
}

/** Builds the services over an open database. */
export function createServices(
  db: Db,
  options: { secret?: string | undefined; now?: () => Date; resultsChanges?: ResultsChanges } = {},
): Services {
  const now = options.now ?? (() => new Date())
  const invitations = createInvitationService(db)
  const results = createResultsService(db)
  const outputs = createOutputsService(db, results, options.resultsChanges)
  return {
    db,
    survey: createSurveyService(db, invitations, now),
    invitations,
    mail: createMailService(db, now),
    feedback: createFeedbackService(db, now),
    staff: createStaffService(db, now),
    designer: createDesignerService(db, now),
    results,
    outputs,
    network: createNetworkService(db, results, outputs),
    briefs: createBriefService(db, results, outputs, now),
    methodology: createMethodologyService(db),
    apiTokens: createApiTokenService(db, now),
    health: createHealthService(db),
    // Without a configured secret, tokens are valid only for this process's lifetime.
    secret: options.secret ? Buffer.from(options.secret) : randomBytes(32),
    ...(options.resultsChanges ? { resultsChanges: options.resultsChanges } : {}),
  }
}

/** The server's services: its database with the statement timeout, pool errors told to `logger`. */
export function openServices(config: Config, logger: Logger): Services {
  const target = databaseTarget(config, `Pulso's server (port ${config.port})`)
  const db = openDatabase(
    target.kind === 'postgres'
      ? {
          ...target,
          statementTimeoutMs: config.statementTimeoutSeconds * 1000,
          onError: (error) => logger.warn({ err: error }, 'a database connection failed'),
        }
      : target,
  )
  return createServices(db, {
    secret: config.secret,
    // Embedded PGlite serves one process, whose pages ask it directly (no round trip to save).
    ...(target.kind === 'postgres' ? { resultsChanges: listenForResultsChanges(target) } : {}),
  })
}
