import type { TFunction } from 'i18next'
import { countryName, languageName, type Formatters } from '../i18n/formatters.ts'
import type { Locale } from '../i18n/locales.ts'
import { inLanguage, isLanguage, nameIn, type Language } from '../questionnaire/translated.ts'
import { indicatorTrendSvg, targetSentence } from '../results/results-page.view-model.ts'
import type { BriefContent, BriefIndicator } from './brief-content.ts'

/**
 * What a brief page shows in the reader's language: the lead, each headline indicator (figure,
 * interval, change in plain words, target, small chart), the groups that changed, the stories and the
 * method. The same for the published brief, the staff's preview and the print.
 */
export function briefPageViewModel(input: {
  content: BriefContent
  language: Language
  locale: Locale
  t: TFunction
  format: Formatters
  resultsHref: string
}) {
  const { content, language: lang, t, format } = input
  const list = (items: string[]) => new Intl.ListFormat(input.locale, { type: 'conjunction' }).format(items)
  const byCode = new Map(content.indicators.map((i) => [i.code, i]))
  const labelOf = (code: string) => inLanguage(byCode.get(code)?.label, lang)
  const m = content.method
  return {
    title: t('briefs.pageTitle', { year: content.year, series: inLanguage(content.seriesTitle, lang) }),
    year: content.year,
    seriesTitle: inLanguage(content.seriesTitle, lang),
    organizationName: nameIn(content.organization.names, content.organization.name, lang),
    lead: inLanguage(content.lead, lang),
    indicators: content.indicators.map((i) => indicatorModel(i, content, input)),
    // Per indicator, its largest significant changes (the API and the full results give every group).
    groups: content.indicators.flatMap((indicator) => {
      const changed = content.groups.filter((g) => g.indicator === indicator.code)
      if (changed.length === 0) return []
      const show = shower(indicator.kind, format)
      return [
        {
          indicator: inLanguage(indicator.label, lang),
          items: changed.slice(0, GROUPS_SHOWN).map((g) =>
            t(g.change > 0 ? 'briefs.groupUp' : 'briefs.groupDown', {
              group: inLanguage(g.groupLabel, lang),
              value: magnitude(indicator.kind, g.change, t, format),
              before: show(g.before),
              after: show(g.after),
            }),
          ),
          more: Math.max(0, changed.length - GROUPS_SHOWN),
        },
      ]
    }),
    hasPrevious: content.previousYear !== null,
    previousYear: content.previousYear,
    stories: content.stories.map((s) => ({
      text: s.text,
      // The story in the language it was told in: a screen reader reads it with the right voice.
      lang: s.language,
      language: isLanguage(s.language) && s.language === lang ? '' : languageName(s.language, input.locale),
      project: nameIn(s.project.names, s.project.name, lang),
      place: [s.project.partner, countryName(s.project.country, lang)].filter(Boolean).join(', '),
      month: format.month(s.month),
    })),
    method: [
      t(m.weighted ? 'briefs.methodWeighted' : 'briefs.methodUnweighted', {
        year: content.year,
        count: m.respondents,
        formatted: format.number(m.respondents),
        variables: list(m.weightedBy.map((v) => t('briefs.quoted', { text: inLanguage(v, lang) }))),
      }),
      t('briefs.methodIntervals', { min: m.minGroupSize }),
      ...(m.breaks.length
        ? [
            t('briefs.methodBreaks', {
              indicators: list(m.breaks.map(labelOf)),
              year: content.year,
              count: m.breaks.length,
            }),
          ]
        : []),
      ...(m.weightingDiffers.length ? [t('results.change.weightingDiffers')] : []),
    ],
    resultsHref: input.resultsHref,
  }
}

/** The groups a brief names per indicator: it must fit two pages. */
const GROUPS_SHOWN = 3

const shower = (kind: 'share' | 'mean', format: Formatters) => (v: number) =>
  kind === 'share' ? format.percent(v, 1) : format.number(v, 1)

/** A change's size as people say it: "9,0 puntos" for a share (the plural rule of the number), "0,4" for a mean. */
function magnitude(kind: 'share' | 'mean', value: number, t: TFunction, format: Formatters) {
  const size = Math.abs(kind === 'share' ? value * 100 : value)
  return kind === 'share'
    ? `${format.number(size, 1)} ${t('results.points', { count: Number(size.toFixed(1)) })}`
    : format.number(size, 1)
}

function indicatorModel(
  indicator: BriefIndicator,
  content: BriefContent,
  input: { language: Language; t: TFunction; format: Formatters },
) {
  const { language: lang, t, format } = input
  const show = shower(indicator.kind, format)
  const label = inLanguage(indicator.label, lang)
  const c = indicator.change
  let changeText = t('briefs.change.first')
  if (c?.breakInSeries) changeText = t('briefs.change.break', { from: c.from })
  else if (c && (!c.comparable || c.estimate === null))
    changeText = t('briefs.change.withheld', { from: c.from })
  else if (c && c.estimate !== null) {
    const value = magnitude(indicator.kind, c.estimate, t, format)
    changeText = c.significant
      ? t(c.estimate > 0 ? 'briefs.change.upReal' : 'briefs.change.downReal', { value, from: c.from })
      : t('briefs.change.unsure', {
          from: c.from,
          value: `${c.estimate > 0 ? '+' : c.estimate < 0 ? '−' : ''}${value}`,
        })
    // One wave weighted and the other not: said beside the change, never left to the footnote.
    if (c.weightingDiffers) changeText += ` ${t('results.change.weightingDiffers')}`
  }
  const target = indicator.target
  const targetShown = target ? show(target.value) : ''
  // The two waves a projection runs through (since the last break).
  const lastBreak = indicator.points.findLastIndex((p) => p.breakInSeries)
  const since = indicator.points.slice(Math.max(0, lastBreak)).slice(-2)
  const targetText = !target
    ? ''
    : target.status
      ? targetSentence(t, target.status, {
          value: targetShown,
          year: target.year,
          direction: target.direction,
          projected: target.status.projected === null ? '' : show(target.status.projected),
          from: since.at(-2)?.wave,
          to: since.at(-1)?.wave,
        })
      : t('targets.line', {
          direction: t(`targets.${target.direction}Short`),
          value: targetShown,
          year: target.year,
        })
  const description = indicator.points
    .map((p) =>
      t('results.chartPoint', {
        wave: p.wave,
        value: show(p.estimate),
        low: show(p.ciLow),
        high: show(p.ciHigh),
      }),
    )
    .join(' ')
  const chart = indicator.points.length
    ? indicatorTrendSvg(
        indicator.points.map((p) => ({ ...p, soFar: false })),
        {
          id: `brief-${indicator.code}`,
          kind: indicator.kind,
          label,
          description: `${description} ${changeText}`.trim(),
          target,
          t,
          format,
          size: { width: 360, height: 200 },
        },
      )
    : ''
  return {
    code: indicator.code,
    label,
    figure: indicator.latest ? show(indicator.latest.estimate) : t('results.tooFew'),
    interval: indicator.latest
      ? t('briefs.interval', { low: show(indicator.latest.ciLow), high: show(indicator.latest.ciHigh) })
      : '',
    changeText,
    targetText,
    targetReason: target ? inLanguage(target.reason, lang) : '',
    reached: target?.status?.call ?? null,
    chart,
    year: content.year,
  }
}
