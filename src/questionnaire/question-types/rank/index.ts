import { basics, controlView, fail, ok, paperView, type QuestionTypeModule } from '../question-type.ts'
import { labelled } from '../shared/choices.ts'

// At most this many positions are read from a form (a question's options are fewer).
const MAX_POSITIONS = 60

/**
 * Every option put in order (XLSForm's rank): without JavaScript, one list per position ("position 1:
 * …"), each option once. Stored as one row per option with its position; files write `code=position`.
 */
export const rank: QuestionTypeModule = {
  ...basics,
  type: 'rank',
  hasOptions: true,
  requiredError: 'rankEvery',
  formInput(form, name) {
    const positions: unknown[] = []
    for (let i = 1; i <= MAX_POSITIONS && `${name}-${i}` in form; i++) positions.push(form[`${name}-${i}`])
    return positions.length > 0 ? positions : undefined
  },
  // A file holds the codes in order, separated by spaces, as XLSForm tools export a ranking.
  cellInput: (cell) => cell.split(/\s+/).filter(Boolean),
  parse(raw, question) {
    const given = raw === undefined || raw === null || raw === '' ? [] : Array.isArray(raw) ? raw : [raw]
    if (given.some((v) => typeof v !== 'string')) return fail('rankEvery')
    const codes = (given as string[]).map((v) => v.trim())
    if (codes.every((code) => code === '')) return ok(null)
    if (codes.some((code) => code !== '' && !question.options.some((o) => o.code === code)))
      return fail('unknownOption')
    // Each option once, in a position of its own: a ranking with gaps or repeats says nothing exact.
    if (
      codes.length !== question.options.length ||
      codes.includes('') ||
      new Set(codes).size !== codes.length
    )
      return fail('rankEvery')
    return ok(codes)
  },
  toRows: (value) =>
    (value as string[]).map((code, index) => ({
      option_code: code,
      value_number: index + 1,
      value_text: null,
    })),
  cellValue: (row) => (row.option_code === null ? null : `${row.option_code}=${row.value_number ?? ''}`),
  control(question, raw, language) {
    const order = Array.isArray(raw) ? raw.map(String) : []
    const id = `q-${question.code}`
    return controlView('question-types/rank/rank', true, {
      choices: labelled(question, language).map((o) => ({
        id: '',
        value: o.code,
        label: o.label,
        checked: false,
      })),
      parts: question.options.map((_, index) => ({
        id: index === 0 ? id : `${id}-${index + 1}`,
        part: String(index + 1),
        labelKey: 'questionTypes.rank.position',
        value: order[index] ?? '',
        width: 2,
      })),
    })
  },
  paper: (question, language) =>
    paperView('question-types/shared/paper-choices', {
      choices: labelled(question, language),
      instruction: { key: 'paper.rank', params: { count: question.options.length } },
    }),
  xlsForm: {
    keywords: ['rank'],
    reads: () => true,
    write: (q) => ({ type: `rank ${q.code}` }),
  },
  microdata: {
    published: true,
    field: (question, optionCodes, description) => ({
      name: question.code,
      type: 'string',
      description: `${description} (each option with its position, 1 first, separated by spaces: code=position; codes ${optionCodes.join(', ')})`,
    }),
  },
  // A share or a mean of one question does not say what a ranking means; the microdata carry it whole.
  results: { share: false, mean: false, ratingScale: undefined, story: false },
}
