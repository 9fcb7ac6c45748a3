import { scaleBand, scaleLinear, scalePoint } from 'd3-scale'
import { area, line } from 'd3-shape'

// Server-rendered SVG charts: d3 computes scales and paths; colours come from the stylesheet (classes).

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

/**
 * Every chart is drawn 360 units wide: on a 360 px phone (328 px to draw in) its 14-unit labels render
 * at 12.75 px, and the stylesheet keeps it within 26rem on wider screens (16 px labels).
 */
export const CHART_WIDTH = 360
/** The narrowest room a label on the horizontal axis gets: closer ticks are labelled every other one. */
const AXIS_LABEL_ROOM = 44

/** Which of n evenly spaced axis ticks get a label: every k-th from the last, so the newest always has one. */
const labelledTicks = (n: number, step: number, room = AXIS_LABEL_ROOM) => {
  const every = Math.max(1, Math.ceil(room / Math.max(step, 1)))
  return (i: number) => (n - 1 - i) % every === 0
}

/** About half the width of a label of so many characters at 14 units (to keep it inside the chart). */
const approxHalfWidth = (characters: number) => characters * 3.8

/** The opening of an accessible chart: its size, and the title and description a screen reader reads. */
function chartOpening(
  width: number,
  height: number,
  text: Pick<ChartText, 'id' | 'title' | 'description'>,
  margin: { top: number; right: number; bottom: number; left: number },
) {
  // data-plot: the area marks are drawn in (left top right bottom), which every mark must stay inside.
  const plot = [margin.left, margin.top, width - margin.right, height - margin.bottom].join(' ')
  return [
    `<svg class="chart" viewBox="0 0 ${width} ${height}" data-plot="${plot}" role="img" aria-labelledby="${text.id}-title ${text.id}-desc" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${text.id}-title">${escapeXml(text.title)}</title>`,
    `<desc id="${text.id}-desc">${escapeXml(text.description)}</desc>`,
  ]
}

/**
 * The chart's markup, closed, with coordinates rounded to a tenth of a unit (invisible on any screen;
 * a page of small multiples weighs a third less).
 */
function closeChart(parts: string[]): string {
  const round = (v: string) => String(Math.round(Number(v) * 10) / 10)
  return (parts.join('') + '</svg>').replace(
    / (x|y|x1|x2|y1|y2|cx|cy|width|height|d)="([^"]*)"/g,
    (_, name: string, value: string) => ` ${name}="${value.replace(/-?\d+\.\d+/g, round)}"`,
  )
}

/** Horizontal grid lines at the value ticks, labelled on the left. */
function valueGrid(
  y: (value: number) => number,
  ticks: number[],
  width: number,
  margin: { left: number; right: number },
  label: (value: number) => string,
): string[] {
  return ticks.flatMap((t) => [
    `<line class="chart-grid" x1="${margin.left}" x2="${width - margin.right}" y1="${y(t)}" y2="${y(t)}"/>`,
    `<text class="chart-tick" x="${margin.left - 8}" y="${y(t) + 4}" text-anchor="end">${escapeXml(label(t))}</text>`,
  ])
}

export interface TrendPoint {
  wave: number
  estimate: number
  ciLow: number
  ciHigh: number
  breakInSeries: boolean
  soFar: boolean
}

export interface ChartText {
  id: string
  title: string
  description: string
  /** Formats an axis value in the reader's language. */
  tick: (value: number) => string
  breakLabel: string
  soFarLabel: string
  /** A target drawn as a dashed line across the chart, with its label ("Meta 2027: 45 %"). */
  target?: { value: number; label: string }
}

/**
 * The value axis for what a chart draws: estimates and both ends of their intervals, from 0 (shares
 * up to 100 %); the chart rounds it outwards, so no mark falls outside.
 */
export function valueDomain(
  marks: { estimate: number | null; ciLow: number | null; ciHigh: number | null }[],
  kind: 'share' | 'mean',
): [number, number] {
  const values = marks.flatMap((m) => [m.estimate, m.ciLow, m.ciHigh]).filter((v): v is number => v !== null)
  if (kind === 'share') return [0, Math.min(1, Math.max(0.1, ...values))]
  return [Math.min(0, ...values), Math.max(1, ...values)]
}

/** Consecutive points not separated by a break: a line or band never runs across a break. */
function segments(points: TrendPoint[]): TrendPoint[][] {
  const out: TrendPoint[][] = []
  for (const p of points) {
    if (out.length === 0 || p.breakInSeries) out.push([])
    out.at(-1)!.push(p)
  }
  return out
}

