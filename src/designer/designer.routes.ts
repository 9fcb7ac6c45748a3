import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import { formString } from '../http/form-text.ts'
import { formErrors, noErrors, type FormErrors } from '../http/form-errors.ts'
import { HttpError } from '../http/http-error.ts'
import { renderPage } from '../http/render.ts'
import { requirePermission } from '../middleware/staff-session.ts'
import { QUESTION_TYPES } from '../questionnaire/questionnaire.ts'
import { questionType } from '../questionnaire/question-types/index.ts'
import { inLanguage, isLanguage, LANGUAGES, type Language } from '../questionnaire/translated.ts'
import { translatableFields, translationStatus } from '../questionnaire/translation-status.ts'
import { questionPageViewModel } from '../survey/question-page.view-model.ts'
import { questionsMetBefore, type DesignerService, type WaveContext } from './designer.service.ts'
import { parseQuestionForm, SPARE_OPTION_ROWS } from './question-form.ts'
import multer from 'multer'
import {
  readXlsForm,
  writeXlsForm,
  xlsFormProblem,
  XLSFORM_MAX_BYTES,
  type XlsFormProblem,
} from './xlsform.ts'
import { locals, signedIn } from '../http/locals.ts'
import { bodyOf, fieldText } from '../middleware/form-body.ts'
import { receiveUpload } from '../http/upload.ts'
import { canClose, isEditable, isOpen } from '../series/wave-rules.ts'
import { slugField, slugInAddress } from '../http/slugs.ts'
import type { i18n } from 'i18next'
import { PAPER_SIZES, paperViewModel } from './paper.view-model.ts'
import { wavePageViewModel } from './wave-page.view-model.ts'
import { writeCondition } from '../questionnaire/conditions.ts'
import { conditionInWords } from '../questionnaire/condition-words.ts'
import { asksWhichOther } from '../questionnaire/other-specify.ts'

const code = slugInAddress
const waveParams = z.object({ series: code, year: z.coerce.number().int().min(1990).max(2200) })
const questionParams = waveParams.extend({ question: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/) })
const seriesForm = z.object({
  code: slugField('formErrors.slug'),
  title_es: formString().trim().max(200, { error: 'formErrors.tooLong' }).default(''),
  title_fr: formString().trim().max(200, { error: 'formErrors.tooLong' }).default(''),
  title_pt: formString().trim().max(200, { error: 'formErrors.tooLong' }).default(''),
  purpose: z.enum(['perception', 'feedback'], { error: 'formErrors.invalid' }).default('perception'),
})
const waveForm = z.object({
  year: z.coerce
    .number({ error: 'formErrors.year' })
    .int({ error: 'formErrors.year' })
    .min(1990, { error: 'formErrors.year' })
    .max(2200, { error: 'formErrors.year' }),
  start: z.enum(['copy', 'empty'], { error: 'formErrors.invalid' }),
})

/** The wave a staff route names (`:series`, `:year`) in the staff member's organization, or a 404. */
export async function waveContextOf(designer: DesignerService, res: Response, params: unknown) {
  const parsed = waveParams.safeParse(params)
  if (!parsed.success) throw new HttpError(404, 'notFound')
  const found = await designer.waveContext(signedIn(res), parsed.data.series, parsed.data.year)
  if (!found) throw new HttpError(404, 'notFound')
  return found
}

