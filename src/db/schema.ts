import type { ColumnType, Generated, JSONColumnType } from 'kysely'
import type { Translated } from '../questionnaire/translated.ts'
import type { QuestionMessages, ShowIf, QuestionType } from '../questionnaire/questionnaire.ts'
import type { FieldError } from '../questionnaire/answer-validation.ts'

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>

export interface OrganizationTable {
  id: Generated<number>
  slug: string
  name: string
  source_language: ColumnType<string, string | undefined, string>
  /** The Portuguese its citizens read when they ask for Portuguese without a region. */
  portuguese: ColumnType<'pt-BR' | 'pt-PT', 'pt-BR' | 'pt-PT' | undefined, 'pt-BR' | 'pt-PT'>
  /** The name per language, where it differs (a citizen of Lyon reads "Ville d’Exemple"). */
  names: JSONColumnType<Partial<Translated>, string | undefined, string>
  created_at: Timestamp
  /** Admins and evaluators must sign in with a second factor (TOTP). */
  require_two_factor: ColumnType<boolean, boolean | undefined, boolean>
  /** Its published results appear on the network page. */
  network_opt_in: ColumnType<boolean, boolean | undefined, boolean>
}

export interface SurveySeriesTable {
  id: Generated<number>
  organization_id: number
  code: string
  title: JSONColumnType<Translated>
  description: JSONColumnType<Partial<Translated>, string | undefined, string>
  translation_stamps: JSONColumnType<Record<string, string>, string | undefined, string>
  min_group_size: ColumnType<number, number | undefined, number>
  created_at: Timestamp
  /** Moved by triggers whenever the series' results can change (see migration 2026-11-28T0100). */
  results_version: ColumnType<number, never, never>
  /** A citizen perception survey, or a feedback questionnaire used by partner projects. */
  purpose: ColumnType<SeriesPurpose, SeriesPurpose | undefined, never>
  /** Raking weights above this multiple of the mean weight are trimmed; null: no cap. */
  weight_cap: ColumnType<number | null, number | null | undefined, number | null>
}

export type SeriesPurpose = 'perception' | 'feedback'

export type WaveStatus = 'draft' | 'open' | 'closed'

export interface WaveTable {
  id: Generated<number>
  series_id: number
  year: number
  status: ColumnType<WaveStatus, WaveStatus | undefined, WaveStatus>
  opens_at: Date | null
  closes_at: Date | null
  created_at: Timestamp
  access_mode: ColumnType<AccessMode, AccessMode | undefined, AccessMode>
  /** The year the margins were copied from, until staff confirm or replace them; null: confirmed. */
  margins_copied_from: ColumnType<number | null, number | null | undefined, number | null>
  /** Days after the last message before a reminder goes to someone who has not answered. */
  reminder_after_days: ColumnType<number, number | undefined, number>
  /** The most reminders one person gets (0: none). */
  reminder_limit: ColumnType<number, number | undefined, number>
  /** The strata invitations are made for; empty: typed freely. */
  strata: ColumnType<string[], string[] | undefined, string[]>
  /** What the invitation letters carry beyond the standard text. */
  letter: JSONColumnType<LetterSettings, string | undefined, string>
}

export interface LetterSettings {
  /** The city's address block, as printed at the top of each letter (lines). */
  address?: string
  /** The last day to answer (YYYY-MM-DD). */
  deadline?: string
  /** The opening paragraph per language, instead of the standard one. */
  intro?: Partial<Translated>
}

/** Who may answer a wave: anyone with the link, holders of an invitation code, or both. */
export type AccessMode = 'open' | 'invitation' | 'both'

export interface QuestionTable {
  id: Generated<number>
  wave_id: number
  code: string
  type: QuestionType
  position: number
  page: number
  required: ColumnType<boolean, boolean | undefined, boolean>
  text: JSONColumnType<Translated>
  help: JSONColumnType<Partial<Translated>, string | undefined, string>
  show_if: JSONColumnType<ShowIf | null, string | null | undefined, string | null>
  messages: JSONColumnType<QuestionMessages, string | undefined, string>
  is_profile: ColumnType<boolean, boolean | undefined, boolean>
  min_value: number | null
  max_value: number | null
  translation_stamps: JSONColumnType<Record<string, string>, string | undefined, string>
  break_in_series: ColumnType<boolean, boolean | undefined, boolean>
}