/** An indicator over the waves: the estimate as a line, its 95% interval as a band, breaks marked. */
export function trendChartSvg(
  points: TrendPoint[],
  domain: [number, number],
  text: ChartText,
  size: { width: number; height: number } = { width: CHART_WIDTH, height: 240 },
): string {
  const { width } = size
  // A wave still open says so under its year, on a line of its own.
  const soFar = points.some((p) => p.soFar)
  const height = size.height + (soFar ? 16 : 0)
  const margin = { top: 16, right: 24, bottom: soFar ? 52 : 36, left: 56 }
  const x = scalePoint<number>()
    .domain(points.map((p) => p.wave))
    .range([margin.left, width - margin.right])
    .padding(0.3)
  const y = scaleLinear()
    .domain(domain)
    .nice()
    .range([height - margin.bottom, margin.top])
  const band = area<TrendPoint>()
    .x((p) => x(p.wave)!)
    .y0((p) => y(p.ciLow))
    .y1((p) => y(p.ciHigh))
  const path = line<TrendPoint>()
    .x((p) => x(p.wave)!)
    .y((p) => y(p.estimate))
  const ticks = y.ticks(5)
  const parts = [
    ...chartOpening(width, height, text, margin),
    ...valueGrid(y, ticks, width, margin, text.tick),
  ]
  if (text.target) {
    const ty = y(text.target.value)
    parts.push(
      `<line class="chart-target" x1="${margin.left}" x2="${width - margin.right}" y1="${ty}" y2="${ty}"/>`,
      `<text class="chart-target-label" x="${width - margin.right}" y="${ty - 4}" text-anchor="end">${escapeXml(text.target.label)}</text>`,
    )
  }
  for (const run of segments(points))
    parts.push(`<path class="chart-band" d="${band(run)}"/>`, `<path class="chart-line" d="${path(run)}"/>`)
  const labelled = labelledTicks(points.length, x.step())
  points.forEach((p, i) => {
    const cx = x(p.wave)!
    parts.push(
      `<line class="chart-interval" x1="${cx}" x2="${cx}" y1="${y(p.ciLow)}" y2="${y(p.ciHigh)}"/>`,
      `<circle class="chart-dot${p.soFar ? ' chart-dot-open' : ''}" cx="${cx}" cy="${y(p.estimate)}" r="5"/>`,
    )
    if (labelled(i) || p.soFar)
      parts.push(
        `<text class="chart-tick" x="${cx}" y="${height - margin.bottom + 20}" text-anchor="middle">${p.wave}${p.soFar ? `<tspan x="${Math.min(cx, width - 2 - approxHalfWidth(text.soFarLabel.length + 2))}" dy="16">(${escapeXml(text.soFarLabel)})</tspan>` : ''}</text>`,
      )
    if (p.breakInSeries) {
      const bx = cx - x.step() / 2
      parts.push(
        `<line class="chart-break" x1="${bx}" x2="${bx}" y1="${margin.top}" y2="${height - margin.bottom}"/>`,
        `<text class="chart-break-label" x="${bx + 4}" y="${margin.top + 10}">${escapeXml(text.breakLabel)}</text>`,
      )
    }
  })
  return closeChart(parts)
}

export interface GroupPoint {
  label: string
  estimate: number | null
  ciLow: number | null
  ciHigh: number | null
}

