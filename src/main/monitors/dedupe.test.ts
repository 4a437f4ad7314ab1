import { describe, expect, it } from 'vitest'
import type { InterruptionEvent } from '../../shared/fleet'
import { createInterruptionDeduper } from './dedupe'

const ev = (
  instanceId: string,
  kind: InterruptionEvent['kind'],
  source: InterruptionEvent['source'] = 'ec2-api'
): InterruptionEvent => ({
  instanceId,
  kind,
  source,
  observedAt: 0
})

describe('createInterruptionDeduper', () => {
  it('lets the first (instanceId, kind) through and drops repeats from any source', () => {
    const d = createInterruptionDeduper({ now: () => 0 })
    expect(d.accept(ev('i-1', 'interruption-notice', 'eventbridge'))).toBe(true)
    expect(d.accept(ev('i-1', 'interruption-notice', 'ec2-api'))).toBe(false)
    expect(d.accept(ev('i-1', 'state-change'))).toBe(true)
    expect(d.accept(ev('i-2', 'interruption-notice'))).toBe(true)
    expect(d.size).toBe(3)
  })

  it('forgets entries older than the ttl, using the injected clock', () => {
    let t = 0
    const d = createInterruptionDeduper({ now: () => t, ttlMs: 1000 })
    d.accept(ev('i-1', 'rebalance-recommendation'))
    t = 999
    expect(d.accept(ev('i-1', 'rebalance-recommendation'))).toBe(false)
    t = 1000
    expect(d.accept(ev('i-1', 'rebalance-recommendation'))).toBe(true)
    expect(d.size).toBe(1)
  })

  it('defaults to remembering for a day', () => {
    let t = 0
    const d = createInterruptionDeduper({ now: () => t })
    d.accept(ev('i-1', 'interruption-notice'))
    t = 23 * 3600_000
    expect(d.accept(ev('i-1', 'interruption-notice'))).toBe(false)
    t = 24 * 3600_000
    expect(d.accept(ev('i-1', 'interruption-notice'))).toBe(true)
  })

  it('keeps at most maxEntries, evicting the oldest', () => {
    const d = createInterruptionDeduper({ now: () => 0, maxEntries: 2 })
    d.accept(ev('i-1', 'interruption-notice'))
    d.accept(ev('i-2', 'interruption-notice'))
    d.accept(ev('i-3', 'interruption-notice'))
    expect(d.size).toBe(2)
    expect(d.accept(ev('i-3', 'interruption-notice'))).toBe(false)
    expect(d.accept(ev('i-1', 'interruption-notice'))).toBe(true)
  })

  it('forget(instanceId) drops every kind of that instance only', () => {
    const d = createInterruptionDeduper({ now: () => 0 })
    d.accept(ev('i-1', 'interruption-notice'))
    d.accept(ev('i-1', 'state-change'))
    d.accept(ev('i-10', 'state-change'))
    d.forget('i-1')
    expect(d.size).toBe(1)
    expect(d.accept(ev('i-1', 'state-change'))).toBe(true)
    expect(d.accept(ev('i-10', 'state-change'))).toBe(false)
  })
})
