import { Resvg } from '@resvg/resvg-js'
import type { Request, Response } from 'express'
import { readerHasCurrent } from '../http/page-cache.ts'

/** A standalone chart SVG as a 1280-pixel-wide PNG, drawn without a browser (newsletters, social media). */
export function chartPng(svg: string): Buffer {
  return Buffer.from(
    new Resvg(svg, {
      fitTo: { mode: 'width', value: 1280 },
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    })
      .render()
      .asPng(),
  )
}

/**
 * A chart image for other sites (a city's website, a newsletter, social media previews): readable from
 * any origin, kept five minutes, per language, revalidated by its ETag.
 */
export function sendSharedChart(
  req: Request,
  res: Response,
  chart: { body: Buffer; etag: string; type: 'image/svg+xml' | 'image/png' },
): void {
  res.set({
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'Cache-Control': 'public, max-age=300',
    ETag: chart.etag,
  })
  res.vary('Accept-Language')
  if (readerHasCurrent(req, chart.etag)) {
    res.status(304).end()
    return
  }
  res.type(chart.type).send(chart.body)
}
