import type { ProjectStatus } from '../db/schema.ts'

// A partner project's lifecycle: draft → open (takes feedback) → closed (its page and stories stay),
// and hidden (gone from public view). The only place a project's status is compared.

export const PROJECT_STATUSES = [
  'draft',
  'open',
  'closed',
  'hidden',
] as const satisfies readonly ProjectStatus[]

type Project = { status: ProjectStatus }

/** Takes feedback now, on its form and through assisted entry (given its questionnaire's open wave). */
export const takesFeedback = (project: Project) => project.status === 'open'

/** Has a public page: open or closed; drafts and hidden projects do not exist for the public. */
export const hasPublicPage = (project: Project) => project.status === 'open' || project.status === 'closed'

/** The statuses of the projects field staff work on (they see no others). */
export const FIELD_STATUSES: ProjectStatus[] = ['open']
