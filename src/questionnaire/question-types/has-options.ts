import type { QuestionType } from '../questionnaire.ts'
import { questionType } from './index.ts'

/** Whether answers to this type are option codes (so a condition may refer to them). */
export const questionTypeModuleHasOptions = (type: QuestionType) => questionType(type).hasOptions
