import { describe, expect, it } from 'vitest'
import {
  conditionHolds,
  isCondition,
  readCondition,
  writeCondition,
} from '../../src/questionnaire/conditions.ts'

// XLSForm's relevant, in the subset Pulso follows: what it reads it writes back the same, and what it
// cannot follow it says where.

describe('conditions read from and written to XLSForm', () => {
  it.each([
    "selected(${aware}, 'yes')",
    "selected(${aware}, 'yes') or selected(${aware}, 'rather')",
    "${age} >= 18 and (selected(${district}, 'Centro') or selected(${district}, 'San-Blas'))",
    "not(${aware} = 'no')",
    "${times} < 3 or ${times} > 10 or ${since} <= '2020-01-01'",
    "${aware} != 'no' and not(selected(${topics}, 'agua.potable') and ${n} = 2.5)",
    '${name} = "l\'eau"',
  ])('reads %s and writes it back the same', (expression) => {
    const reading = readCondition(expression)
    expect(reading.ok).toBe(true)
    if (!reading.ok) return
    expect(isCondition(reading.condition)).toBe(true)
    expect(writeCondition(reading.condition)).toBe(expression)
  })

  it('reads what people write: any spacing, either quote, the value first, AND/OR in capitals', () => {
    expect(readCondition("  ${ age }>=18 AND 'yes'=${aware}")).toEqual({
      ok: true,
      condition: {
        all: [
          { question: 'age', compare: '>=', value: 18 },
          { question: 'aware', compare: '=', value: 'yes' },
        ],
      },
    })
    expect(readCondition('3 < ${n}')).toEqual({
      ok: true,
      condition: { question: 'n', compare: '>', value: 3 },
    })
  })

  it.each([
    ['count-selected(${a}) > 1', 0],
    ['${a} = ${b}', 5],
    ["${a} = 'x' and", 14],
    ["(${a} = 'x'", 11],
    ["selected(${a} 'x')", 14],
    ['', 0],
    ['${a} + 1 > 2', 5],
  ])('says where %s stops being followable', (expression, at) => {
    expect(readCondition(expression)).toEqual({ ok: false, at })
  })

  it('decides as XPath does: a hidden or empty answer reads as empty, numbers compare as numbers', () => {
    const holds = (expression: string, answers: Record<string, string | string[] | number>) => {
      const reading = readCondition(expression)
      if (!reading.ok) throw new Error(expression)
      return conditionHolds(reading.condition, answers)
    }
    expect(holds("selected(${t}, 'b')", { t: ['a', 'b'] })).toBe(true)
    expect(holds("${t} = 'a b'", { t: ['a', 'b'] })).toBe(true)
    expect(holds('${n} > 9', { n: 10 })).toBe(true)
    expect(holds("${n} > '9'", { n: 10 })).toBe(true)
    expect(holds('${n} > 9', {})).toBe(false)
    expect(holds('${n} != 9', {})).toBe(true)
    expect(holds("${n} != ''", {})).toBe(false)
    expect(holds("${n} != ''", { n: 0 })).toBe(true)
    expect(holds("${d} >= '2020-01-01'", { d: '2021-05-03' })).toBe(true)
    expect(holds("${d} >= '2020-01-01'", {})).toBe(false)
    expect(holds("not(selected(${a}, 'yes'))", {})).toBe(true)
  })

  it('refuses stored shapes it cannot follow', () => {
    expect(isCondition({ question: 'a', anyOf: [] })).toBe(false)
    expect(isCondition({ all: [] })).toBe(false)
    expect(isCondition({ question: 'a', compare: '~', value: 1 })).toBe(false)
    expect(isCondition({ not: { question: 'a', anyOf: ['x'] } })).toBe(true)
  })
})
