import { lighthouseTests } from './lighthouse.ts'

lighthouseTests(['es'])
