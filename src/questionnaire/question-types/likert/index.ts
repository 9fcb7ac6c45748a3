import { scale5 } from '../scale-5/index.ts'
import { oneOptionType } from '../shared/choices.ts'

/**
 * A statement of a Likert grid: statements one after another on a page, sharing their options (the
 * scale), are drawn as one table (grid.ejs) that becomes a list on a phone; each statement is its own
 * question, so results, indicators and microdata treat it as one. XLSForm writes the grid as a header
 * row (appearance `label`) and one row per statement (appearance `list-nolabel`).
 */
export const likert = oneOptionType({
  type: 'likert',
  defaultOptions: () => scale5.defaultOptions(),
  grid: { partial: 'question-types/likert/grid' },
  xlsForm: {
    keywords: ['select_one'],
    reads: (row) => /(^|\s)list-nolabel(\s|$)/.test(row.appearance),
    write: (q) => ({ type: `select_one ${q.code}`, appearance: 'list-nolabel' }),
    gridHeader: {
      appearance: 'label',
      label: {
        es: 'Elija una respuesta por fila',
        fr: 'Choisissez une réponse par ligne',
        pt: 'Escolha uma resposta por linha',
      },
    },
  },
})
