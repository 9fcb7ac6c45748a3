import { lighthouseTests } from './lighthouse.ts'

// The same templates as the Spanish audit: the pages with the most of each language's text.
lighthouseTests(['fr', 'pt-BR', 'pt-PT'], ['question page with errors', 'results', 'yearly brief'])
