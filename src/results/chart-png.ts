import { Resvg } from '@resvg/resvg-js'

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
