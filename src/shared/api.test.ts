import { describe, expect, it } from 'vitest'
import { MAX_EXPORT_TICKS, MAX_WINDOW_ROWS, validateApiInput } from './api'

const NOW = Date.UTC(2026, 0, 1)

describe('window inputs are bounded at the schema', () => {
  it('refuses an export window of more than MAX_EXPORT_TICKS ticks, naming the numbers', () => {
    const all = validateApiInput('exportTrace', { from: 0, to: NOW })
    expect(all).toEqual({
      ok: false,
      message: `the window is ${Math.ceil(NOW / 300_000)} ticks of 300 s; an export has at most ${MAX_EXPORT_TICKS} (pick a shorter window or a larger gapSeconds)`
    })
    expect(validateApiInput('exportTrace', { from: -1e308, to: NOW }).ok).toBe(false)
    expect(validateApiInput('exportTrace', { from: NOW - 1e308, to: NOW }).ok).toBe(false)
    // 300 days of 300 s ticks fit, all of history since 1970 fits at a day a tick; the cap itself too
    const days300 = 300 * 86_400_000
    expect(
      validateApiInput('exportTrace', { from: NOW - days300, to: NOW, gapSeconds: 300 }).ok
    ).toBe(true)
    expect(validateApiInput('exportTrace', { from: 0, to: NOW, gapSeconds: 86_400 }).ok).toBe(true)
    const cap = MAX_EXPORT_TICKS * 300_000
    expect(validateApiInput('exportTrace', { from: NOW - cap, to: NOW }).ok).toBe(true)
    expect(validateApiInput('exportTrace', { from: NOW - cap - 1, to: NOW }).ok).toBe(false)
  })

  it('refuses times that are no date: negative, past 8.64e15, not finite', () => {
    for (const t of [-1, -1e308, 8.64e15 + 1, 1e308, Infinity, NaN]) {
      expect(validateApiInput('fleetAt', { at: t }).ok, String(t)).toBe(false)
      expect(validateApiInput('events', { from: t, to: NOW }).ok, String(t)).toBe(false)
    }
    expect(validateApiInput('fleetAt', { at: 0 }).ok).toBe(true)
  })

  it('caps the rows of events and spot prices', () => {
    for (const method of ['events', 'spotPrices'] as const) {
      expect(validateApiInput(method, { from: 0, to: NOW, limit: MAX_WINDOW_ROWS }).ok).toBe(true)
      expect(validateApiInput(method, { from: 0, to: NOW, limit: MAX_WINDOW_ROWS + 1 })).toEqual({
        ok: false,
        message: `limit: limit must be <= ${MAX_WINDOW_ROWS}`
      })
    }
    expect(validateApiInput('spotPrices', { from: 0, to: 1, zone: 'z'.repeat(65) }).ok).toBe(false)
  })

  it('bounds the names and numbers of launches and settings', () => {
    expect(
      validateApiInput('launchInstance', { instanceType: 'x'.repeat(65), market: 'spot' }).ok
    ).toBe(false)
    expect(validateApiInput('simulationStatus', { jobId: 'j'.repeat(65) }).ok).toBe(false)
  })
})
