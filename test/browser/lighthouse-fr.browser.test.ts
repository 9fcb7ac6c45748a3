import { lighthouseTests } from './lighthouse.ts'

lighthouseTests(['fr'])
