import { describe, expect, it } from 'vitest'
import type { FleetEvent } from '../../shared/fleet'
import { openHistory } from '../history'
import { createFailoverBook } from './failovers'

const T0 = Date.UTC(2026, 11, 1)

describe('the failover book', () => {
  it('records every phase as it happens and one timed failover at the end', () => {
    const history = openHistory(':memory:')
    const record = (e: FleetEvent): void => void history.recordEvent(e)
    const book = createFailoverBook(history, record, T0)
    book.open({ instanceId: 'i-a', workload: 'llama', role: 'serving', at: T0, missed: false })
    // a spare promoted before the drain started: phases are ordered by time, not by name
    book.mark('i-a', 'replacement-chosen', T0 + 10, { replacement: 'i-b' })
    book.mark('i-a', 'draining', T0 + 20)
    book.mark('i-a', 'draining', T0 + 25) // once only
    book.mark('i-a', 'drained', T0 + 500)
    book.mark('i-a', 'replacement-ready', T0 + 30)
    book.mark('i-a', 'routed', T0 + 30)
    expect(book.unanswered('llama')).toEqual([])
    book.end('i-a', 'ok', T0 + 600)
    const [stored] = history.failoversBetween(0, T0 + 1000)
    expect(stored.phases.map((p) => [p.name, p.durationMs])).toEqual([
      ['noticed', 0],
      ['replacement-chosen', 10],
      ['draining', 10],
      ['replacement-ready', 10],
      ['routed', 0],
      ['drained', 470]
    ])
    expect(book.recoveries('llama')).toBe(1)
    const phases = history
      .eventsBetween(0, T0 + 1000, { kinds: ['failover-phase'] })
      .map((e) => e.data?.phase)
    expect(phases).toHaveLength(6)
  })

  it('carries open failovers over a restart, and forgets ended ones', () => {
    const history = openHistory(':memory:')
    const record = (e: FleetEvent): void => void history.recordEvent(e)
    const first = createFailoverBook(history, record, T0)
    first.open({ instanceId: 'i-a', workload: 'llama', role: 'serving', at: T0, missed: false })
    first.open({ instanceId: 'i-b', workload: 'llama', role: 'serving', at: T0 + 1, missed: true })
    first.mark('i-b', 'replacement-chosen', T0 + 2, { replacement: 'i-c' })
    first.open({ instanceId: 'i-d', workload: 'llama', role: 'standby', at: T0 + 3, missed: false })
    first.end('i-d', 'ok', T0 + 4)

    const second = createFailoverBook(history, record, T0 + 10)
    expect(
      second
        .all()
        .map((f) => f.instanceId)
        .sort()
    ).toEqual(['i-a', 'i-b'])
    expect(second.get('i-b')).toMatchObject({ missed: true, replacement: 'i-c' })
    expect(second.unanswered('llama')).toEqual(['i-a'])
    expect(second.recoveries('llama')).toBe(1)
    // opening again after the restart does not record a second 'noticed'
    second.open({
      instanceId: 'i-a',
      workload: 'llama',
      role: 'serving',
      at: T0 + 11,
      missed: false
    })
    const noticed = history
      .eventsBetween(0, T0 + 100, { kinds: ['failover-phase'], instanceId: 'i-a' })
      .filter((e) => e.data?.phase === 'noticed')
    expect(noticed).toHaveLength(1)
  })
})
