import { describe, expect, it } from 'vitest'
import { targetStatus, type Target } from '../../src/results/targets.ts'

const awareness: Target = { value: 0.45, year: 2027, direction: 'atLeast' }
const wave = (year: number, estimate: number, halfWidth = 0.03) => ({
  year,
  estimate,
  low: estimate - halfWidth,
  high: estimate + halfWidth,
})

describe('where the latest wave stands against a target', () => {
  it('reached, and certain only when the whole interval is past the target', () => {
    expect(targetStatus(awareness, [wave(2024, 0.4), wave(2025, 0.5)])).toMatchObject({
      call: 'reached',
      certain: true,
    })
    expect(targetStatus(awareness, [wave(2024, 0.4), wave(2025, 0.46)])).toMatchObject({
      call: 'reached',
      certain: false,
    })
  })

  it('on or off track by the straight line through the last two waves, read at the target’s year', () => {
    // 0.35 → 0.40 in a year: 0.50 by 2027.
    const on = targetStatus(awareness, [wave(2024, 0.35, 0.01), wave(2025, 0.4, 0.01)])!
    expect(on.call).toBe('onTrack')
    expect(on.projected).toBeCloseTo(0.5, 10)
    // The least favourable line: 0.36 → 0.39, +0.03 a year: 0.45 by 2027 — still on track.
    expect(on.certain).toBe(true)
    // Wide intervals: the least favourable line (0.38 → 0.37) falls short, so the call is not certain.
    expect(targetStatus(awareness, [wave(2024, 0.35), wave(2025, 0.4)])).toMatchObject({
      call: 'onTrack',
      certain: false,
    })
    // Flat: 0.30 → 0.31 gives 0.33 by 2027; even the most favourable line (0.31 → 0.32 +…) falls short.
    expect(targetStatus(awareness, [wave(2024, 0.3, 0.005), wave(2025, 0.31, 0.005)])).toMatchObject({
      call: 'offTrack',
      certain: true,
    })
    // Waves two years apart: the slope is per year.
    expect(targetStatus(awareness, [wave(2021, 0.3), wave(2023, 0.36)])!.projected).toBeCloseTo(0.48, 10)
  })

  it('missed once its year has come, too early with one wave, and the other way round for at most', () => {
    expect(targetStatus(awareness, [wave(2026, 0.4), wave(2027, 0.41, 0.01)])).toMatchObject({
      call: 'missed',
      certain: true,
    })
    expect(targetStatus(awareness, [wave(2027, 0.43)])).toMatchObject({ call: 'missed', certain: false })
    expect(targetStatus(awareness, [wave(2025, 0.4)])).toMatchObject({ call: 'tooEarly', certain: false })
    expect(targetStatus(awareness, [])).toBeUndefined()
    const fewerUnaware: Target = { value: 0.2, year: 2027, direction: 'atMost' }
    expect(targetStatus(fewerUnaware, [wave(2024, 0.3, 0.003), wave(2025, 0.26, 0.003)])).toMatchObject({
      call: 'onTrack',
      certain: true,
    })
    expect(targetStatus(fewerUnaware, [wave(2024, 0.3), wave(2025, 0.18, 0.01)])).toMatchObject({
      call: 'reached',
      certain: true,
    })
  })
})
