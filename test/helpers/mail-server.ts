import type { AddressInfo } from 'node:net'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { sleep } from './app-process.ts'

export interface ReceivedMail {
  to: string
  from: string
  subject: string
  text: string
  html: string
  /** Header name (lower case) -> its raw value. */
  headers: Map<string, string>
}

/**
 * A real SMTP server in the test process, on a loopback port: it keeps what arrives, refuses for good
 * (550) addresses starting with `bounce`, and refuses for now (451) an address starting with `busy` the
 * first `busyTimes` times it is tried.
 */
export async function startMailServer(options: { busyTimes?: number } = {}) {
  const received: ReceivedMail[] = []
  const tries = new Map<string, number>()
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      const to = address.address
      tries.set(to, (tries.get(to) ?? 0) + 1)
      if (to.startsWith('bounce'))
        return callback(Object.assign(new Error(`5.1.1 <${to}>: user unknown`), { responseCode: 550 }))
      if (to.startsWith('busy') && tries.get(to)! <= (options.busyTimes ?? 1))
        return callback(Object.assign(new Error('4.3.2 try again later'), { responseCode: 451 }))
      callback()
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address).join(','),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            headers: new Map(
              mail.headerLines.map((h) => [h.key, h.line.slice(h.line.indexOf(':') + 1).trim()]),
            ),
          })
          callback()
        })
        .catch(callback)
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** How many times delivery to an address was tried. */
    tries: (address: string) => tries.get(address) ?? 0,
    /** Waits until `count` messages arrived in all (or fails after a while). */
    async waitFor(count: number, timeoutMs = 15_000): Promise<ReceivedMail[]> {
      for (const deadline = Date.now() + timeoutMs; received.length < count; await sleep(20))
        if (Date.now() > deadline) throw new Error(`${received.length} messages arrived, not ${count}`)
      return received
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export type MailServer = Awaited<ReturnType<typeof startMailServer>>