/** The staff home and the questionnaire designer. */
export function designerRoutes(designer: DesignerService, translator: i18n): Router {
  const router = Router()
  const designers = requirePermission('designQuestionnaires')
  const anyStaff = requirePermission('signedIn')
  const me = signedIn
  const waveUrl = (c: WaveContext) => `/staff/series/${c.series.code}/waves/${c.wave.year}`

  const context = (res: Response, params: unknown) => waveContextOf(designer, res, params)

  router.get('/staff', anyStaff, async (_req, res) => {
    renderPage(res, 'designer/home', {
      title: locals(res).t('staff.home.title'),
      // Interviews are started on a series with a wave being answered.
      seriesList: (await designer.listSeries(me(res))).map((s) => ({
        ...s,
        beingAnswered: s.waves.some(isOpen),
      })),
    })
  })

  const showNewSeries = (res: Response, errors: FormErrors, values: Record<string, string>, status = 200) =>
    renderPage(
      res,
      'designer/series-new',
      { title: locals(res).t('designer.seriesNew.title'), errors, values },
      status,
    )

  router.get('/staff/series/new', designers, (_req, res) => showNewSeries(res, noErrors, {}))
  router.post('/staff/series/new', designers, async (req, res) => {
    const values = Object.fromEntries(
      ['code', 'title_es', 'title_fr', 'title_pt', 'purpose'].map((k) => [k, fieldText(req, k)]),
    )
    const form = seriesForm.safeParse(bodyOf(req))
    if (!form.success) return showNewSeries(res, formErrors(form.error, locals(res).t), values, 400)
    const source = designer.sourceOf(me(res))
    if (!form.data[`title_${source}`])
      return showNewSeries(
        res,
        formErrors({ [`title_${source}`]: 'formErrors.sourceText' }, locals(res).t),
        values,
        400,
      )
    const title = { es: form.data.title_es, fr: form.data.title_fr, pt: form.data.title_pt }
    const created = await designer.createSeries(me(res), {
      code: form.data.code,
      title,
      purpose: form.data.purpose,
    })
    if (!created.ok)
      return showNewSeries(res, formErrors({ code: 'formErrors.slugTaken' }, locals(res).t), values, 400)
    res.redirect(303, `/staff/series/${form.data.code}`)
  })

  const showSeries = async (res: Response, seriesCode: string, errors: FormErrors, status = 200) => {
    const series = await designer.findSeries(me(res), seriesCode)
    if (!series) throw new HttpError(404, 'notFound')
    const waves = await designer.listWaves(series.id)
    renderPage(
      res,
      'designer/series',
      {
        title: inLanguage(series.title, locals(res).lang),
        series,
        waves,
        errors,
        nextYear: (waves[0]?.year ?? new Date().getUTCFullYear() - 1) + 1,
      },
      status,
    )
  }

  router.get('/staff/series/:series', designers, async (req, res) => {
    if (!code.safeParse(req.params.series).success) throw new HttpError(404, 'notFound')
    await showSeries(res, req.params.series as string, noErrors)
  })

  router.post('/staff/series/:series/waves', designers, async (req, res) => {
    const seriesCode = String(req.params.series)
    if (!code.safeParse(seriesCode).success) throw new HttpError(404, 'notFound')
    const form = waveForm.safeParse(bodyOf(req))
    if (!form.success) return showSeries(res, seriesCode, formErrors(form.error, locals(res).t), 400)
    const result = await designer.createWave(me(res), seriesCode, form.data.year, form.data.start === 'copy')
    if (!result.ok && result.reason === 'notFound') throw new HttpError(404, 'notFound')
    if (!result.ok) {
      const key = result.reason === 'yearTaken' ? 'formErrors.yearTaken' : 'formErrors.nothingToCopy'
      return showSeries(res, seriesCode, formErrors({ year: key }, locals(res).t), 400)
    }
    res.redirect(303, `/staff/series/${seriesCode}/waves/${form.data.year}`)
  })

  const showWave = (
    res: Response,
    c: WaveContext,
    notice: string | undefined,
    status = 200,
    importProblems: XlsFormProblem[] = [],
    leftOut: Omit<XlsFormProblem, 'reason'>[] = [],
  ) => {
    const { lang, t } = locals(res)
    renderPage(
      res,
      'designer/wave',
      wavePageViewModel({
        context: c,
        base: waveUrl(c),
        problems: isEditable(c.wave) ? designer.problemsOf(c) : [],
        differences: (q) => designer.differences(c, q),
        notice,
        importProblems,
        leftOut,
        language: lang,
        t,
      }),
      status,
    )
  }

  router.get('/staff/series/:series/waves/:year', designers, async (req, res) => {
    const notice =
      typeof req.query.notice === 'string' && /^[a-zA-Z]+$/.test(req.query.notice)
        ? req.query.notice
        : undefined
    const c = await context(res, req.params)
    const leftOut = notice === 'imported' ? await designer.lastImportLeftOut(me(res), c) : []
    showWave(res, c, notice, 200, [], leftOut)
  })

  // Opening and closing cannot be undone: a page says what follows before the button that does it.
  const confirmStep = (step: 'open' | 'close') => async (req: Request, res: Response) => {
    const c = await context(res, req.params)
    if (step === 'open' ? !isEditable(c.wave) : !canClose(c.wave)) return res.redirect(303, waveUrl(c))
    if (step === 'open' && designer.problemsOf(c).length > 0) return res.redirect(303, waveUrl(c))
    const { t, lang } = locals(res)
    renderPage(res, 'designer/wave-step', {
      title: t(`designer.confirm.${step}.title`, { year: c.wave.year }),
      step,
      c,
      seriesTitle: inLanguage(c.series.title, lang),
      surveyHref: `/s/${me(res).organizationSlug}/${c.series.code}`,
      waveHref: waveUrl(c),
      action: `${waveUrl(c)}/${step}`,
    })
  }
  router.get('/staff/series/:series/waves/:year/open', designers, confirmStep('open'))
  router.get('/staff/series/:series/waves/:year/close', designers, confirmStep('close'))

  router.post('/staff/series/:series/waves/:year/open', designers, async (req, res) => {
    const c = await context(res, req.params)
    const result = await designer.openWave(me(res), c)
    if (result.ok) return res.redirect(303, `${waveUrl(c)}?notice=opened`)
    if ('notDraft' in result) return showWave(res, c, 'frozen', 409)
    showWave(res, c, 'cannotOpen', 409)
  })

  router.post('/staff/series/:series/waves/:year/margins/confirm', designers, async (req, res) => {
    const c = await context(res, req.params)
    if (!(await designer.confirmMargins(me(res), c))) throw new HttpError(404, 'notFound')
    res.redirect(303, `${waveUrl(c)}?notice=marginsConfirmed`)
  })

  router.post('/staff/series/:series/waves/:year/close', designers, async (req, res) => {
    const c = await context(res, req.params)
    if ((await designer.closeWave(me(res), c)) !== 'ok') return showWave(res, c, 'notOpen', 409)
    res.redirect(303, `${waveUrl(c)}?notice=closed`)
  })

  router.get('/staff/series/:series/waves/:year/preview', designers, async (req, res) => {
    const c = await context(res, req.params)
    const previewLanguage: Language = isLanguage(req.query.preview) ? req.query.preview : locals(res).lang
    const pages = [...new Set(c.questions.map((q) => q.page))].sort((a, b) => a - b)
    renderPage(res, 'designer/preview', {
      title: locals(res).t('designer.preview.title'),
      c,
      base: waveUrl(c),
      previewLanguage,
      seriesTitle: inLanguage(c.series.title, previewLanguage),
      pages: pages.map((page) => {
        const questions = c.questions.filter((q) => q.page === page)
        const view = questionPageViewModel({
          questions,
          answers: {},
          language: previewLanguage,
          t: locals(res).t,
        })
        return {
          page,
          questions: view.questions.map((v, i) => {
            const showIf = questions[i]!.showIf
            return {
              ...v,
              condition: showIf
                ? conditionInWords(showIf, {
                    question: (code) => `«${code}»`,
                    option: (question, code) => {
                      const option = c.questions
                        .find((q) => q.code === question)
                        ?.options.find((o) => o.code === code)
                      return option ? inLanguage(option.label, previewLanguage) : code
                    },
                    t: locals(res).t,
                  })
                : undefined,
            }
          }),
        }
      }),
    })
  })

  // The paper questionnaire, in the respondents' language (not the staff member's), to print:
  // `language`, since `lang` would switch the staff member's own interface.
  router.get('/staff/series/:series/waves/:year/paper', designers, async (req, res) => {
    const c = await context(res, req.params)
    const query = z
      .object({
        language: z.enum(LANGUAGES).default(c.sourceLanguage),
        size: z.enum(PAPER_SIZES).default('a4'),
      })
      .safeParse({ language: req.query.language, size: req.query.size })
    if (!query.success) throw new HttpError(400, 'badRequest')
    const model = paperViewModel({
      context: c,
      organizationName: me(res).organizationName,
      language: query.data.language,
      size: query.data.size,
      t: translator.getFixedT(query.data.language),
    })
    res.render('designer/paper', {
      ...model,
      staff: { t: locals(res).t, lang: locals(res).lang },
      base: waveUrl(c),
    })
  })

  router.get('/staff/series/:series/waves/:year/xlsform', designers, async (req, res) => {
    const c = await context(res, req.params)
    const workbook = await writeXlsForm({
      formId: `${c.series.code}_${c.wave.year}`,
      title: c.series.title,
      year: c.wave.year,
      sourceLanguage: c.sourceLanguage,
      questions: c.questions,
    })
    res
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .attachment(`${c.series.code}-${c.wave.year}.xlsx`)
      .send(workbook)
  })

  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: XLSFORM_MAX_BYTES, files: 1, fields: 5, parts: 6 },
  }).single('form')

  router.post('/staff/series/:series/waves/:year/import', designers, async (req, res) => {
    const c = await context(res, req.params)
    const error = await receiveUpload(upload, req, res)
    if (error) {
      const tooLarge = (error as { code?: string }).code === 'LIMIT_FILE_SIZE'
      return showWave(res, c, undefined, 400, [
        xlsFormProblem('-', 0, tooLarge ? 'tooLarge' : 'uploadUnreadable'),
      ])
    }
    if (!req.file) return showWave(res, c, undefined, 400, [xlsFormProblem('-', 0, 'chooseFile')])
    // A wave that is no longer a draft takes no questionnaire: say so before reading the file.
    if (!isEditable(c.wave)) return showWave(res, c, 'frozen', 409)
    const reading = await readXlsForm(req.file.buffer, c.sourceLanguage)
    if (!reading.ok) return showWave(res, c, undefined, 400, reading.problems)
    const result = await designer.importQuestionnaire(me(res), c.series.code, c.wave.year, reading)
    if (!result.ok) return showWave(res, c, 'frozen', 409)
    res.redirect(303, `${waveUrl(c)}?notice=imported`)
  })

  // The question editor: GET shows it, POST saves it (a failed save re-renders with the values kept).
  const showQuestion = (
    res: Response,
    c: WaveContext,
    existing: string | undefined,
    values: Record<string, unknown>,
    errors: FormErrors,
    status = 200,
  ) => {
    const question = existing ? c.questions.find((q) => q.code === existing) : undefined
    const optionRows = readOptionValues(values)
    const previous = question ? c.previous?.questions.find((q) => q.code === question.code) : undefined
    renderPage(
      res,
      'designer/question',
      {
        title: locals(res).t(question ? 'designer.question.editTitle' : 'designer.question.newTitle', {
          code: existing ?? '',
        }),
        c,
        base: waveUrl(c),
        question,
        values,
        optionRows: [
          ...optionRows,
          ...Array.from({ length: SPARE_OPTION_ROWS }, () => ({
            code: '',
            es: '',
            fr: '',
            pt: '',
            position: '',
          })),
        ],
        types: QUESTION_TYPES,
        // Offered in the show-if list: what the page being edited comes after (the rule saving applies).
        earlierQuestions: questionsMetBefore(
          c.questions,
          question,
          Number(values.page) || question?.page || 1,
        ).filter((q) => questionType(q.type).hasOptions),
        statuses: question
          ? Object.fromEntries(
              translatableFields(question).flatMap(({ field, text }) =>
                LANGUAGES.map((l) => [
                  `${field}.${l}`,
                  translationStatus(text, field, l, c.sourceLanguage, question.stamps),
                ]),
              ),
            )
          : {},
        differences: question ? designer.differences(c, question) : [],
        previous,
        frozen: !isEditable(c.wave),
        errors,
        languages: LANGUAGES,
        sourceLanguage: c.sourceLanguage,
      },
      status,
    )
  }

  router.get('/staff/series/:series/waves/:year/questions/new', designers, async (req, res) => {
    const c = await context(res, req.params)
    const lastPage = c.questions.at(-1)?.page ?? 1
    showQuestion(res, c, undefined, { page: String(lastPage), type: QUESTION_TYPES[0] }, noErrors)
  })

  router.post('/staff/series/:series/waves/:year/questions', designers, async (req, res) => {
    const c = await context(res, req.params)
    await saveQuestion(res, c, undefined, bodyOf(req))
  })

  router.get('/staff/series/:series/waves/:year/questions/:question', designers, async (req, res) => {
    const c = await context(res, req.params)
    const p = questionParams.safeParse(req.params)
    const question = p.success ? c.questions.find((q) => q.code === p.data.question) : undefined
    if (!question) throw new HttpError(404, 'notFound')
    showQuestion(res, c, question.code, questionValues(question, c.questions), noErrors)
  })

  router.post('/staff/series/:series/waves/:year/questions/:question', designers, async (req, res) => {
    const c = await context(res, req.params)
    const p = questionParams.safeParse(req.params)
    const question = p.success ? c.questions.find((q) => q.code === p.data.question) : undefined
    if (!question) throw new HttpError(404, 'notFound')
    await saveQuestion(res, c, question.code, bodyOf(req))
  })

  async function saveQuestion(
    res: Response,
    c: WaveContext,
    existing: string | undefined,
    body: Record<string, unknown>,
  ) {
    if (!isEditable(c.wave)) return showWave(res, c, 'frozen', 409)
    const parsed = parseQuestionForm(body, c.sourceLanguage)
    if (!parsed.ok) return showQuestion(res, c, existing, body, formErrors(parsed.errors, locals(res).t), 400)
    const saved = await designer.saveQuestion(me(res), c, existing, parsed.input)
    if (!saved.ok && 'frozen' in saved) return showWave(res, c, 'frozen', 409)
    if (!saved.ok) return showQuestion(res, c, existing, body, formErrors(saved.errors, locals(res).t), 400)
    res.redirect(303, `${waveUrl(c)}/questions/${saved.code}?saved=1`)
  }

  router.post(
    '/staff/series/:series/waves/:year/questions/:question/:action',
    designers,
    async (req, res) => {
      const c = await context(res, req.params)
      const p = questionParams.safeParse(req.params)
      if (!p.success) throw new HttpError(404, 'notFound')
      const action = String(req.params.action)
      let outcome: string
      if (action === 'delete') outcome = await designer.deleteQuestion(me(res), c, p.data.question)
      else if (action === 'move') {
        const direction =
          bodyOf(req).direction === 'up' ? 'up' : bodyOf(req).direction === 'down' ? 'down' : undefined
        if (!direction) throw new HttpError(400, 'badRequest')
        outcome = await designer.moveQuestion(me(res), c, p.data.question, direction)
      } else if (action === 'confirm-break')
        outcome = await designer.confirmBreak(me(res), c, p.data.question)
      else throw new HttpError(404, 'notFound')
      if (outcome === 'notFound') throw new HttpError(404, 'notFound')
      if (outcome === 'frozen') return showWave(res, c, 'frozen', 409)
      if (outcome === 'usedByCondition') return showWave(res, c, 'usedByCondition', 409)
      res.redirect(
        303,
        action === 'confirm-break' ? `${waveUrl(c)}/questions/${p.data.question}` : `${waveUrl(c)}#questions`,
      )
    },
  )

  return router
}

