import type { Db } from '../db/database.ts'
import { insertFeedbackAnswers, insertFeedbackOnce, insertProject } from '../feedback/feedback.repository.ts'
import { answerRows } from '../questionnaire/question-types/index.ts'
import {
  insertQuestions,
  insertSeries,
  insertWave,
  type QuestionDraft,
} from '../questionnaire/questionnaire.repository.ts'
import type { Translated } from '../questionnaire/translated.ts'
import { loadQuestionnaire } from '../survey/survey.repository.ts'

const tr = (es: string, fr: string, pt: string): Translated => ({ es, fr, pt })

export const DEMO_FEEDBACK_SERIES_CODE = 'opinion-beneficiarios'

/** The short feedback questionnaire shared by the demo's projects: a rating, yes/no, a choice, a story. */
export const feedbackQuestionnaire: QuestionDraft[] = [
  {
    code: 'life_change',
    type: 'scale_5',
    page: 1,
    required: true,
    text: tr(
      '¿Cuánto cambió su vida este proyecto?',
      'Combien ce projet a-t-il changé votre vie ?',
      'Quanto mudou a sua vida este projeto?',
    ),
    options: [
      { code: '1', label: tr('Nada', 'Pas du tout', 'Nada') },
      { code: '2', label: tr('Poco', 'Un peu', 'Pouco') },
      { code: '3', label: tr('Algo', 'Moyennement', 'Algo') },
      { code: '4', label: tr('Bastante', 'Beaucoup', 'Bastante') },
      { code: '5', label: tr('Mucho', 'Énormément', 'Muito') },
    ],
  },
  {
    code: 'recommend',
    type: 'yes_no',
    page: 1,
    required: true,
    text: tr(
      '¿Recomendaría el proyecto a otras familias?',
      'Recommanderiez-vous le projet à d’autres familles ?',
      'Recomendaria o projeto a outras famílias?',
    ),
    options: [
      { code: 'yes', label: tr('Sí', 'Oui', 'Sim') },
      { code: 'no', label: tr('No', 'Non', 'Não') },
    ],
  },
  {
    code: 'benefits',
    type: 'multiple_choice',
    page: 1,
    text: tr('¿Qué mejoró?', 'Qu’est-ce qui s’est amélioré ?', 'O que melhorou?'),
    options: [
      { code: 'water', label: tr('El acceso al agua', 'L’accès à l’eau', 'O acesso à água') },
      { code: 'harvest', label: tr('Las cosechas', 'Les récoltes', 'As colheitas') },
      { code: 'income', label: tr('Los ingresos', 'Les revenus', 'Os rendimentos') },
      { code: 'health', label: tr('La salud', 'La santé', 'A saúde') },
    ],
  },
  {
    code: 'story',
    type: 'long_text',
    page: 1,
    text: tr(
      'Con sus palabras: ¿qué cambió para usted y su familia?',
      'Avec vos mots : qu’est-ce qui a changé pour vous et votre famille ?',
      'Nas suas palavras: o que mudou para si e a sua família?',
    ),
  },
]

