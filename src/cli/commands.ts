import { z } from 'zod'
import type { Db } from '../db/database.ts'
import type { StaffRole } from '../db/schema.ts'
import { insertOrganization } from '../questionnaire/questionnaire.repository.ts'
import { recordAudit } from '../staff/audit.ts'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../staff/password.ts'
import { findOrganizationBySlug } from '../staff/staff.repository.ts'
import { createStaffService, STAFF_ROLES } from '../staff/staff.service.ts'
import { readSecret } from './read-secret.ts'

/** A mistake in the command's input: printed as one line, exit code 2. */
export class CliError extends Error {}

type Flags = Record<string, string | boolean | undefined>
type Option = { type: 'string' | 'boolean' }

export interface Command {
  usage: string
  options: Record<string, Option>
  run: (db: Db, flags: Flags) => Promise<string>
}

function need<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new CliError(`--${flag}: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  return parsed.data
}

const slug = z
  .string({ error: 'is required' })
  .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'use 2-40 lowercase letters, digits or dashes')

export const commands: Record<string, Command> = {
  'org:create': {
    usage: '--slug ORG --name NAME --source-lang es|fr|pt',
    options: { slug: { type: 'string' }, name: { type: 'string' }, 'source-lang': { type: 'string' } },
    async run(db, flags) {
      const organization = {
        slug: need(slug, flags.slug, 'slug'),
        name: need(
          z.string({ error: 'is required' }).trim().min(2, 'is too short').max(120, 'is too long'),
          flags.name,
          'name',
        ),
        sourceLanguage: need(
          z.enum(['es', 'fr', 'pt'], { error: 'must be es, fr or pt' }),
          flags['source-lang'] ?? 'es',
          'source-lang',
        ),
      }
      if (await findOrganizationBySlug(db, organization.slug))
        throw new CliError(`--slug: the organization "${organization.slug}" already exists`)
      const id = await insertOrganization(db, organization)
      await recordAudit(db, {
        organizationId: id,
        userId: null,
        action: 'organization.create',
        subject: organization.slug,
        details: { via: 'cli' },
      })
      return `Created organization "${organization.name}" (${organization.slug}, source language ${organization.sourceLanguage}).`
    },
  },

  'user:create': {
    usage:
      '--org ORG --email EMAIL --role admin|designer|evaluator|facilitator [--platform-admin] (password from a prompt or stdin)',
    options: {
      org: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      'platform-admin': { type: 'boolean' },
    },
    async run(db, flags) {
      const orgSlug = need(slug, flags.org, 'org')
      const email = need(
        z.string({ error: 'is required' }).trim().pipe(z.email('is not an email address')),
        flags.email,
        'email',
      )
      const role = need(
        z.enum(STAFF_ROLES, { error: `must be one of ${STAFF_ROLES.join(', ')}` }),
        flags.role,
        'role',
      ) as StaffRole
      const organization = await findOrganizationBySlug(db, orgSlug)
      if (!organization) throw new CliError(`--org: no organization "${orgSlug}" (create it with org:create)`)
      const platformAdmin = flags['platform-admin'] === true
      if (platformAdmin && role !== 'admin') throw new CliError('--platform-admin goes with --role admin')
      const password = await readSecret(`Password for ${email}: `)
      if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
        throw new CliError(
          `the password must have ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
        )
      }
      const created = await createStaffService(db).createUser(null, {
        organizationId: organization.id,
        email,
        name: typeof flags.name === 'string' ? flags.name : '',
        role,
        isPlatformAdmin: platformAdmin,
        password,
      })
      if (!created.ok) throw new CliError(`--email: an account with ${email} already exists`)
      return `Created ${role}${platformAdmin ? ' (platform administrator)' : ''} ${email} in ${organization.slug}.`
    },
  },
}