/** One wave by group: a dot and its 95% interval per group; withheld groups are listed without a dot. */
export function groupChartSvg(
  groups: GroupPoint[],
  domain: [number, number],
  text: ChartText & { withheldLabel: string },
): string {
  const rowHeight = 30
  const width = CHART_WIDTH
  const margin = { top: 12, right: 24, bottom: 32, left: 150 }
  const height = margin.top + margin.bottom + rowHeight * groups.length
  const y = scaleBand<string>()
    .domain(groups.map((g) => g.label))
    .range([margin.top, height - margin.bottom])
    .padding(0.2)
  const x = scaleLinear()
    .domain(domain)
    .nice()
    .range([margin.left, width - margin.right])
  const parts = chartOpening(width, height, text, margin)
  // Value labels such as "100 %" need about 60 units each.
  for (const t of x.ticks(Math.max(2, Math.floor((width - margin.left - margin.right) / 60)))) {
    parts.push(
      `<line class="chart-grid" x1="${x(t)}" x2="${x(t)}" y1="${margin.top}" y2="${height - margin.bottom}"/>`,
      `<text class="chart-tick" x="${x(t)}" y="${height - margin.bottom + 18}" text-anchor="middle">${escapeXml(text.tick(t))}</text>`,
    )
  }
  for (const g of groups) {
    const cy = y(g.label)! + y.bandwidth() / 2
    parts.push(
      `<text class="chart-tick" x="${margin.left - 8}" y="${cy + 4}" text-anchor="end">${escapeXml(g.label)}</text>`,
    )
    if (g.estimate === null || g.ciLow === null || g.ciHigh === null) {
      parts.push(
        `<text class="chart-withheld" x="${margin.left + 4}" y="${cy + 4}">${escapeXml(text.withheldLabel)}</text>`,
      )
      continue
    }
    parts.push(
      `<line class="chart-interval" x1="${x(g.ciLow)}" x2="${x(g.ciHigh)}" y1="${cy}" y2="${cy}"/>`,
      `<circle class="chart-dot" cx="${x(g.estimate)}" cy="${cy}" r="5"/>`,
    )
  }
  return closeChart(parts)
}

export interface CitySeries {
  name: string
  points: { wave: number; estimate: number; ciLow: number | null; ciHigh: number | null }[]
}

/**
 * Cities side by side over the waves: one line per city with its 95% intervals, told apart by line
 * style and mark shape (circle, square, diamond) as well as colour, and named in a legend.
 */
export function comparisonChartSvg(
  cities: CitySeries[],
  domain: [number, number],
  text: Pick<ChartText, 'id' | 'title' | 'description' | 'tick'>,
): string {
  const width = CHART_WIDTH
  const legendHeight = 20 * cities.length
  const height = 240 + legendHeight
  const margin = { top: 16 + legendHeight, right: 24, bottom: 36, left: 56 }
  const waves = [...new Set(cities.flatMap((c) => c.points.map((p) => p.wave)))].sort((a, b) => a - b)
  const x = scalePoint<number>()
    .domain(waves)
    .range([margin.left, width - margin.right])
    .padding(0.3)
  const y = scaleLinear()
    .domain(domain)
    .nice()
    .range([height - margin.bottom, margin.top])
  const parts = [
    ...chartOpening(width, height, text, margin),
    ...valueGrid(y, y.ticks(5), width, margin, text.tick),
  ]
  const labelled = labelledTicks(waves.length, x.step())
  waves.forEach((wave, i) => {
    if (labelled(i))
      parts.push(
        `<text class="chart-tick" x="${x(wave)}" y="${height - margin.bottom + 20}" text-anchor="middle">${wave}</text>`,
      )
  })
  // Each city a little to the side of the wave, so intervals of the same wave do not hide each other.
  const offset = (i: number) => (i - (cities.length - 1) / 2) * 8
  const mark = (i: number, cx: number, cy: number) =>
    i % 3 === 0
      ? `<circle class="chart-dot chart-series-${i % 3}" cx="${cx}" cy="${cy}" r="5"/>`
      : i % 3 === 1
        ? `<rect class="chart-dot chart-series-${i % 3}" x="${cx - 4.5}" y="${cy - 4.5}" width="9" height="9"/>`
        : `<path class="chart-dot chart-series-${i % 3}" d="M${cx},${cy - 6}L${cx + 6},${cy}L${cx},${cy + 6}L${cx - 6},${cy}Z"/>`
  cities.forEach((city, i) => {
    const path = line<CitySeries['points'][number]>()
      .x((p) => x(p.wave)! + offset(i))
      .y((p) => y(p.estimate))
    if (city.points.length > 1)
      parts.push(`<path class="chart-line chart-series-${i % 3}" d="${path(city.points)}"/>`)
    for (const p of city.points) {
      const cx = x(p.wave)! + offset(i)
      if (p.ciLow !== null && p.ciHigh !== null)
        parts.push(
          `<line class="chart-interval chart-series-${i % 3}" x1="${cx}" x2="${cx}" y1="${y(p.ciLow)}" y2="${y(p.ciHigh)}"/>`,
        )
      parts.push(mark(i, cx, y(p.estimate)))
    }
    const ly = 14 + 20 * i
    parts.push(
      mark(i, margin.left + 6, ly - 4),
      `<text class="chart-tick" x="${margin.left + 18}" y="${ly}">${escapeXml(city.name)}</text>`,
    )
  })
  return closeChart(parts)
}

