/**
 * When a question is shown: a test on earlier answers, in the subset of XLSForm's `relevant` that
 * Pulso follows (and, or, not(), selected(), =, !=, <, >, <=, >= between an answer and a value).
 * The server, the browser's script (public/conditions.js) and paper read the same tree.
 */
export type Condition =
  /** The answer includes one of these option codes (selected() in XLSForm). */
  | { question: string; anyOf: string[] }
  | { question: string; compare: Comparison; value: string | number }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }

export const COMPARISONS = ['=', '!=', '<', '>', '<=', '>='] as const
export type Comparison = (typeof COMPARISONS)[number]

type AnswerValue = string | string[] | number
type Answers = Record<string, AnswerValue>

const QUESTION_CODE = /^[A-Za-z_][A-Za-z0-9_.-]{0,39}$/

/** Whether the condition holds for these answers (a question not answered, or hidden, reads as empty). */
export function conditionHolds(condition: Condition, answers: Answers): boolean {
  if ('all' in condition) return condition.all.every((c) => conditionHolds(c, answers))
  if ('any' in condition) return condition.any.some((c) => conditionHolds(c, answers))
  if ('not' in condition) return !conditionHolds(condition.not, answers)
  const given = answers[condition.question]
  if ('anyOf' in condition) {
    if (given === undefined) return false
    const codes = Array.isArray(given) ? given : [String(given)]
    return codes.some((code) => condition.anyOf.includes(code))
  }
  return compares(given, condition.compare, condition.value)
}

// As XPath compares: a number against a number; =/!= otherwise as text; order between two texts
// (ISO dates order as text), never against an empty answer.
function compares(given: AnswerValue | undefined, op: Comparison, value: string | number): boolean {
  const text = given === undefined ? '' : Array.isArray(given) ? given.join(' ') : String(given)
  const asNumber = (s: string) => (s.trim() === '' ? NaN : Number(s))
  const a = asNumber(text)
  const b = typeof value === 'number' ? value : asNumber(value)
  const numeric = typeof value === 'number' || (!Number.isNaN(a) && !Number.isNaN(b))
  if (op === '=') return numeric ? a === b : text === value
  if (op === '!=') return numeric ? a !== b : text !== value
  let order: number
  if (!Number.isNaN(a) && !Number.isNaN(b)) order = a - b
  else if (typeof value === 'string' && text !== '' && value !== '')
    order = text < value ? -1 : text > value ? 1 : 0
  else return false
  return op === '<' ? order < 0 : op === '>' ? order > 0 : op === '<=' ? order <= 0 : order >= 0
}

/** The questions a condition reads, once each, in the order written. */
export function questionsIn(condition: Condition): string[] {
  const found = new Set<string>()
  const walk = (c: Condition) => {
    if ('all' in c) c.all.forEach(walk)
    else if ('any' in c) c.any.forEach(walk)
    else if ('not' in c) walk(c.not)
    else found.add(c.question)
  }
  walk(condition)
  return [...found]
}

/** Every test on one question in a condition, for checks that need the question's type and options. */
export function testsIn(condition: Condition): Extract<Condition, { question: string }>[] {
  if ('all' in condition) return condition.all.flatMap(testsIn)
  if ('any' in condition) return condition.any.flatMap(testsIn)
  if ('not' in condition) return testsIn(condition.not)
  return [condition]
}

/** Whether a value read from storage or a form is a condition Pulso can follow. */
export function isCondition(value: unknown, depth = 0): value is Condition {
  if (typeof value !== 'object' || value === null || depth > 20) return false
  const v = value as Record<string, unknown>
  if (Array.isArray(v.all)) return v.all.length > 0 && v.all.every((c) => isCondition(c, depth + 1))
  if (Array.isArray(v.any)) return v.any.length > 0 && v.any.every((c) => isCondition(c, depth + 1))
  if ('not' in v) return isCondition(v.not, depth + 1)
  if (typeof v.question !== 'string' || !QUESTION_CODE.test(v.question)) return false
  if (Array.isArray(v.anyOf)) return v.anyOf.length > 0 && v.anyOf.every((c) => typeof c === 'string')
  return (
    COMPARISONS.includes(v.compare as Comparison) &&
    (typeof v.value === 'number' ? Number.isFinite(v.value) : typeof v.value === 'string')
  )
}

// ---- XLSForm's relevant, read and written ----

export type ConditionReading = { ok: true; condition: Condition } | { ok: false; at: number }

type Token =
  | { kind: 'ref'; name: string; at: number }
  | { kind: 'text'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'op'; value: Comparison; at: number }
  | { kind: 'word'; value: string; at: number }
  | { kind: '(' | ')' | ','; at: number }

function tokenize(source: string): Token[] | { at: number } {
  const tokens: Token[] = []
  let i = 0
  while (i < source.length) {
    const rest = source.slice(i)
    const space = /^\s+/.exec(rest)
    if (space) {
      i += space[0].length
      continue
    }
    const ref = /^\$\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}/.exec(rest)
    const text = /^'([^']*)'|^"([^"]*)"/.exec(rest)
    const number = /^-?\d+(?:\.\d+)?(?![A-Za-z_])/.exec(rest)
    const op = /^(!=|<=|>=|=|<|>)/.exec(rest)
    const word = /^[A-Za-z][A-Za-z-]*/.exec(rest)
    if (ref) tokens.push({ kind: 'ref', name: ref[1]!, at: i })
    else if (text) tokens.push({ kind: 'text', value: text[1] ?? text[2]!, at: i })
    else if (number) tokens.push({ kind: 'number', value: Number(number[0]), at: i })
    else if (op) tokens.push({ kind: 'op', value: op[1] as Comparison, at: i })
    else if (word) tokens.push({ kind: 'word', value: word[0].toLowerCase(), at: i })
    else if ('(),'.includes(rest[0]!)) tokens.push({ kind: rest[0] as '(' | ')' | ',', at: i })
    else return { at: i }
    i += (ref ?? text ?? number ?? op ?? word)?.[0].length ?? 1
  }
  return tokens
}

