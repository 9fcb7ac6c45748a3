import { basics, controlView, ok, paperView, type QuestionTypeModule } from '../question-type.ts'

/** Text shown to the respondent (an XLSForm note); it takes no answer. */
export const note: QuestionTypeModule = {
  ...basics,
  type: 'note',
  takesAnswer: false,
  requiredError: 'enterText',
  parse: () => ok(null),
  toRows: () => [],
  control: () => controlView('question-types/note/text', false, { answerable: false }),
  paper: () => paperView(''),
  xlsForm: { keywords: ['note'], reads: () => true, write: () => ({ type: 'note' }) },
  // A note holds no answer, so no column.
  microdata: {
    published: false,
    field: (q, _codes, description) => ({ name: q.code, type: 'string', description }),
  },
  results: { share: false, mean: false, ratingScale: undefined, story: false },
}
