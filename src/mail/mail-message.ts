import type { TFunction } from 'i18next'
import type { MailKind } from '../db/schema.ts'
import { languageOfLocale, type Locale } from '../i18n/locales.ts'
import { formattersFor } from '../i18n/formatters.ts'
import { inLanguage, organizationNameIn, type Translated } from '../questionnaire/translated.ts'

export interface MailTo {
  address: string
  locale: string
  code: string
  surveyUrl: string
  year: number
  seriesTitle: Partial<Translated>
  organizationName: string
  organizationNames: Partial<Translated> | null
  /** The wave's letter settings: its deadline is said in the message too. */
  letter?: { deadline?: string }
}

export interface ComposedMail {
  to: string
  subject: string
  text: string
  html: string
  headers: Record<string, string>
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/**
 * An invitation or reminder in its reader's language: their single-use link (the code fills itself
 * in), the code to type at the survey's address, why they were chosen, and how to stop the messages.
 * Plain text first; the HTML part says the same, with the links clickable.
 */
export function composeMail(
  kind: MailKind,
  to: MailTo,
  optOutUrl: string,
  tFor: (locale: Locale) => TFunction,
): ComposedMail {
  const locale = to.locale as Locale
  const t = tFor(locale)
  const language = languageOfLocale(locale)
  const organization = organizationNameIn(to, language)
  const survey = inLanguage(to.seriesTitle, language)
  const link = `${to.surveyUrl}/i/${to.code}?lang=${locale}`
  const paragraphs: { text: string; link?: string }[] = [
    { text: t('mail.greeting') },
    {
      text:
        kind === 'reminder'
          ? t('mail.reminderIntro', { survey, year: to.year })
          : t('invitations.letter.why', { organization }),
    },
    { text: t('mail.yourLink'), link },
    { text: t('invitations.letter.orType', { address: to.surveyUrl }), link: to.code },
    ...(to.letter?.deadline
      ? [
          {
            text: t('invitations.letter.deadline', {
              date: formattersFor(locale).date(new Date(`${to.letter.deadline}T12:00:00Z`)),
            }),
          },
        ]
      : []),
    { text: t('invitations.letter.oneResponse') },
    { text: t('invitations.letter.anonymous') },
    { text: organization },
    { text: t('mail.stop'), link: optOutUrl },
  ]
  const text = paragraphs.map((p) => (p.link ? `${p.text}\n${p.link}` : p.text)).join('\n\n') + '\n'
  const html =
    `<!doctype html><html lang="${locale}"><body>` +
    paragraphs
      .map((p) => {
        if (!p.link) return `<p>${escapeHtml(p.text)}</p>`
        const shown = p.link.startsWith('http')
          ? `<a href="${escapeHtml(p.link)}">${escapeHtml(p.link)}</a>`
          : `<strong>${escapeHtml(p.link)}</strong>`
        return `<p>${escapeHtml(p.text)}<br>${shown}</p>`
      })
      .join('') +
    '</body></html>'
  return {
    to: to.address,
    subject: t(kind === 'reminder' ? 'mail.reminderSubject' : 'mail.invitationSubject', {
      organization,
      survey,
      year: to.year,
    }),
    text,
    html,
    // Mail programs show an unsubscribe button and may use it in one click (RFC 8058).
    headers: { 'List-Unsubscribe': `<${optOutUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  }
}
