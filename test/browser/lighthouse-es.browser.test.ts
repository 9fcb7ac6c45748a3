import { lighthouseTests } from './lighthouse.ts'

lighthouseTests([{ locale: 'es', pages: 'all' }])
