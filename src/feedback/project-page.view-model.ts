import { countryName, type Formatters } from '../i18n/formatters.ts'
import { inLanguage, type Language } from '../questionnaire/translated.ts'
import type { PartnerProject } from './feedback.repository.ts'
import type { FeedbackService } from './feedback.service.ts'
import { takesFeedback } from './project-rules.ts'

/**
 * A partner project's public page: what it is, where and when, in the reader's language, whether it
 * takes feedback now, and one page of the stories its beneficiaries agreed to publish.
 */
export function projectPageViewModel(input: {
  project: PartnerProject
  /** This page's stories, and one more when there is a next page. */
  rows: Awaited<ReturnType<FeedbackService['publishedStories']>>
  page: number
  perPage: number
  language: Language
  format: Formatters
}) {
  const { project, format, language: lang } = input
  const stories = input.rows.slice(0, input.perPage).map((s) => ({
    language: s.language,
    text: s.text,
    question: inLanguage(s.questionText, lang),
    date: format.date(s.submittedAt),
  }))
  const period = [project.startsOn, project.endsOn]
    .map((d) => (d ? format.date(new Date(`${d}T12:00:00Z`)) : ''))
    .filter(Boolean)
    .join(' – ')
  return {
    title: project.name,
    project,
    countryName: countryName(project.country, lang),
    description: inLanguage(project.description, lang),
    period,
    open: takesFeedback(project),
    stories,
    nextHref:
      input.rows.length > input.perPage ? `/projects/${project.code}?page=${input.page + 1}` : undefined,
  }
}
