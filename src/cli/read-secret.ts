import { createInterface } from 'node:readline'

/** Reads a password: hidden at a terminal prompt, or the first line of standard input (never a flag). */
export async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = ''
    for await (const chunk of process.stdin) text += chunk
    return text.split(/\r?\n/)[0] ?? ''
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true })
  const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl)
  let muted = false
  ;(rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (!muted) write(s)
  }
  const answer = await new Promise<string>((resolve) => {
    rl.question(prompt, resolve)
    muted = true
  })
  rl.close()
  process.stdout.write('\n')
  return answer
}
