import { spawnSync } from 'node:child_process'
import path from 'node:path'

const tool = path.resolve(import.meta.dirname, '../tools/xlsform-check/xlsform-check')

/** Whether pyxform's Python packages are here (CI installs them; as root the tool installs them itself). */
export const xlsformCheckAvailable =
  process.env.CI === 'true' ||
  spawnSync('/usr/bin/python3', ['-c', 'import openpyxl, xlrd, defusedxml, lark']).status === 0

/**
 * Converts workbooks with pyxform 4.5.0, as KoboToolbox and ODK do (test/tools/xlsform-check):
 * the verdict per file ("ok FILE (N warnings)" or "invalid FILE: reason").
 */
export function xlsformCheck(files: string[]): { ok: boolean; output: string } {
  const run = spawnSync(tool, files, { encoding: 'utf8', timeout: 120_000 })
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` }
}