export interface PeriodPoint {
  label: string
  value: number
  /** Drawn hollow: a mean of too few answers to read as a level. */
  few?: boolean
}

/** A measure over calendar periods (e.g. a project's mean rating by month): a line with its dots. */
export function periodChartSvg(
  points: PeriodPoint[],
  domain: [number, number],
  text: Pick<ChartText, 'id' | 'title' | 'description' | 'tick'>,
): string {
  const width = CHART_WIDTH
  const height = 220
  const margin = { top: 16, right: 24, bottom: 36, left: 48 }
  const x = scalePoint<string>()
    .domain(points.map((p) => p.label))
    .range([margin.left, width - margin.right])
    .padding(0.3)
  const y = scaleLinear()
    .domain(domain)
    .range([height - margin.bottom, margin.top])
  const path = line<PeriodPoint>()
    .x((p) => x(p.label)!)
    .y((p) => y(p.value))
  const parts = [
    ...chartOpening(width, height, text, margin),
    ...valueGrid(y, y.ticks(5), width, margin, text.tick),
  ]
  if (points.length > 1) parts.push(`<path class="chart-line" d="${path(points)}"/>`)
  // Month labels ("ene 2025") thin out so that they never overlap, the latest always labelled.
  const longest = Math.max(0, ...points.map((p) => p.label.length))
  const labelled = labelledTicks(points.length, x.step(), approxHalfWidth(longest) * 2 + 8)
  points.forEach((p, i) => {
    const cx = x(p.label)!
    parts.push(
      `<circle class="chart-dot${p.few ? ' chart-dot-open' : ''}" cx="${cx}" cy="${y(p.value)}" r="4"/>`,
    )
    if (labelled(i))
      parts.push(
        `<text class="chart-tick" x="${cx}" y="${height - margin.bottom + 20}" text-anchor="middle">${escapeXml(p.label)}</text>`,
      )
  })
  return closeChart(parts)
}

// The stylesheet's look of each chart mark, as presentation attributes: a chart served on its own
// (embedded in another site, or made a PNG) carries its look without the page's stylesheet.
const FONT = 'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="14"'
const STANDALONE_LOOK: Record<string, Record<string, string>> = {
  'chart-grid': { stroke: '#dee0e2', 'stroke-width': '1' },
  'chart-tick': { fill: '#383f43' },
  'chart-withheld': { fill: '#383f43' },
  'chart-band': { fill: '#9cc3e6', opacity: '0.55' },
  'chart-line': { fill: 'none', stroke: '#0b3d66', 'stroke-width': '2.5' },
  'chart-interval': { stroke: '#0b3d66', 'stroke-width': '2' },
  'chart-dot': { fill: '#0b3d66' },
  'chart-dot-open': { fill: '#fff', stroke: '#0b3d66', 'stroke-width': '2' },
  'chart-break': { stroke: '#b44b00', 'stroke-width': '2', 'stroke-dasharray': '5 4' },
  'chart-break-label': { fill: '#8a3a00' },
  'chart-target': { stroke: '#6f3c00', 'stroke-width': '2', 'stroke-dasharray': '8 5' },
  'chart-target-label': { fill: '#6f3c00' },
}
const TEXT_CLASSES = new Set(['chart-tick', 'chart-withheld', 'chart-break-label', 'chart-target-label'])

/**
 * A chart as a file of its own: its size stated, a white background, and each mark's look written on
 * it (the page's stylesheet is not there); the same marks, text and accessible name.
 */
export function standaloneSvg(svg: string): string {
  const [, width = '640', height = '240'] = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg) ?? []
  return svg
    .replace(/<svg class="chart" /, `<svg class="chart" width="${width}" height="${height}" `)
    .replace(/(<desc [^>]*>[\s\S]*?<\/desc>)/, `$1<rect width="100%" height="100%" fill="#fff"/>`)
    .replace(/ class="(chart-[^"]*)"/g, (_, classes: string) => {
      const look: Record<string, string> = {}
      for (const name of classes.split(/\s+/)) Object.assign(look, STANDALONE_LOOK[name] ?? {})
      const text = classes.split(/\s+/).some((name) => TEXT_CLASSES.has(name)) ? ` ${FONT}` : ''
      return `${Object.entries(look)
        .map(([k, v]) => ` ${k}="${v}"`)
        .join('')}${text}`
    })
}
