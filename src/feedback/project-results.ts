import type { TFunction } from 'i18next'
import { csvLine } from '../http/csv.ts'
import type { formattersFor } from '../i18n/formatters.ts'
import { periodChartSvg } from '../results/charts.ts'
import { questionType } from '../questionnaire/question-types/index.ts'
import { inLanguage, type Language } from '../questionnaire/translated.ts'
import type { feedbackMicrodata, PartnerProject } from './feedback.repository.ts'
import type { FeedbackService } from './feedback.service.ts'

type Results = Awaited<ReturnType<FeedbackService['projectResults']>>
type Stories = Awaited<ReturnType<FeedbackService['publishedStories']>>

/** Below this many answers, a month's mean is marked as too few to read. */
export const FEW_ANSWERS = 3

/** What the results page shows: a table of responses by month and channel, and each rating over time. */
export function projectResultsView(
  results: Results,
  language: Language,
  t: TFunction,
  format: ReturnType<typeof formattersFor>,
) {
  const periods = [...new Set(results.counts.map((c) => c.period))].sort()
  const count = (period: string, channel: string) =>
    results.counts.find((c) => c.period === period && c.channel === channel)?.responses ?? 0
  const byPeriod = periods.map((period) => ({
    period,
    month: format.month(period),
    web: count(period, 'web'),
    assisted: count(period, 'assisted'),
    total: count(period, 'web') + count(period, 'assisted'),
  }))
  const totals = {
    web: byPeriod.reduce((n, p) => n + p.web, 0),
    assisted: byPeriod.reduce((n, p) => n + p.assisted, 0),
    total: byPeriod.reduce((n, p) => n + p.total, 0),
  }
  const ratings = results.questions.map((question, index) => {
    const rows = results.ratings.filter((r) => r.questionCode === question.code)
    const label = inLanguage(question.text, language)
    const domain = questionType(question.type).results.ratingScale ?? [0, 10]
    return {
      code: question.code,
      label,
      rows: rows.map((r) => ({
        period: r.period,
        month: format.month(r.period),
        mean: format.number(r.mean, 2),
        n: format.number(r.n),
        // A mean of one or two answers says little: marked in the table and drawn hollow.
        few: r.n < FEW_ANSWERS ? t('projects.results.few', { count: r.n }) : '',
      })),
      hasFew: rows.some((r) => r.n < FEW_ANSWERS),
      chart:
        rows.length === 0
          ? ''
          : periodChartSvg(
              rows.map((r) => ({ label: format.month(r.period), value: r.mean, few: r.n < FEW_ANSWERS })),
              domain,
              {
                id: `rating-${index}`,
                title: label,
                description: t('projects.results.chartDescription', { from: domain[0], to: domain[1] }),
                tick: (v) => format.number(v),
              },
            ),
    }
  })
  return { byPeriod, totals, ratings }
}

/** The results as one tidy CSV: responses per month and channel, then mean ratings per month. */
export function projectResultsCsv(project: PartnerProject, results: Results): string {
  let out = '\uFEFF' + csvLine(['project', 'measure', 'period', 'channel', 'question', 'value', 'n'])
  for (const c of results.counts)
    out += csvLine([project.code, 'responses', c.period, c.channel, '', c.responses, c.responses])
  for (const r of results.ratings)
    out += csvLine([
      project.code,
      'mean_rating',
      r.period,
      '',
      r.questionCode,
      Number(r.mean.toFixed(6)),
      r.n,
    ])
  return out
}

/** The published stories (approved, with consent; redacted text only): never a contact, never a person. */
export function storiesCsv(project: PartnerProject, stories: Stories): string {
  let out = '\uFEFF' + csvLine(['project', 'submitted_on', 'language', 'question', 'story'])
  for (const s of stories)
    out += csvLine([
      project.code,
      s.submittedAt.toISOString().slice(0, 10),
      s.language,
      s.questionCode,
      s.text ?? '',
    ])
  return out
}

/**
 * One row per feedback entry: version, language, channel, the facilitator (staff id) for assisted
 * entries, consent and review, then one column per question code. Stories appear only when published
 * (approved, with consent, as redacted); contacts never.
 */
export function feedbackEntriesCsv(
  project: PartnerProject,
  data: Awaited<ReturnType<typeof feedbackMicrodata>>,
): string {
  const codes = [...new Set(data.answers.map((a) => a.code))]
  const byEntry = new Map<number, Map<string, (string | number)[]>>()
  const published = new Set(
    data.entries.filter((e) => e.publishConsent && e.review === 'approved').map((e) => e.id),
  )
  for (const a of data.answers) {
    let mine = byEntry.get(a.feedbackId)
    if (!mine) byEntry.set(a.feedbackId, (mine = new Map<string, (string | number)[]>()))
    const module = questionType(a.type)
    const value = module.results.story
      ? published.has(a.feedbackId)
        ? (a.valueText ?? '')
        : null
      : module.cellValue({ option_code: a.optionCode, value_number: a.valueNumber, value_text: a.valueText })
    if (value === null) continue
    mine.set(a.code, [...(mine.get(a.code) ?? []), value])
  }
  let out =
    '\uFEFF' +
    csvLine([
      'project',
      'entry',
      'submitted_on',
      'version',
      'language',
      'channel',
      'facilitator',
      'publish_consent',
      'review',
      ...codes,
    ])
  for (const e of data.entries) {
    const mine = byEntry.get(e.id)
    out += csvLine([
      project.code,
      e.id,
      e.submittedAt.toISOString().slice(0, 10),
      e.version,
      e.language,
      e.channel,
      e.facilitatorId,
      e.publishConsent ? 'yes' : 'no',
      e.review,
      // A number stays a number (one answer); option codes of a multiple choice are joined by spaces.
      ...codes.map((code) => {
        const values = mine?.get(code)
        return values?.length === 1 ? values[0] : (values?.join(' ') ?? null)
      }),
    ])
  }
  return out
}
