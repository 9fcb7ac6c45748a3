import type { StaffUser } from './staff.repository.ts'

// Operators at the command line act as the platform (id 0), recorded without a staff member.
export const actorId = (actor: StaffUser) => (actor.id > 0 ? actor.id : null)

/** The platform acting for an organization from the command line. */
export function operatorActor(organization: {
  id: number
  slug: string
  name: string
  sourceLanguage: string
}): StaffUser {
  return {
    id: 0,
    organizationId: organization.id,
    organizationSlug: organization.slug,
    organizationName: organization.name,
    sourceLanguage: organization.sourceLanguage,
    email: 'operator',
    name: 'operator',
    role: 'admin',
    isPlatformAdmin: true,
    disabled: false,
    twoFactor: false,
    mustEnrolTwoFactor: false,
  }
}