export interface QuestionOptionTable {
  id: Generated<number>
  question_id: number
  code: string
  position: number
  label: JSONColumnType<Translated>
}

export type Channel = 'web' | 'assisted' | 'imported' | 'paper'

export interface ResponseTable {
  id: Generated<number>
  wave_id: number
  language: string
  channel: Channel
  submitted_at: Timestamp
  idempotency_key: string
  /** Folded into the wave's tallies (results are computed from those). */
  tallied: ColumnType<boolean, boolean | undefined, boolean>
  /** How the response came: the open link, or an invitation code of the drawn sample. */
  access: ColumnType<'open' | 'invitation', 'open' | 'invitation' | undefined, never>
  /** The invitation's stratum (e.g. the district drawn from); nothing else of the code is kept. */
  stratum: ColumnType<string | null, string | null | undefined, never>
  /** The staff member who recorded an assisted interview; null when the citizen answered alone. */
  facilitator_id: ColumnType<number | null, number | null | undefined, never>
  /** The number printed on a paper questionnaire typed in by staff (unique per wave). */
  paper_serial: ColumnType<string | null, string | null | undefined, never>
}

export interface AnswerTable {
  response_id: number
  wave_id: number
  question_id: number
  option_code: string | null
  value_number: number | null
  value_text: string | null
}

export interface SurveyDraftTable {
  key_hash: string
  wave_id: number
  answers: JSONColumnType<Record<string, unknown>, string | undefined, string>
  created_at: Timestamp
  updated_at: Timestamp
  invitation_id: ColumnType<number | null, number | null | undefined, never>
  facilitator_id: ColumnType<number | null, number | null | undefined, never>
  paper_serial: ColumnType<string | null, string | null | undefined, never>
  refused: JSONColumnType<
    {
      step: string
      form: Record<string, string | string[]>
      errors: FieldError[]
    } | null,
    string | null | undefined,
    string | null
  >
}

export type StaffRole = 'admin' | 'designer' | 'evaluator' | 'facilitator'

export interface StaffUserTable {
  id: Generated<number>
  organization_id: number
  email: string
  name: ColumnType<string, string | undefined, string>
  role: StaffRole
  is_platform_admin: ColumnType<boolean, boolean | undefined, boolean>
  password_hash: string
  disabled_at: Date | null
  created_at: Timestamp
  password_changed_at: Timestamp
  /** The TOTP secret (base 32) once confirmed with a code; null: no second factor. */
  totp_secret: ColumnType<string | null, string | null | undefined, string | null>
  /** A secret shown for enrolment, not yet confirmed. */
  totp_pending_secret: ColumnType<string | null, string | null | undefined, string | null>
  /** The last TOTP time step accepted: a code works once. */
  totp_last_step: ColumnType<string | null, number | null | undefined, number | null>
}

/** A single-use link with which a staff member sets their password (invitation or reset). */
export interface StaffLinkTable {
  id: Generated<number>
  user_id: number
  purpose: 'invite' | 'reset'
  token_hash: string
  expires_at: Date
  used_at: Date | null
  created_by: number | null
  created_at: Timestamp
}

/** A message to a staff member, waiting or sent; its body is emptied once sent. */
export interface StaffMailTable {
  id: Generated<number>
  address: string
  subject: string
  body: string | null
  status: ColumnType<
    Exclude<MailStatus, 'cancelled'>,
    Exclude<MailStatus, 'cancelled'> | undefined,
    MailStatus
  >
  attempts: ColumnType<number, number | undefined, number>
  next_attempt_at: Timestamp
  sent_at: Date | null
  error: string | null
  created_at: Timestamp
}

export interface StaffSessionTable {
  id_hash: string
  user_id: number
  created_at: Timestamp
  expires_at: Date
  /** The password was right; the session opens nothing until the second factor is. */
  awaiting_second_factor: ColumnType<boolean, boolean | undefined, boolean>
}

