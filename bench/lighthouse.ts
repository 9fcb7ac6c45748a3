import { existsSync } from 'node:fs'
import type { Locale } from '../src/i18n/locales.ts'
import { CHROMIUM } from '../test/helpers/browser.ts'
import { median, startLighthouseSite } from '../test/helpers/lighthouse-site.ts'

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const

/**
 * Lighthouse's four categories (mobile settings: simulated slow 4G, 4× CPU) on every public page type
 * of these locales, each page audited `runs` times: the median of each score, the range of the
 * performance score, and the median of the metrics behind it. Undefined without Debian's Chromium.
 */
export async function lighthouseBenchmark(locales: Locale[], runs: number) {
  if (!existsSync(CHROMIUM)) return undefined
  const site = await startLighthouseSite()
  const rows: {
    locale: Locale
    page: string
    scores: Record<(typeof CATEGORIES)[number], number>
    performanceRange: [number, number]
    metrics: Record<string, number>
  }[] = []
  try {
    for (const locale of locales)
      for (const [page, path, cookies] of await site.pages(locale)) {
        const url = `${site.url}${path}`
        // Readers get a kept results page: its first rendering is the results benchmark's.
        if (path.includes('/results')) await fetch(url)
        const audits: Awaited<ReturnType<typeof site.audit>>[] = []
        for (let i = 0; i < runs; i++) audits.push(await site.audit(url, CATEGORIES, cookies))
        const performance = audits.map((a) => a.scores.performance!)
        rows.push({
          locale,
          page,
          scores: Object.fromEntries(
            CATEGORIES.map((c) => [c, median(audits.map((a) => a.scores[c]!))]),
          ) as Record<(typeof CATEGORIES)[number], number>,
          performanceRange: [Math.min(...performance), Math.max(...performance)],
          metrics: Object.fromEntries(
            Object.keys(audits[0]!.metrics).map((id) => [
              id,
              median(audits.map((a) => a.metrics[id] ?? NaN)),
            ]),
          ),
        })
      }
    return rows
  } finally {
    await site.close()
  }
}
