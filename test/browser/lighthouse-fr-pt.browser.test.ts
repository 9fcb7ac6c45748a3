import { lighthouseTests } from './lighthouse.ts'

lighthouseTests([
  { locale: 'fr', pages: 'wording' },
  { locale: 'pt-BR', pages: 'wording' },
  { locale: 'pt-PT', pages: 'wording' },
])