export interface StaffRecoveryCodeTable {
  id: Generated<number>
  user_id: number
  code_hash: string
  used_at: Date | null
}

export interface SignInFailureTable {
  account: string
  failed_at: Timestamp
}

export interface AuditLogTable {
  id: Generated<number>
  organization_id: number | null
  user_id: number | null
  action: string
  subject: ColumnType<string, string | undefined, string>
  details: JSONColumnType<Record<string, unknown>, string | undefined, string>
  at: Timestamp
}

export interface IndicatorTable {
  id: Generated<number>
  series_id: number
  code: string
  question_code: string
  kind: 'share' | 'mean'
  success_codes: JSONColumnType<string[], string | undefined, string>
  excluded_codes: JSONColumnType<string[], string | undefined, string>
  label: JSONColumnType<Translated>
  position: ColumnType<number, number | undefined, number>
  /** Retired: kept, no longer computed or published. */
  retired_at: ColumnType<Date | null, Date | null | undefined, Date | null>
  /** A target on the indicator's scale (a proportion for a share), and the year it is for. */
  target_value: ColumnType<number | null, number | null | undefined, number | null>
  target_year: ColumnType<number | null, number | null | undefined, number | null>
  target_direction: ColumnType<'atLeast' | 'atMost', 'atLeast' | 'atMost' | undefined, 'atLeast' | 'atMost'>
  /** Why this target, per language. */
  target_reason: JSONColumnType<Partial<Translated>, string | undefined, string>
}

export interface PopulationMarginTable {
  wave_id: number
  variable: string
  level: string
  population: number
}

export interface RateLimitTable {
  key: string
  window_started_at: Date
  hits: number
}

/** Every table Pulso's application code may query. */
export interface TallyStateTable {
  wave_id: number
  profile_question_ids: number[]
  version: ColumnType<number, number | undefined, number>
}

export interface TrendComparisonTable {
  id: Generated<number>
  series_id: number
  city: string
  document: JSONColumnType<object, string, string>
  added_by: number | null
  added_at: Timestamp
}

export interface ApiTokenTable {
  id: Generated<number>
  user_id: number
  name: string
  token_hash: string
  created_at: Timestamp
  expires_at: Date
  revoked_at: Date | null
  last_used_at: Date | null
}

export interface InstanceKeyTable {
  name: string
  value: string
}

export interface InvitationBatchTable {
  id: Generated<number>
  wave_id: number
  stratum: string | null
  size: number
  request_key: string | null
  created_by: number | null
  created_at: Timestamp
  by_email: ColumnType<boolean, boolean | undefined, boolean>
}

export interface InvitationTable {
  id: Generated<number>
  wave_id: number
  batch_id: number
  code_hash: string
  stratum: string | null
  started: ColumnType<boolean, boolean | undefined, boolean>
  completed: ColumnType<boolean, boolean | undefined, boolean>
}

/** Someone invited by email: kept while the wave is open and 30 days after it closes. */
export interface MailRecipientTable {
  id: Generated<number>
  wave_id: number
  invitation_id: number
  address: string
  locale: string
  code: string
  survey_url: string
  opted_out: ColumnType<boolean, boolean | undefined, boolean>
  bounced: ColumnType<boolean, boolean | undefined, boolean>
  reminders_sent: ColumnType<number, number | undefined, number>
  last_sent_at: Date | null
  created_at: Timestamp
}

export type MailKind = 'invitation' | 'reminder'
export type MailStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'bounced' | 'cancelled'

/** One message to send or sent; outlives its recipient's address for the counts. */
export interface MailMessageTable {
  id: Generated<number>
  wave_id: number
  stratum: string | null
  recipient_id: number | null
  kind: MailKind
  status: ColumnType<MailStatus, MailStatus | undefined, MailStatus>
  attempts: ColumnType<number, number | undefined, number>
  next_attempt_at: Timestamp
  sent_at: Date | null
  error: string | null
  created_at: Timestamp
}

export interface ProfileTallyTable {
  wave_id: number
  access: string
  language: string
  profile: (string | null)[]
  respondents: number
}

