import type { QuestionDraft } from '../questionnaire/questionnaire.repository.ts'
import type { Translated } from '../questionnaire/translated.ts'

const tr = (es: string, fr: string, pt: string): Translated => ({ es, fr, pt })

export const DEMO_DISTRICTS = [
  { code: 'centro', name: 'Centro', population: 68_000 },
  { code: 'puerto', name: 'Puerto', population: 91_000 },
  { code: 'alameda', name: 'La Alameda', population: 104_000 },
  { code: 'san_blas', name: 'San Blas', population: 122_000 },
  { code: 'colinas', name: 'Las Colinas', population: 87_000 },
  { code: 'vega_norte', name: 'Vega Norte', population: 128_000 },
] as const

export const DEMO_AGE_BANDS = ['16_29', '30_44', '45_64', '65_plus'] as const

const dontKnow = { code: 'dont_know', label: tr('No sabe', 'Ne sait pas', 'Não sabe') }
const yesNoOptions = [
  { code: 'yes', label: tr('Sí', 'Oui', 'Sim') },
  { code: 'no', label: tr('No', 'Non', 'Não') },
  dontKnow,
]

/** The annual citizen perception survey of the city's international action (Madrid's practice). */
export const perceptionQuestionnaire: QuestionDraft[] = [
  {
    code: 'interest',
    type: 'scale_5',
    page: 1,
    required: true,
    text: tr(
      '¿Cuánto le interesa la acción internacional de la ciudad?',
      'Dans quelle mesure l’action internationale de la ville vous intéresse-t-elle ?',
      'Quanto lhe interessa a ação internacional da cidade?',
    ),
    help: tr(
      'Por ejemplo: hermanamientos, redes de ciudades, proyectos de cooperación, eventos internacionales.',
      'Par exemple : jumelages, réseaux de villes, projets de coopération, événements internationaux.',
      'Por exemplo: geminações, redes de cidades, projetos de cooperação, eventos internacionais.',
    ),
    options: [
      { code: '1', label: tr('Nada', 'Pas du tout', 'Nada') },
      { code: '2', label: tr('Poco', 'Peu', 'Pouco') },
      { code: '3', label: tr('Algo', 'Moyennement', 'Algo') },
      { code: '4', label: tr('Bastante', 'Assez', 'Bastante') },
      { code: '5', label: tr('Mucho', 'Beaucoup', 'Muito') },
      dontKnow,
    ],
  },
  {
    code: 'aware',
    type: 'yes_no',
    page: 1,
    required: true,
    text: tr(
      '¿Sabía que la ciudad lleva a cabo una acción internacional (acuerdos, redes, cooperación con otras ciudades)?',
      'Saviez-vous que la ville mène une action internationale (accords, réseaux, coopération avec d’autres villes) ?',
      'Sabia que a cidade desenvolve uma ação internacional (acordos, redes, cooperação com outras cidades)?',
    ),
    options: yesNoOptions,
  },
  {
    code: 'heard_of',
    type: 'multiple_choice',
    page: 2,
    showIf: { question: 'aware', anyOf: ['yes'] },
    text: tr(
      '¿De cuáles de estas actividades ha oído hablar?',
      'Desquelles de ces activités avez-vous entendu parler ?',
      'De quais destas atividades já ouviu falar?',
    ),
    help: tr(
      'Marque todas las que correspondan.',
      'Cochez toutes les réponses qui conviennent.',
      'Assinale todas as que se aplicam.',
    ),
    options: [
      {
        code: 'twinning',
        label: tr(
          'Hermanamientos con otras ciudades',
          'Jumelages avec d’autres villes',
          'Geminações com outras cidades',
        ),
      },
      {
        code: 'networks',
        label: tr(
          'Redes internacionales de ciudades',
          'Réseaux internationaux de villes',
          'Redes internacionais de cidades',
        ),
      },
      {
        code: 'cooperation',
        label: tr(
          'Proyectos de cooperación en otros países',
          'Projets de coopération dans d’autres pays',
          'Projetos de cooperação noutros países',
        ),
      },
      {
        code: 'events',
        label: tr(
          'Eventos internacionales en la ciudad',
          'Événements internationaux dans la ville',
          'Eventos internacionais na cidade',
        ),
      },
    ],
  },
  {
    code: 'sources',
    type: 'multiple_choice',
    page: 2,
    showIf: { question: 'aware', anyOf: ['yes'] },
    text: tr('¿Por qué medios se enteró?', 'Par quels moyens l’avez-vous appris ?', 'Por que meios soube?'),
    help: tr(
      'Marque todas las que correspondan.',
      'Cochez toutes les réponses qui conviennent.',
      'Assinale todas as que se aplicam.',
    ),
    options: [
      {
        code: 'news',
        label: tr(
          'Prensa, radio o televisión',
          'Presse, radio ou télévision',
          'Imprensa, rádio ou televisão',
        ),
      },
      { code: 'social_media', label: tr('Redes sociales', 'Réseaux sociaux', 'Redes sociais') },
      {
        code: 'city_website',
        label: tr('Web del ayuntamiento', 'Site de la mairie', 'Site da câmara municipal'),
      },
      {
        code: 'word_of_mouth',
        label: tr('Familia, amistades o vecinos', 'Famille, amis ou voisins', 'Família, amigos ou vizinhos'),
      },
      { code: 'other', label: tr('Otro', 'Autre', 'Outro') },
    ],
  },
  {
    code: 'took_part',
    type: 'yes_no',
    page: 2,
    showIf: { question: 'aware', anyOf: ['yes'] },
    text: tr(
      '¿Ha participado en alguna actividad internacional organizada por la ciudad?',
      'Avez-vous participé à une activité internationale organisée par la ville ?',
      'Já participou em alguma atividade internacional organizada pela cidade?',
    ),
    options: yesNoOptions,
  },
  {
    code: 'keep_investing',
    type: 'scale_5',
    page: 3,
    required: true,
    text: tr(
      'La ciudad debería seguir invirtiendo en su acción internacional.',
      'La ville devrait continuer à investir dans son action internationale.',
      'A cidade deveria continuar a investir na sua ação internacional.',
    ),
    help: tr(
      'Indique su grado de acuerdo.',
      'Indiquez votre degré d’accord.',
      'Indique o seu grau de concordância.',
    ),
    options: [
      { code: '1', label: tr('Muy en desacuerdo', 'Pas du tout d’accord', 'Discordo totalmente') },
      { code: '2', label: tr('En desacuerdo', 'Plutôt pas d’accord', 'Discordo') },
      {
        code: '3',
        label: tr(
          'Ni de acuerdo ni en desacuerdo',
          'Ni d’accord ni pas d’accord',
          'Nem concordo nem discordo',
        ),
      },
      { code: '4', label: tr('De acuerdo', 'Plutôt d’accord', 'Concordo') },
      { code: '5', label: tr('Muy de acuerdo', 'Tout à fait d’accord', 'Concordo totalmente') },
      dontKnow,
    ],
  },
  {
    code: 'benefit',
    type: 'scale_0_10',
    page: 3,
    text: tr(
      'De 0 a 10, ¿cuánto beneficia a los vecinos la acción internacional de la ciudad?',
      'De 0 à 10, dans quelle mesure l’action internationale de la ville profite-t-elle aux habitants ?',
      'De 0 a 10, quanto beneficia os moradores a ação internacional da cidade?',
    ),
    help: tr(
      '0 significa ningún beneficio; 10, un beneficio muy grande.',
      '0 signifie aucun bénéfice ; 10, un très grand bénéfice.',
      '0 significa nenhum benefício; 10, um benefício muito grande.',
    ),
  },
  {
    code: 'comment',
    type: 'long_text',
    page: 3,
    text: tr(
      '¿Quiere decirle algo a la ciudad sobre su acción internacional?',
      'Souhaitez-vous dire quelque chose à la ville sur son action internationale ?',
      'Quer dizer algo à cidade sobre a sua ação internacional?',
    ),
    help: tr(
      'No escriba su nombre ni datos de contacto.',
      'N’indiquez ni votre nom ni vos coordonnées.',
      'Não escreva o seu nome nem dados de contacto.',
    ),
  },
  {
    code: 'district',
    type: 'single_choice',
    page: 4,
    required: true,
    isProfile: true,
    text: tr('¿En qué distrito vive?', 'Dans quel quartier habitez-vous ?', 'Em que bairro vive?'),
    options: DEMO_DISTRICTS.map((d) => ({ code: d.code, label: tr(d.name, d.name, d.name) })),
  },
  {
    code: 'age_band',
    type: 'single_choice',
    page: 4,
    required: true,
    isProfile: true,
    text: tr('¿Qué edad tiene?', 'Quel âge avez-vous ?', 'Que idade tem?'),
    options: [
      { code: '16_29', label: tr('De 16 a 29 años', 'De 16 à 29 ans', 'Dos 16 aos 29 anos') },
      { code: '30_44', label: tr('De 30 a 44 años', 'De 30 à 44 ans', 'Dos 30 aos 44 anos') },
      { code: '45_64', label: tr('De 45 a 64 años', 'De 45 à 64 ans', 'Dos 45 aos 64 anos') },
      { code: '65_plus', label: tr('65 años o más', '65 ans ou plus', '65 anos ou mais') },
    ],
  },
  {
    code: 'gender',
    type: 'single_choice',
    page: 4,
    isProfile: true,
    text: tr(
      '¿Con qué género se identifica?',
      'À quel genre vous identifiez-vous ?',
      'Com que género se identifica?',
    ),
    options: [
      { code: 'woman', label: tr('Mujer', 'Femme', 'Mulher') },
      { code: 'man', label: tr('Hombre', 'Homme', 'Homem') },
      { code: 'other', label: tr('Otro', 'Autre', 'Outro') },
      {
        code: 'prefer_not',
        label: tr('Prefiero no decirlo', 'Je préfère ne pas le dire', 'Prefiro não dizer'),
      },
    ],
  },
  {
    code: 'pref_language',
    type: 'single_choice',
    page: 5,
    text: tr(
      '¿En qué idioma prefiere recibir la información de la ciudad?',
      'Dans quelle langue préférez-vous recevoir les informations de la ville ?',
      'Em que idioma prefere receber a informação da cidade?',
    ),
    options: [
      { code: 'es', label: tr('Español', 'Espagnol', 'Espanhol') },
      { code: 'fr', label: tr('Francés', 'Français', 'Francês') },
      { code: 'pt', label: tr('Portugués', 'Portugais', 'Português') },
      { code: 'other', label: tr('Otro', 'Autre', 'Outro') },
    ],
  },
  {
    code: 'years_resident',
    type: 'number',
    page: 5,
    min: 0,
    max: 110,
    text: tr(
      '¿Cuántos años lleva viviendo en la ciudad?',
      'Depuis combien d’années habitez-vous dans la ville ?',
      'Há quantos anos vive na cidade?',
    ),
    help: tr(
      'Si es menos de un año, escriba 0.',
      'Si c’est moins d’un an, indiquez 0.',
      'Se for menos de um ano, escreva 0.',
    ),
  },
  {
    code: 'lived_abroad',
    type: 'yes_no',
    page: 5,
    text: tr(
      '¿Ha vivido alguna vez en otro país?',
      'Avez-vous déjà vécu dans un autre pays ?',
      'Já viveu noutro país?',
    ),
    options: yesNoOptions,
  },
]
