import { SLUG_PATTERN } from '../http/slugs.ts'

// The API's description, served at /api/v1/openapi.json; tests check every route here exists.
const seriesParams = [
  {
    name: 'org',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: SLUG_PATTERN },
  },
  {
    name: 'series',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: SLUG_PATTERN },
  },
]
const problem = {
  description: 'A problem (RFC 9457)',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
}
const cached = { description: 'Not modified (the ETag sent in If-None-Match is current)' }
// Public operations: anyone may read them, from any site (CORS).
const open = { security: [] }

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Pulso API',
    version: '1.0.0',
    description:
      'Read-only published results: series with at least one closed wave, their indicators and trend results (weighted estimates with standard errors and 95% intervals, by group, and changes between waves). Responses carry an ETag and may be cached for 5 minutes.',
    license: { name: 'AGPL-3.0-or-later', identifier: 'AGPL-3.0-or-later' },
  },
  // Relative: the instance that serves this document.
  servers: [{ url: '/', description: 'This Pulso instance' }],
  paths: {
    '/api/v1/series': {
      get: {
        operationId: 'listSeries',
        summary: 'Published series',
        ...open,
        responses: {
          '200': {
            description: 'Every series with published waves',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/SeriesList' } } },
          },
          '304': cached,
          '4XX': problem,
        },
      },
    },
    '/api/v1/series/{org}/{series}': {
      get: {
        operationId: 'getSeries',
        summary: 'A published series: waves, indicators and breakdowns',
        ...open,
        parameters: seriesParams,
        responses: {
          '200': {
            description: 'The series',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Series' } } },
          },
          '304': cached,
          '404': problem,
        },
      },
    },
    '/api/v1/series/{org}/{series}/trends': {
      get: {
        operationId: 'getTrends',
        summary: 'Trend results over the published waves (pulso-trends v1)',
        ...open,
        parameters: [
          ...seriesParams,
          {
            name: 'breakdown',
            in: 'query',
            schema: { type: 'string' },
            description: 'A profile question code, or `language`; see the series’ `breakdowns`',
          },
          { name: 'ci', in: 'query', schema: { type: 'string', enum: ['logit', 'wald'], default: 'logit' } },
        ],
        responses: {
          '200': {
            description: 'Trend rows',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Trends' } } },
          },
          '304': cached,
          '400': problem,
          '404': problem,
        },
      },
    },
    '/api/v1/series/{org}/{series}/briefs': {
      get: {
        operationId: 'listBriefs',
        summary: 'The yearly briefs the city published for this series',
        ...open,
        parameters: seriesParams,
        responses: {
          '200': {
            description: 'Published briefs, newest first',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/BriefList' } } },
          },
          '304': cached,
          '404': problem,
        },
      },
    },
    '/api/v1/series/{org}/{series}/briefs/{year}': {
      get: {
        operationId: 'getBrief',
        summary: 'A yearly brief as published (pulso-brief v1)',
        description:
          'Exactly what the brief showed when it was published (it changes only when the city publishes it again): headline indicators with estimate, 95% interval, change from the previous wave and target status, the groups whose change was significant, the quoted stories, and the method. Numbers are on the indicator’s scale (proportions for shares); texts are given per language.',
        ...open,
        parameters: [
          ...seriesParams,
          {
            name: 'year',
            in: 'path',
            required: true,
            schema: { type: 'integer', minimum: 1990, maximum: 2200 },
          },
        ],
        responses: {
          '200': {
            description: 'The brief',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Brief' } } },
          },
          '304': cached,
          '404': problem,
        },
      },
    },
    '/api/v1/series/{org}/{series}/microdata.zip': {
      get: {
        operationId: 'getMicrodata',
        summary:
          'The microdata package (Frictionless Data Package: per-wave and pooled CSV, codebook, datapackage.json)',
        description:
          'For evaluators of the series’ organization, with a personal token made at /staff/tokens. Rare profile combinations are blanked and free text is not included.',
        security: [{ token: [] }],
        parameters: seriesParams,
        responses: {
          '200': { description: 'A zip file', content: { 'application/zip': {} } },
          '401': problem,
          '404': problem,
        },
      },
    },
    '/api/v1/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document',
        ...open,
        responses: { '200': { description: 'OpenAPI 3.1' }, '304': cached, '4XX': problem },
      },
    },
  },
  components: {
    securitySchemes: {
      token: { type: 'http', scheme: 'bearer', description: 'A personal API token (pulso_…)' },
    },
    schemas: {
      Translated: {
        type: 'object',
        properties: { es: { type: 'string' }, fr: { type: 'string' }, pt: { type: 'string' } },
      },
      Problem: {
        type: 'object',
        required: ['status', 'title'],
        properties: { status: { type: 'integer' }, title: { type: 'string' } },
      },
      SeriesList: {
        type: 'object',
        required: ['series'],
        properties: {
          series: {
            type: 'array',
            items: {
              type: 'object',
              required: ['organization', 'series', 'waves'],
              properties: {
                organization: { type: 'string' },
                organizationName: { type: 'string' },
                series: { type: 'string' },
                title: { $ref: '#/components/schemas/Translated' },
                waves: { type: 'array', items: { type: 'integer' } },
                links: { type: 'object', properties: { self: { type: 'string' } } },
              },
            },
          },
        },
      },
      Series: {
        type: 'object',
        required: ['organization', 'series', 'waves', 'indicators', 'breakdowns'],
        properties: {
          organization: { type: 'string' },
          organizationName: { type: 'string' },
          series: { type: 'string' },
          title: { $ref: '#/components/schemas/Translated' },
          description: { type: 'object' },
          waves: { type: 'array', items: { type: 'integer' } },
          indicators: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                code: { type: 'string' },
                question: { type: 'string' },
                kind: { type: 'string', enum: ['share', 'mean'] },
                successCodes: { type: 'array', items: { type: 'string' } },
                excludedCodes: { type: 'array', items: { type: 'string' } },
                label: { $ref: '#/components/schemas/Translated' },
                target: {
                  description: 'The value aimed at (a proportion for a share), by a year; null: none',
                  oneOf: [{ $ref: '#/components/schemas/Target' }, { type: 'null' }],
                },
              },
            },
          },
          breakdowns: { type: 'array', items: { type: 'string' } },
          links: { type: 'object' },
        },
      },
      Target: {
        type: 'object',
        required: ['value', 'year', 'direction'],
        properties: {
          value: { type: 'number' },
          year: { type: 'integer' },
          direction: { type: 'string', enum: ['atLeast', 'atMost'] },
          reason: { $ref: '#/components/schemas/Translated' },
        },
      },
      TargetStatus: {
        type: 'object',
        description:
          'Where the latest wave stands: reached; on or off track by the straight line through the last two waves (since a break), read at the target year; missed once that year has come; or too early with one wave. `certain`: the intervals make the same call.',
        properties: {
          call: { type: 'string', enum: ['reached', 'onTrack', 'offTrack', 'missed', 'tooEarly'] },
          certain: { type: 'boolean' },
          projected: { type: ['number', 'null'] },
          latestYear: { type: 'integer' },
        },
      },
      BriefList: {
        type: 'object',
        required: ['briefs'],
        properties: {
          briefs: {
            type: 'array',
            items: {
              type: 'object',
              required: ['year', 'publishedAt'],
              properties: {
                year: { type: 'integer' },
                publishedAt: { type: 'string', format: 'date-time' },
                links: { type: 'object' },
              },
            },
          },
        },
      },
      Brief: {
        type: 'object',
        required: ['format', 'version', 'year', 'indicators', 'groups', 'stories', 'method', 'publishedAt'],
        properties: {
          format: { const: 'pulso-brief' },
          version: { const: 1 },
          year: { type: 'integer' },
          previousYear: { type: ['integer', 'null'] },
          publishedAt: { type: 'string', format: 'date-time' },
          seriesTitle: { $ref: '#/components/schemas/Translated' },
          organization: { type: 'object' },
          lead: { $ref: '#/components/schemas/Translated' },
          indicators: {
            type: 'array',
            items: {
              type: 'object',
              required: ['code', 'kind', 'points'],
              properties: {
                code: { type: 'string' },
                label: { $ref: '#/components/schemas/Translated' },
                kind: { type: 'string', enum: ['share', 'mean'] },
                points: { type: 'array', items: { type: 'object' } },
                latest: { type: ['object', 'null'] },
                change: { type: ['object', 'null'] },
                target: { type: ['object', 'null'] },
              },
            },
          },
          groups: {
            type: 'array',
            description: 'Groups whose change from the previous wave is significant at 5%, largest first',
            items: { type: 'object' },
          },
          stories: { type: 'array', items: { type: 'object' } },
          method: { type: 'object' },
        },
      },
      TrendRow: {
        type: 'object',
        required: ['indicator', 'wave', 'breakdown', 'group', 'weighted', 'suppressed'],
        properties: {
          indicator: { type: 'string' },
          wave: { type: 'integer' },
          breakdown: {
            type: 'string',
            description: '`overall`, a breakdown, or `change` (from the previous wave)',
          },
          group: { type: 'string' },
          estimate: {
            type: ['number', 'null'],
            description: 'A share in [0,1] or a mean; null when suppressed',
          },
          se: { type: ['number', 'null'] },
          ciLow: { type: ['number', 'null'] },
          ciHigh: { type: ['number', 'null'] },
          n: { type: ['integer', 'null'] },
          nEffective: { type: ['number', 'null'] },
          weighted: { type: 'boolean' },
          suppressed: { type: 'boolean', description: 'Too few valid answers: the numbers are withheld' },
          significant: { type: 'boolean', description: 'On change rows: significant at 5%' },
        },
      },
      Trends: {
        type: 'object',
        required: ['format', 'version', 'series', 'waves', 'rows'],
        properties: {
          format: { const: 'pulso-trends' },
          version: { const: 1 },
          organization: { type: 'string' },
          series: { type: 'string' },
          sample: { type: 'string', enum: ['all', 'invited'] },
          waves: { type: 'array', items: { type: 'object' } },
          rows: { type: 'array', items: { $ref: '#/components/schemas/TrendRow' } },
          targets: {
            type: 'array',
            items: {
              allOf: [
                { $ref: '#/components/schemas/Target' },
                {
                  type: 'object',
                  properties: {
                    indicator: { type: 'string' },
                    status: { oneOf: [{ $ref: '#/components/schemas/TargetStatus' }, { type: 'null' }] },
                  },
                },
              ],
            },
          },
          responseRates: { type: 'array', items: { type: 'object' } },
        },
      },
    },
  },
} as const
