import { countryName, languageName, type Formatters } from '../i18n/formatters.ts'
import type { Translate } from '../i18n/i18n.ts'
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
  locale: string
  format: Formatters
  t: Translate
}) {
  const { project, format, language: lang, t } = input
  // Stories under the question they answer (said once), each captioned with its language and date.
  const storyGroups: {
    question: string
    stories: { language: string; languageName: string; text: string; date: string }[]
  }[] = []
  for (const s of input.rows.slice(0, input.perPage)) {
    const question = inLanguage(s.questionText, lang)
    let group = storyGroups.find((g) => g.question === question)
    if (!group) storyGroups.push((group = { question, stories: [] }))
    group.stories.push({
      language: s.language,
      languageName: languageName(s.language, input.locale),
      text: s.text ?? '',
      date: format.date(s.submittedAt),
    })
  }
  const day = (d: string) => format.date(new Date(`${d}T12:00:00Z`))
  // An open-ended project runs "since" its start, rather than looking like a single day.
  const period =
    project.startsOn && project.endsOn
      ? `${day(project.startsOn)} – ${day(project.endsOn)}`
      : project.startsOn
        ? t('feedback.project.since', { date: day(project.startsOn) })
        : project.endsOn
          ? t('feedback.project.until', { date: day(project.endsOn) })
          : ''
  return {
    title: project.name,
    project,
    countryName: countryName(project.country, lang),
    description: inLanguage(project.description, lang),
    period,
    open: takesFeedback(project),
    storyGroups,
    nextHref:
      input.rows.length > input.perPage ? `/projects/${project.code}?page=${input.page + 1}` : undefined,
  }
}
