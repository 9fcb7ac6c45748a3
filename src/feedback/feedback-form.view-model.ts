import type { TFunction } from 'i18next'
import type { FieldError } from '../questionnaire/answer-validation.ts'
import type { Questionnaire } from '../questionnaire/questionnaire.ts'
import type { Language } from '../questionnaire/translated.ts'
import {
  questionPageViewModel,
  type ErrorLink,
  type QuestionView,
} from '../survey/question-page.view-model.ts'
import type { ConsentError } from './feedback.service.ts'

export interface ConsentView {
  publish: string
  contactOk: string
  contact: string
  errors: Partial<Record<ConsentError['field'], string>>
}

/** The one-page feedback form: every question, then consent; values kept and errors linked after a failed POST. */
export function feedbackFormViewModel(input: {
  questionnaire: Questionnaire
  form?: Record<string, unknown> | undefined
  errors?: FieldError[] | undefined
  consentErrors?: ConsentError[] | undefined
  language: Language
  t: TFunction
}): { questions: QuestionView[]; consent: ConsentView; errorLinks: ErrorLink[] } {
  const { t } = input
  const view = questionPageViewModel({
    questions: input.questionnaire.questions,
    answers: {},
    form: input.form,
    errors: input.errors,
    language: input.language,
    t,
  })
  const text = (name: string) => (typeof input.form?.[name] === 'string' ? input.form[name] : '')
  const errors: ConsentView['errors'] = {}
  for (const e of input.consentErrors ?? []) errors[e.field] = t(`feedback.errors.${e.error}`)
  const anchors: Record<ConsentError['field'], string> = {
    publish: '#f-publish-yes',
    contactOk: '#f-contact_ok-yes',
    contact: '#f-contact',
  }
  const consentLinks = (Object.keys(errors) as ConsentError['field'][]).map((field) => ({
    href: anchors[field],
    text: errors[field]!,
  }))
  return {
    questions: view.questions,
    consent: { publish: text('publish'), contactOk: text('contact_ok'), contact: text('contact'), errors },
    errorLinks: [...view.errorLinks, ...consentLinks],
  }
}
