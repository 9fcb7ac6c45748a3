import type { StaffRole } from '../db/schema.ts'
import type { StaffUser } from './staff.repository.ts'

// Who may do what, decided here only: routes require a permission, templates read `can.*` booleans.
const ROLES_ALLOWED = {
  /** Questionnaires, waves, invitation codes. */
  designQuestionnaires: ['admin', 'designer'],
  /** Indicators, weighting margins, the weight cap. */
  editMethodology: ['admin', 'designer'],
  /** Partner projects: create, edit, open and close, moderate stories. */
  manageProjects: ['admin', 'designer'],
  /** Results, downloads, microdata, project results and API tokens. */
  readResults: ['admin', 'designer', 'evaluator'],
  /** Interviews and assisted entry in the field. */
  collectInField: ['admin', 'designer', 'facilitator'],
  /** Accounts and the audit log of the organization. */
  manageUsers: ['admin'],
  /** Anything for signed-in staff (their password, the dashboard, the list of projects). */
  signedIn: ['admin', 'designer', 'evaluator', 'facilitator'],
} as const satisfies Record<string, readonly StaffRole[]>

export type Permission = keyof typeof ROLES_ALLOWED | 'manageOrganizations'
export type Can = Record<Permission, boolean>

/** What this member (or nobody) may do. Organizations are for the platform's administrators only. */
export function permissionsFor(user: StaffUser | undefined): Can {
  const allowed = (roles: readonly StaffRole[]) => !!user && !user.disabled && roles.includes(user.role)
  return {
    designQuestionnaires: allowed(ROLES_ALLOWED.designQuestionnaires),
    editMethodology: allowed(ROLES_ALLOWED.editMethodology),
    manageProjects: allowed(ROLES_ALLOWED.manageProjects),
    readResults: allowed(ROLES_ALLOWED.readResults),
    collectInField: allowed(ROLES_ALLOWED.collectInField),
    manageUsers: allowed(ROLES_ALLOWED.manageUsers),
    signedIn: allowed(ROLES_ALLOWED.signedIn),
    manageOrganizations: allowed(['admin']) && !!user?.isPlatformAdmin,
  }
}
