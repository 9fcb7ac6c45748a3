import { main } from '../server.ts'
import { DEMO_PROJECTS } from '../demo/feedback-demo.ts'
import {
  isEmpty,
  loadDemo,
  DEMO_ORGANIZATION,
  DEMO_PARTNER_CITY,
  DEMO_SERIES_CODE,
  DEMO_STAFF,
} from '../demo/demo-data.ts'

// Loads the demo only into an empty database, then serves it.
let invitationCodes: string[] = []
await main(
  async (services) => {
    if (await isEmpty(services.db)) {
      const started = Date.now()
      const { responses, invitationCodes: codes } = await loadDemo(services.db)
      invitationCodes = codes
      console.log(
        `Demo data loaded: ${responses} synthetic responses in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
      )
    } else {
      console.log('The database already has data; the demo was not loaded again.')
    }
  },
  (url) =>
    [
      `Pulso demo is running at ${url}`,
      `  Citizen survey (open 2026 wave): ${url}/s/${DEMO_ORGANIZATION.slug}/${DEMO_SERIES_CODE}`,
      `  Published results (2024 and 2025, by district and age): ${url}/s/${DEMO_ORGANIZATION.slug}/${DEMO_SERIES_CODE}/results`,
      ...(invitationCodes.length
        ? [`  Invitation codes to try (one response each): ${invitationCodes.join(', ')}`]
        : []),
      `  Beneficiary feedback (partner projects): ${DEMO_PROJECTS.map((p) => `${url}/f/${p.code}`).join('  ')}`,
      `  A partner city's published trends, to add on the evaluators' comparison page: ${url}/api/v1/series/${DEMO_PARTNER_CITY.slug}/${DEMO_SERIES_CODE}/trends`,
      `  Staff area: ${url}/staff`,
      ...DEMO_STAFF.map((m) => `    ${m.role.padEnd(11)} ${m.email}  password: ${m.password}`),
      '  Press Ctrl+C to stop.',
    ].join('\n'),
)
