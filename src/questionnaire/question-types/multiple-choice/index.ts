import { basics, fail, ok, paperView, type QuestionTypeModule } from '../question-type.ts'
import { choicesControl, labelled } from '../shared/choices.ts'

/** Any number of options; stored as one row per chosen option. */
export const multipleChoice: QuestionTypeModule = {
  ...basics,
  type: 'multiple_choice',
  offersOther: true,
  hasOptions: true,
  requiredError: 'selectAtLeastOne',
  // A file holds the chosen codes separated by spaces, as XLSForm tools export them.
  cellInput: (cell) => cell.split(/\s+/),
  parse(raw, question) {
    const given = raw === undefined || raw === null || raw === '' ? [] : Array.isArray(raw) ? raw : [raw]
    if (given.some((v) => typeof v !== 'string')) return fail('unknownOption')
    const codes = [...new Set((given as string[]).map((v) => v.trim()).filter((v) => v !== ''))]
    if (codes.length === 0) return ok(null)
    if (codes.some((code) => !question.options.some((o) => o.code === code))) return fail('unknownOption')
    // Keep the questionnaire's order, whatever order the browser sent.
    return ok(question.options.map((o) => o.code).filter((code) => codes.includes(code)))
  },
  toRows: (value) =>
    (value as string[]).map((code) => ({ option_code: code, value_number: null, value_text: null })),
  control: (question, raw, language) =>
    choicesControl('question-types/multiple-choice/checkboxes', question, raw, labelled(question, language)),
  paper: (question, language) =>
    paperView('question-types/shared/paper-choices', {
      choices: labelled(question, language),
      instruction: { key: 'paper.tickAny', params: {} },
    }),
  xlsForm: {
    keywords: ['select_multiple'],
    reads: () => true,
    write: (q) => ({ type: `select_multiple ${q.code}` }),
  },
  microdata: {
    published: true,
    field: (question, optionCodes, description) => ({
      name: question.code,
      type: 'string',
      description: `${description} (option codes separated by spaces: ${optionCodes.join(', ')})`,
    }),
  },
  results: { share: true, mean: false, ratingScale: undefined, story: false },
}
