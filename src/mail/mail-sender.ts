import type { i18n } from 'i18next'
import nodemailer, { type SendMailOptions } from 'nodemailer'
import { fixedTranslations } from '../i18n/i18n.ts'
import type { Logger } from '../logger.ts'
import { composeMail } from './mail-message.ts'
import type { MailService } from './mail.service.ts'

export interface MailSettings {
  /** smtp://user:password@host:587 or smtps://… (SMTP_URL). */
  smtpUrl: string
  /** The sender, e.g. "Ciudad de Ejemplo <encuesta@ciudad.org>" (MAIL_FROM). */
  from: string
  /** The most messages this instance sends per minute (MAIL_RATE_PER_MINUTE). */
  ratePerMinute: number
}

// An address in what a mail server said is not kept: the failure outlives the address.
const withoutAddresses = (said: string) => said.replace(/[^\s<>"'@]+@[^\s<>"'@]+/g, '…').slice(0, 300)

/**
 * Sends the queued invitations and reminders in the background, at most `ratePerMinute`, and every
 * `keepUpMs` queues the reminders that fell due and forgets addresses kept too long. A mail server's
 * permanent refusal (5xx) is a bounce, never retried; anything else is tried again later. Every
 * instance may run one: a message is claimed by one sender (FOR UPDATE SKIP LOCKED).
 */
export function startMailSender(
  mail: MailService,
  settings: MailSettings,
  translator: i18n,
  log: Logger,
  options: { pollMs?: number; keepUpMs?: number } = {},
) {
  const transport = nodemailer.createTransport(settings.smtpUrl)
  const translations = fixedTranslations(translator)
  const pollMs = options.pollMs ?? 5000
  const keepUpMs = options.keepUpMs ?? 60_000
  const spacingMs = 60_000 / settings.ratePerMinute
  let stopped = false
  let wake: (() => void) | undefined
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  /** Sends through the mail server; what went wrong, if anything, as the queue records it. */
  async function deliver(message: SendMailOptions, queueId: number) {
    try {
      await transport.sendMail({ from: settings.from, ...message })
      return { outcome: 'sent' as const }
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode
      const said = withoutAddresses(
        String((error as { response?: string }).response ?? (error as Error).message),
      )
      const permanent = code !== undefined && code >= 500
      log.warn({ queueId, responseCode: code, permanent }, 'a message could not be sent')
      return { outcome: permanent ? ('bounced' as const) : ('retry' as const), said }
    }
  }

  async function sendOne(): Promise<boolean> {
    const message = await mail.claimNext()
    if (!message) {
      // Staff messages (an invitation to set a password, a reset) when no invitation is due.
      const toStaff = await mail.claimStaffMail()
      if (!toStaff) return false
      const sent = await deliver(
        { to: toStaff.address, subject: toStaff.subject, text: toStaff.body },
        toStaff.id,
      )
      await mail.settleStaffMail(toStaff, sent.outcome, sent.said)
      return true
    }
    const to = message.recipientId === null ? undefined : await mail.deliverable(message.recipientId)
    // Answered, opted out, bounced, forgotten, or its wave closed since it was queued.
    if (!to) {
      await mail.settle(message, 'cancelled')
      return true
    }
    const optOutUrl = `${new URL(to.surveyUrl).origin}/mail/stop/${await mail.optOutToken(to.id)}`
    const sent = await deliver(
      composeMail(message.kind, to, optOutUrl, (locale) => translations[locale]),
      message.id,
    )
    await mail.settle(message, sent.outcome, sent.said)
    return true
  }

  mail.onQueued(() => wake?.())
  const running = (async () => {
    let nextKeepUp = 0
    while (!stopped) {
      try {
        if (Date.now() >= nextKeepUp) {
          nextKeepUp = Date.now() + keepUpMs
          const done = await mail.keepUp()
          if (done.reminders || done.forgotten) log.info(done, 'mail: reminders queued, addresses forgotten')
        }
        const started = Date.now()
        const sent = await sendOne()
        if (!stopped) await pause(sent ? Math.max(0, spacingMs - (Date.now() - started)) : pollMs)
      } catch (error) {
        log.error({ err: error }, 'the mail sender failed; trying again shortly')
        if (!stopped) await pause(pollMs)
      }
    }
  })()

  return {
    async stop() {
      stopped = true
      wake?.()
      await running
      transport.close()
    },
  }
}

export type MailSender = ReturnType<typeof startMailSender>
