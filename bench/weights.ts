import { gzipSync } from 'node:zlib'
import { DEMO_PROJECTS, loadFeedbackDemo } from '../src/demo/feedback-demo.ts'
import { insertOrganization } from '../src/questionnaire/questionnaire.repository.ts'
import { insertUser } from '../src/staff/staff.repository.ts'
import { listen } from './listen.ts'
import { benchApp, benchSchema } from './setup.ts'

/**
 * What a beneficiary's phone downloads: each public feedback page and its stylesheet, as sent and as a
 * proxy would gzip them (the app itself does not compress; 15 KB is the budget uncompressed).
 */
export async function pageWeights(url: string) {
  const { db, drop } = await benchSchema(url, 'bench_weights')
  try {
    const organizationId = await insertOrganization(db, { slug: 'bench-region', name: 'Bench Region' })
    const facilitatorId = await insertUser(db, {
      organizationId,
      email: 'facilitator@bench.invalid',
      role: 'facilitator',
      passwordHash: 'x',
    })
    await loadFeedbackDemo(db, organizationId, facilitatorId)
    const server = await listen(benchApp(db))
    const css = Buffer.from(await (await fetch(`${server.url}/static/light.css`)).arrayBuffer())
    const pages: { page: string; html: number; gzip: number; total: number }[] = []
    for (const project of DEMO_PROJECTS) {
      for (const address of [`/f/${project.code}`, `/projects/${project.code}`]) {
        const html = Buffer.from(await (await fetch(`${server.url}${address}`)).arrayBuffer())
        pages.push({
          page: address,
          html: html.length,
          gzip: gzipSync(html).length + gzipSync(css).length,
          total: html.length + css.length,
        })
      }
    }
    server.close()
    return { css: css.length, pages }
  } finally {
    await drop()
  }
}
