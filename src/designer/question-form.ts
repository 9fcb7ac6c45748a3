import { z } from 'zod'
import { formString, hasUnstorableCharacters } from '../http/form-text.ts'
import {
  QUESTION_CODE,
  QUESTION_TYPES,
  questionMessages,
  type Question,
  type QuestionMessages,
} from '../questionnaire/questionnaire.ts'
import { LANGUAGES, type Language, type Translated } from '../questionnaire/translated.ts'
import { questionType } from '../questionnaire/question-types/index.ts'
import { isOptionCode } from '../questionnaire/option-codes.ts'
import { readCondition, type Condition } from '../questionnaire/conditions.ts'

/** How many empty option rows the form offers for new options. */
export const SPARE_OPTION_ROWS = 3
const MAX_OPTION_ROWS = 60

const text = (max: number) => formString().trim().max(max, { error: 'formErrors.tooLong' }).default('')
const optionalNumber = z
  .string()
  .trim()
  .default('')
  .transform((v, ctx) => {
    if (v === '') return null
    const n = Number(v.replace(',', '.'))
    if (!/^-?\d{1,12}([.,]\d{1,6})?$/.test(v) || !Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: 'formErrors.number' })
      return z.NEVER
    }
    return n
  })

const questionFields = z.object({
  code: z.string().trim().regex(QUESTION_CODE, { error: 'formErrors.questionCode' }),
  type: z.enum(QUESTION_TYPES, { error: 'formErrors.questionType' }),
  page: z.coerce
    .number({ error: 'formErrors.page' })
    .int({ error: 'formErrors.page' })
    .min(1, { error: 'formErrors.page' })
    .max(99, { error: 'formErrors.page' }),
  required: z.literal('yes').optional(),
  is_profile: z.literal('yes').optional(),
  other_specify: z.literal('yes').optional(),
  show_if_question: formString().trim().max(40).default(''),
  show_if_values: formString().trim().max(400).default(''),
  show_if_expression: formString().trim().max(2000).default(''),
  min: optionalNumber,
  max: optionalNumber,
  text_es: text(1000),
  text_fr: text(1000),
  text_pt: text(1000),
  help_es: text(1000),
  help_fr: text(1000),
  help_pt: text(1000),
  requiredMessage_es: text(300),
  requiredMessage_fr: text(300),
  requiredMessage_pt: text(300),
  constraintMessage_es: text(300),
  constraintMessage_fr: text(300),
  constraintMessage_pt: text(300),
  reviewed: z.union([z.enum(LANGUAGES), z.array(z.enum(LANGUAGES))]).optional(),
})

export interface QuestionInput {
  code: string
  type: Question['type']
  page: number
  required: boolean
  isProfile: boolean
  /** Ask which when `other` is chosen (single and multiple choice): the option and its question. */
  otherSpecify: boolean
  showIf: Condition | null
  /** How the condition was given: picked (a question and its options) or written (XLSForm's relevant). */
  showIfWritten: 'picked' | 'written'
  min: number | null
  max: number | null
  text: Translated
  help: Partial<Translated>
  messages: QuestionMessages
  options: { code: string; label: Translated }[]
  /** Languages whose translator confirms the text still fits a changed source. */
  reviewed: Language[]
}