/** The demo's partner projects: water in Peru (Spanish), gardens in Brazil (Portuguese), wells in Burkina Faso (French). */
export const DEMO_PROJECTS = [
  {
    code: 'agua-cusco',
    name: 'Agua para el riego en Cusco',
    names: tr(
      'Agua para el riego en Cusco',
      'De l’eau pour l’irrigation à Cusco',
      'Água para a irrigação em Cusco',
    ),
    partner: 'Región Cusco',
    country: 'PE',
    sector: 'water',
    sdgs: [2, 6, 13],
    languages: ['es'],
    startsOn: '2024-03-01',
    endsOn: '2027-02-28',
    description: tr(
      'Reservorios y riego por goteo con las comunidades campesinas de la provincia de Anta.',
      'Réservoirs et irrigation goutte à goutte avec les communautés paysannes de la province d’Anta.',
      'Reservatórios e rega gota a gota com as comunidades camponesas da província de Anta.',
    ),
    stories: [
      'Antes regábamos una vez por semana; ahora la cosecha de papa se duplicó.',
      'Con el reservorio ya no perdemos la siembra cuando no llueve.',
      'Aprendimos a medir el agua y a repartirla entre todas las familias.',
    ],
  },
  {
    code: 'hortas-recife',
    name: 'Hortas comunitárias no Recife',
    names: tr(
      'Huertos comunitarios en Recife',
      'Jardins communautaires à Recife',
      'Hortas comunitárias no Recife',
    ),
    partner: 'Prefeitura do Recife',
    country: 'BR',
    sector: 'agriculture',
    sdgs: [2, 11],
    languages: ['pt', 'es'],
    startsOn: '2025-01-15',
    endsOn: null,
    description: tr(
      'Huertos comunitarios en los barrios del Recife, con formación en agroecología.',
      'Jardins communautaires dans les quartiers de Recife, avec une formation en agroécologie.',
      'Hortas comunitárias nos bairros do Recife, com formação em agroecologia.',
    ),
    stories: [
      'A horta trouxe verduras frescas para a escola do bairro.',
      'Hoje vendo couve na feira e pago as contas.',
      'Meus netos aprenderam a plantar e agora querem comer salada.',
      'A gente se reúne na horta todo sábado; o bairro ficou mais unido.',
      'Com o curso de agroecologia parei de comprar veneno para as plantas.',
    ],
  },
  {
    code: 'puits-koudougou',
    name: 'Puits maraîchers à Koudougou',
    names: tr(
      'Pozos para huertas en Koudougou',
      'Puits maraîchers à Koudougou',
      'Poços para hortas em Koudougou',
    ),
    partner: 'Commune de Koudougou',
    country: 'BF',
    sector: 'water',
    sdgs: [6],
    languages: ['fr'],
    startsOn: '2023-10-01',
    endsOn: '2026-09-30',
    description: tr(
      'Pozos y huertas para las mujeres productoras de Koudougou.',
      'Puits et jardins maraîchers pour les productrices de Koudougou.',
      'Poços e hortas para as produtoras de Koudougou.',
    ),
    stories: [
      'Le puits est à côté du jardin, nous ne marchons plus deux heures.',
      'Avec les légumes vendus au marché, mes filles vont à l’école.',
    ],
  },
]

/** Loads the feedback questionnaire, the projects and a few months of synthetic feedback. */
export async function loadFeedbackDemo(db: Db, organizationId: number, facilitatorId: number): Promise<void> {
  const seriesId = await insertSeries(db, {
    organizationId,
    code: DEMO_FEEDBACK_SERIES_CODE,
    purpose: 'feedback',
    title: tr(
      'Opinión de las personas beneficiarias',
      'Avis des personnes bénéficiaires',
      'Opinião das pessoas beneficiárias',
    ),
  })
  const waveId = await insertWave(db, { seriesId, year: 2026, status: 'open', opensAt: null, closesAt: null })
  await insertQuestions(db, waveId, feedbackQuestionnaire)
  const questionnaire = await loadQuestionnaire(db, waveId)
  for (const [p, project] of DEMO_PROJECTS.entries()) {
    const projectId = await insertProject(db, organizationId, {
      code: project.code,
      name: project.name,
      partner: project.partner,
      country: project.country,
      sector: project.sector,
      sdgs: project.sdgs,
      languages: project.languages,
      startsOn: project.startsOn,
      endsOn: project.endsOn,
      description: project.description,
      questionnaireSeriesId: seriesId,
      status: 'open',
    })
    // Its name as beneficiaries and citizens in each language read it.
    await db
      .updateTable('partner_project')
      .set({ names: JSON.stringify(project.names) })
      .where('id', '=', projectId!)
      .execute()
    // Deterministic: a month-by-month rise in ratings, a third recorded by the facilitator.
    const count = 36 - p * 10
    for (let i = 0; i < count; i++) {
      const month = 3 + Math.floor((i * 9) / count)
      // Each story once: a page of stories never repeats the same words.
      const story = i % 6 === 0 ? project.stories[i / 6] : undefined
      const assisted = i % 3 === 1
      const id = await insertFeedbackOnce(db, {
        projectId: projectId!,
        waveId,
        language: project.languages[0]!,
        channel: assisted ? 'assisted' : 'web',
        facilitatorId: assisted ? facilitatorId : null,
        publishConsent: story !== undefined,
        contactConsent: false,
        idempotencyKey: `demo-feedback-${project.code}-${i}`,
      })
      await db
        .updateTable('feedback')
        .set({
          submitted_at: new Date(Date.UTC(2026, month - 1, 1 + ((i * 7) % 27), 15)),
          ...(story
            ? { review: 'approved' as const, reviewed_at: new Date(Date.UTC(2026, month - 1, 28)) }
            : {}),
        })
        .where('id', '=', id!)
        .execute()
      const answers: Record<string, string | string[]> = {
        life_change: String(Math.min(5, 2 + Math.floor((i * 3) / count) + (i % 2))),
        recommend: i % 7 === 3 ? 'no' : 'yes',
        benefits: i % 2 === 0 ? ['water', 'harvest'] : ['income'],
        ...(story ? { story } : {}),
      }
      await insertFeedbackAnswers(db, id!, answerRows(questionnaire, answers))
    }
  }
}