function questionValues(
  q: WaveContext['questions'][number],
  all: WaveContext['questions'],
): Record<string, unknown> {
  const values: Record<string, unknown> = {
    other_specify: all.some((other) => asksWhichOther(q, other)) ? 'yes' : undefined,
    code: q.code,
    type: q.type,
    page: String(q.page),
    required: q.required ? 'yes' : undefined,
    is_profile: q.isProfile ? 'yes' : undefined,
    // A simple condition shows in the picker; any other as written in XLSForm.
    show_if_question: q.showIf && 'anyOf' in q.showIf ? q.showIf.question : '',
    show_if_values: q.showIf && 'anyOf' in q.showIf ? q.showIf.anyOf.join(' ') : '',
    show_if_expression: q.showIf && !('anyOf' in q.showIf) ? writeCondition(q.showIf) : '',
    min: q.min === null ? '' : String(q.min),
    max: q.max === null ? '' : String(q.max),
    ...Object.fromEntries(
      LANGUAGES.flatMap((l) => [
        [`requiredMessage_${l}`, q.messages.required?.[l] ?? ''],
        [`constraintMessage_${l}`, q.messages.constraint?.[l] ?? ''],
      ]),
    ),
  }
  for (const l of LANGUAGES) {
    values[`text_${l}`] = q.text[l] ?? ''
    values[`help_${l}`] = q.help[l] ?? ''
  }
  q.options.forEach((o, i) => {
    values[`opt_code_${i}`] = o.code
    values[`opt_position_${i}`] = String(i + 1)
    for (const l of LANGUAGES) values[`opt_${l}_${i}`] = o.label[l] ?? ''
  })
  return values
}

function readOptionValues(values: Record<string, unknown>) {
  const rows = []
  for (let i = 0; i < 60; i++) {
    if (!(`opt_code_${i}` in values)) continue
    const get = (name: string) => (typeof values[name] === 'string' ? values[name] : '')
    const row = {
      code: get(`opt_code_${i}`),
      es: get(`opt_es_${i}`),
      fr: get(`opt_fr_${i}`),
      pt: get(`opt_pt_${i}`),
      position: get(`opt_position_${i}`),
    }
    if (row.code || row.es || row.fr || row.pt) rows.push(row)
  }
  return rows
}