const FLIPPED: Record<Comparison, Comparison> = {
  '=': '=',
  '!=': '!=',
  '<': '>',
  '>': '<',
  '<=': '>=',
  '>=': '<=',
}

/**
 * Reads an XLSForm `relevant` expression; `at` tells where reading stopped when it cannot be followed
 * (a function Pulso does not know, two answers compared together, a missing parenthesis…).
 */
export function readCondition(source: string): ConditionReading {
  const tokens = tokenize(source)
  if (!Array.isArray(tokens)) return { ok: false, at: tokens.at }
  let index = 0
  const peek = () => tokens[index]
  const fail = (): never => {
    throw new Stop(peek()?.at ?? source.length)
  }
  const expect = (kind: Token['kind']) => {
    const token = peek()
    if (token?.kind !== kind) fail()
    index++
    return token!
  }
  const isWord = (value: string) => {
    const token = peek()
    return token?.kind === 'word' && token.value === value
  }
  const operand = () => {
    const token = peek()
    if (token?.kind === 'ref' || token?.kind === 'text' || token?.kind === 'number') {
      index++
      return token
    }
    return fail()
  }
  const primary = (): Condition => {
    if (peek()?.kind === '(') {
      index++
      const inner = anyOf()
      expect(')')
      return inner
    }
    if (isWord('not')) {
      index++
      expect('(')
      const inner = anyOf()
      expect(')')
      return { not: inner }
    }
    if (isWord('selected')) {
      index++
      expect('(')
      const ref = expect('ref') as Extract<Token, { kind: 'ref' }>
      expect(',')
      const value = operand()
      if (value.kind === 'ref') fail()
      expect(')')
      return { question: ref.name, anyOf: [String((value as { value: string | number }).value)] }
    }
    const left = operand()
    const op = expect('op') as Extract<Token, { kind: 'op' }>
    const right = operand()
    if ((left.kind === 'ref') === (right.kind === 'ref')) throw new Stop(op.at)
    const [ref, literal, compare] =
      left.kind === 'ref' ? [left, right, op.value] : [right as typeof left, left, FLIPPED[op.value]]
    return {
      question: (ref as Extract<Token, { kind: 'ref' }>).name,
      compare,
      value: (literal as { value: string | number }).value,
    }
  }
  const allOf = (): Condition => {
    const parts = [primary()]
    while (isWord('and')) {
      index++
      parts.push(primary())
    }
    return parts.length === 1 ? parts[0]! : { all: parts }
  }
  const anyOf = (): Condition => {
    const parts = [allOf()]
    while (isWord('or')) {
      index++
      parts.push(allOf())
    }
    return parts.length === 1 ? parts[0]! : mergeSelections({ any: parts })
  }
  try {
    if (tokens.length === 0) return { ok: false, at: 0 }
    const condition = anyOf()
    if (index < tokens.length) fail()
    return { ok: true, condition }
  } catch (error) {
    if (error instanceof Stop) return { ok: false, at: error.at }
    throw error
  }
}

/** Where reading stopped; caught in readCondition, never seen outside. */
class Stop extends Error {
  constructor(readonly at: number) {
    super(`condition unreadable at ${at}`)
  }
}

// selected(${q}, 'a') or selected(${q}, 'b') is one test: q includes a or b.
function mergeSelections(condition: { any: Condition[] }): Condition {
  const [first] = condition.any
  if (
    first &&
    'anyOf' in first &&
    condition.any.every((c) => 'anyOf' in c && c.question === first.question)
  ) {
    return { question: first.question, anyOf: condition.any.flatMap((c) => (c as { anyOf: string[] }).anyOf) }
  }
  return condition
}

/** Writes a condition as an XLSForm `relevant` expression, which readCondition reads back the same. */
export function writeCondition(condition: Condition): string {
  const write = (c: Condition, inside: 'and' | 'or' | 'top'): string => {
    if ('all' in c) return c.all.map((part) => write(part, 'and')).join(' and ')
    if ('any' in c) {
      const text = c.any.map((part) => write(part, 'or')).join(' or ')
      return inside === 'and' ? `(${text})` : text
    }
    if ('not' in c) return `not(${write(c.not, 'top')})`
    if ('anyOf' in c) {
      const text = c.anyOf.map((code) => `selected(\${${c.question}}, ${quoted(code)})`).join(' or ')
      return inside === 'and' && c.anyOf.length > 1 ? `(${text})` : text
    }
    return `\${${c.question}} ${c.compare} ${typeof c.value === 'number' ? String(c.value) : quoted(c.value)}`
  }
  return write(condition, 'top')
}

const quoted = (value: string) => (value.includes("'") ? `"${value}"` : `'${value}'`)
