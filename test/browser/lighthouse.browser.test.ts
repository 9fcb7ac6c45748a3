import { lighthouseTests } from './lighthouse.ts'

// Every page type in Spanish; in the other locales (the same templates), the pages with the most text.
const wording = ['question page with errors', 'results', 'yearly brief']
lighthouseTests([
  { locale: 'es' },
  { locale: 'fr', only: wording },
  { locale: 'pt-BR', only: wording },
  { locale: 'pt-PT', only: wording },
])
