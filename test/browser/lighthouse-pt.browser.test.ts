import { lighthouseTests } from './lighthouse.ts'

lighthouseTests(['pt-BR', 'pt-PT'])
