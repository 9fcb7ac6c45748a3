// The microdata package of one wave of BENCH_EXPORT_RESPONSES (default 1,000,000) responses, exported
// in a process of its own: throughput and peak RSS (target under 150 MB).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { demoMargins } from '../src/demo/demo-data.ts'
import { foldNewResponses, replaceMargins } from '../src/results/results.repository.ts'
import { benchSchema, benchSurvey } from './setup.ts'
import { generateWave } from './trends.ts'

export async function exportBenchmark(url: string, responses: number) {
  const { schema, db, drop } = await benchSchema(url, 'bench_export')
  const work = mkdtempSync(path.join(tmpdir(), 'pulso-export-'))
  try {
    const { seriesId, waveId } = await benchSurvey(db, 'closed')
    await replaceMargins(db, waveId, demoMargins(2026))
    await generateWave(db, waveId, 2026, responses)
    await sql`analyze`.execute(db)
    await foldNewResponses(db, waveId)
    const file = path.join(work, 'microdata.zip')
    const child = spawnSync(
      process.execPath,
      [
        // A small heap: the export has to stream, it cannot hold the wave in memory.
        '--max-old-space-size=48',
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'export-child.ts'),
        url,
        schema,
        String(seriesId),
        file,
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    )
    if (child.status !== 0) throw new Error(child.stderr)
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
      seconds: number
      peakRss: number
      rssBefore: number
    }
    // The package holds the wave's file and the pooled file: two passes over the responses.
    return {
      responses,
      ...result,
      bytes: statSync(file).size,
      rowsPerSecond: (2 * responses) / result.seconds,
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
    await drop()
  }
}