export interface AnswerTallyTable {
  wave_id: number
  access: string
  language: string
  profile: (string | null)[]
  question_id: number
  pattern: string
  respondents: number
  valued: number
  value_sum: number
  value_sum_squares: number
}

/** The value number answers of a question are tallied from (see migration 2026-12-01T0400). */
export interface TallyShiftTable {
  wave_id: number
  question_id: number
  shift: number
}

export type ProjectStatus = 'draft' | 'open' | 'closed' | 'hidden'

export interface PartnerProjectTable {
  id: Generated<number>
  organization_id: number
  code: string
  name: string
  names: JSONColumnType<Partial<Translated>, string | undefined, string>
  partner: string
  country: string
  sector: string
  sdgs: JSONColumnType<number[], string | undefined, string>
  languages: JSONColumnType<string[], string, string>
  starts_on: ColumnType<string | null, string | null | undefined, string | null>
  ends_on: ColumnType<string | null, string | null | undefined, string | null>
  description: JSONColumnType<Partial<Translated>, string | undefined, string>
  questionnaire_series_id: number | null
  status: ColumnType<ProjectStatus, ProjectStatus | undefined, ProjectStatus>
  created_at: Timestamp
}

export type FeedbackReview = 'new' | 'approved' | 'rejected'

export interface FeedbackTable {
  id: Generated<number>
  project_id: number
  wave_id: number
  language: string
  channel: 'web' | 'assisted'
  facilitator_id: number | null
  publish_consent: boolean
  contact_consent: boolean
  submitted_at: Timestamp
  idempotency_key: string
  review: ColumnType<FeedbackReview, FeedbackReview | undefined, FeedbackReview>
  reviewed_by: number | null
  reviewed_at: Date | null
  redacted: ColumnType<boolean, boolean | undefined, boolean>
}

export interface FeedbackAnswerTable {
  feedback_id: number
  question_id: number
  option_code: string | null
  value_number: number | null
  value_text: string | null
}

export interface FeedbackContactTable {
  feedback_id: number
  contact: string
}

export interface Database {
  organization: OrganizationTable
  survey_series: SurveySeriesTable
  wave: WaveTable
  question: QuestionTable
  question_option: QuestionOptionTable
  response: ResponseTable
  answer: AnswerTable
  survey_draft: SurveyDraftTable
  staff_user: StaffUserTable
  staff_session: StaffSessionTable
  sign_in_failure: SignInFailureTable
  audit_log: AuditLogTable
  indicator: IndicatorTable
  population_margin: PopulationMarginTable
  rate_limit: RateLimitTable
  tally_state: TallyStateTable
  profile_tally: ProfileTallyTable
  answer_tally: AnswerTallyTable
  tally_shift: TallyShiftTable
  invitation_batch: InvitationBatchTable
  invitation: InvitationTable
  mail_recipient: MailRecipientTable
  mail_message: MailMessageTable
  staff_link: StaffLinkTable
  staff_recovery_code: StaffRecoveryCodeTable
  staff_mail: StaffMailTable
  instance_key: InstanceKeyTable
  trend_comparison: TrendComparisonTable
  api_token: ApiTokenTable
  partner_project: PartnerProjectTable
  feedback: FeedbackTable
  feedback_answer: FeedbackAnswerTable
  feedback_contact: FeedbackContactTable
  brief: BriefTable
}

/** A beneficiary's story chosen for a brief: one answer (feedback and question). */
export interface BriefStoryRef {
  feedback: number
  question: number
}

export interface BriefTable {
  id: Generated<number>
  series_id: number
  year: number
  lead: JSONColumnType<Partial<Translated>, string | undefined, string>
  indicator_codes: JSONColumnType<string[], string | undefined, string>
  stories: JSONColumnType<BriefStoryRef[], string | undefined, string>
  updated_at: Timestamp
  updated_by: number | null
  /** The brief as published (language-neutral JSON, see src/briefs/brief-content.ts); null: not published. */
  published: JSONColumnType<object | null, string | null | undefined, string | null>
  published_at: ColumnType<Date | null, Date | null | undefined, Date | null>
  published_by: number | null
}