/** Reads the question editor's fields; returns field errors as UI string keys. */
export function parseQuestionForm(
  body: Record<string, unknown>,
  sourceLanguage: Language,
): { ok: true; input: QuestionInput } | { ok: false; errors: Record<string, string> } {
  const parsed = questionFields.safeParse(body)
  const errors: Record<string, string> = {}
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'form')
      errors[field] ??= issue.message.startsWith('formErrors.') ? issue.message : 'formErrors.invalid'
    }
  }
  const options = readOptionRows(body, errors, sourceLanguage)
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors }
  const f = parsed.data
  if (!f[`text_${sourceLanguage}`]) errors[`text_${sourceLanguage}`] = 'formErrors.sourceText'
  if (f.min !== null && f.max !== null && f.min > f.max) errors.max = 'formErrors.bounds'
  const showIfValues = f.show_if_values.split(/[\s,]+/).filter(Boolean)
  if (f.show_if_question && showIfValues.length === 0) errors.show_if_values = 'formErrors.showIfValues'
  // A condition is picked (a question and its options) or written as XLSForm's relevant, not both.
  const written = f.show_if_expression ? readCondition(f.show_if_expression) : undefined
  if (written && f.show_if_question) errors.show_if_expression = 'formErrors.conditionTwice'
  else if (written && !written.ok) errors.show_if_expression = 'formErrors.conditionExpression'
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  return {
    ok: true,
    input: {
      code: f.code,
      type: f.type,
      page: f.page,
      required: f.required === 'yes',
      isProfile: f.is_profile === 'yes',
      otherSpecify: f.other_specify === 'yes' && questionType(f.type).offersOther === true,
      showIf: written?.ok
        ? written.condition
        : f.show_if_question
          ? { question: f.show_if_question, anyOf: showIfValues }
          : null,
      showIfWritten: written ? 'written' : 'picked',
      min: questionType(f.type).hasBounds ? f.min : null,
      max: questionType(f.type).hasBounds ? f.max : null,
      text: { es: f.text_es, fr: f.text_fr, pt: f.text_pt },
      // An absent help text is stored as {}, as imports store it.
      help: Object.fromEntries(
        Object.entries({ es: f.help_es, fr: f.help_fr, pt: f.help_pt }).filter(([, text]) => text !== ''),
      ),
      messages: questionMessages({
        required: { es: f.requiredMessage_es, fr: f.requiredMessage_fr, pt: f.requiredMessage_pt },
        constraint: questionType(f.type).hasBounds
          ? { es: f.constraintMessage_es, fr: f.constraintMessage_fr, pt: f.constraintMessage_pt }
          : {},
      }),
      options: questionType(f.type).hasOptions ? options : [],
      reviewed: f.reviewed === undefined ? [] : Array.isArray(f.reviewed) ? f.reviewed : [f.reviewed],
    },
  }
}

// Option rows: opt_code_N, opt_es_N, opt_fr_N, opt_pt_N, opt_position_N, opt_remove_N.
function readOptionRows(
  body: Record<string, unknown>,
  errors: Record<string, string>,
  sourceLanguage: Language,
) {
  const rows: { code: string; label: Translated; position: number; index: number }[] = []
  const field = (name: string) => {
    const value = body[name]
    return typeof value === 'string' ? value.trim() : ''
  }
  for (let index = 0; index < MAX_OPTION_ROWS; index++) {
    if (!(`opt_code_${index}` in body)) continue
    const code = field(`opt_code_${index}`)
    const label = { es: field(`opt_es_${index}`), fr: field(`opt_fr_${index}`), pt: field(`opt_pt_${index}`) }
    if (body[`opt_remove_${index}`] === 'yes') continue
    if (!code && !label.es && !label.fr && !label.pt) continue
    if (!isOptionCode(code)) errors[`opt_code_${index}`] ??= 'formErrors.optionCode'
    else if (rows.some((r) => r.code === code)) errors[`opt_code_${index}`] ??= 'formErrors.optionCodeTaken'
    if (!label[sourceLanguage]) errors[`opt_${sourceLanguage}_${index}`] ??= 'formErrors.sourceText'
    if ([label.es, label.fr, label.pt].some((l) => l.length > 300))
      errors[`opt_code_${index}`] ??= 'formErrors.tooLong'
    for (const language of LANGUAGES)
      if (hasUnstorableCharacters(label[language]))
        errors[`opt_${language}_${index}`] ??= 'formErrors.unstorableCharacters'
    const position = Number(field(`opt_position_${index}`))
    rows.push({
      code,
      label,
      position: Number.isFinite(position) && field(`opt_position_${index}`) !== '' ? position : index + 1,
      index,
    })
  }
  return rows
    .sort((a, b) => a.position - b.position || a.index - b.index)
    .map(({ code, label }) => ({ code, label }))
}
