import { basics, controlView, fail, ok, paperView, type QuestionTypeModule } from '../question-type.ts'

const PARTS = [
  { part: 'day', width: 2 },
  { part: 'month', width: 2 },
  { part: 'year', width: 4 },
] as const
type Parts = Record<(typeof PARTS)[number]['part'], string>
const ISO = /^(\d{4})-(\d{2})-(\d{2})$/

/** A kept answer ("2024-03-05") or a form's three fields as day, month and year. */
function partsOf(raw: unknown): Parts | undefined {
  if (typeof raw === 'string') {
    const m = ISO.exec(raw.trim())
    if (m) return { day: String(Number(m[3])), month: String(Number(m[2])), year: m[1]! }
    return raw.trim() === '' ? undefined : { day: raw, month: '', year: '' }
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const given = raw as Record<string, unknown>
    const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '')
    const parts = { day: text(given.day), month: text(given.month), year: text(given.year) }
    return Object.values(parts).every((v) => v === '') ? undefined : parts
  }
  return undefined
}

/**
 * A calendar date typed as day, month and year (three short fields, as GOV.UK asks for dates): no
 * date picker to load and nothing that needs JavaScript. Stored as an ISO date.
 */
export const dateQuestion: QuestionTypeModule = {
  ...basics,
  type: 'date',
  requiredError: 'enterDate',
  formInput: (form, name) => Object.fromEntries(PARTS.map(({ part }) => [part, form[`${name}-${part}`]])),
  parse(raw) {
    const parts = partsOf(raw)
    if (!parts) return ok(null)
    if (!/^\d{1,2}$/.test(parts.day) || !/^\d{1,2}$/.test(parts.month) || !/^\d{4}$/.test(parts.year))
      return fail('notADate')
    const [day, month, year] = [Number(parts.day), Number(parts.month), Number(parts.year)]
    const date = new Date(Date.UTC(year, month - 1, day))
    // 31 February rolls over into March: a date that does not come back as typed does not exist.
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
      return fail('notADate')
    return ok(date.toISOString().slice(0, 10))
  },
  toRows: (value) => [{ option_code: null, value_number: null, value_text: String(value) }],
  // Files carry the month, not the day: a full date (of birth, say) would help single a person out.
  cellValue: (row) => row.value_text?.slice(0, 7) ?? null,
  control(question, raw) {
    const parts = partsOf(raw) ?? { day: '', month: '', year: '' }
    const id = `q-${question.code}`
    return controlView('question-types/date/date', true, {
      parts: PARTS.map(({ part, width }, index) => ({
        id: index === 0 ? id : `${id}-${part}`,
        part,
        labelKey: `questionTypes.date.${part}`,
        value: parts[part],
        width,
      })),
    })
  },
  paper: () => paperView('question-types/date/paper', { instruction: { key: 'paper.date', params: {} } }),
  xlsForm: { keywords: ['date'], reads: () => true, write: () => ({ type: 'date' }) },
  microdata: {
    published: true,
    field: (q, _codes, description) => ({
      name: q.code,
      type: 'yearmonth',
      description: `${description} (year and month only)`,
    }),
  },
  results: { share: false, mean: false, ratingScale: undefined, story: false },
}
