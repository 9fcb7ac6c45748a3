import type { QuestionOption, QuestionType } from './questionnaire.ts'

const dontKnow = { code: 'dont_know', label: { es: 'No sabe', fr: 'Ne sait pas', pt: 'Não sabe' } }

/** The options a new yes/no or 5-point question starts with; staff may reword them. */
export function defaultOptions(type: QuestionType): QuestionOption[] {
  if (type === 'yes_no') {
    return [
      { code: 'yes', label: { es: 'Sí', fr: 'Oui', pt: 'Sim' } },
      { code: 'no', label: { es: 'No', fr: 'Non', pt: 'Não' } },
      dontKnow,
    ]
  }
  if (type === 'scale_5') {
    return [
      {
        code: '1',
        label: { es: 'Muy en desacuerdo', fr: 'Pas du tout d’accord', pt: 'Discordo totalmente' },
      },
      { code: '2', label: { es: 'En desacuerdo', fr: 'Plutôt pas d’accord', pt: 'Discordo' } },
      {
        code: '3',
        label: {
          es: 'Ni de acuerdo ni en desacuerdo',
          fr: 'Ni d’accord ni pas d’accord',
          pt: 'Nem concordo nem discordo',
        },
      },
      { code: '4', label: { es: 'De acuerdo', fr: 'Plutôt d’accord', pt: 'Concordo' } },
      { code: '5', label: { es: 'Muy de acuerdo', fr: 'Tout à fait d’accord', pt: 'Concordo totalmente' } },
      dontKnow,
    ]
  }
  return []
}
