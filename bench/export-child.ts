// Run by bench/export.ts in a process of its own, so its peak RSS is the export's alone.
import { createWriteStream } from 'node:fs'
import { openDatabase } from '../src/db/database.ts'
import { writeMicrodataPackage } from '../src/results/microdata.ts'
import { createResultsService } from '../src/results/results.service.ts'

const [url, schema, seriesId, file] = process.argv.slice(2) as [string, string, string, string]
const db = openDatabase({ kind: 'postgres', url, searchPath: schema, poolSize: 2 })
const before = process.memoryUsage().rss
let peak = before
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50)
const begin = performance.now()
const out = createWriteStream(file)
await writeMicrodataPackage(
  db,
  createResultsService(db),
  { id: Number(seriesId), code: 'perception', organization: 'bench-city', title: 'Bench' },
  out,
)
await new Promise((resolve) => out.end(resolve))
clearInterval(sampler)
peak = Math.max(peak, process.memoryUsage().rss)
console.log(JSON.stringify({ seconds: (performance.now() - begin) / 1000, peakRss: peak, rssBefore: before }))
await db.destroy()
