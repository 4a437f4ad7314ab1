import { describe, expect, it } from 'vitest'
import type { InterruptionEvent, ManagedInstance } from '../../shared/fleet'
import { manualClock } from '../../../test/support/manual-clock'
import type { CloudProvider } from '../providers/types'
import { createInterruptionDeduper } from './dedupe'
import { runEc2StatusMonitor } from './ec2-status'

const notice = (instanceId: string, observedAt: number): InterruptionEvent => ({
  instanceId,
  kind: 'interruption-notice',
  action: 'terminate',
  deadline: observedAt + 120_000,
  source: 'ec2-api',
  observedAt
})

function fakeProvider(
  script: (call: number, now: number) => InterruptionEvent[] | Error,
  now: () => number
) {
  const asked: string[][] = []
  const provider: Pick<CloudProvider, 'interruptionStatus' | 'listInstances'> = {
    listInstances: async () =>
      [
        { id: 'i-1', market: 'spot', state: 'running' },
        { id: 'i-2', market: 'ondemand', state: 'running' },
        { id: 'i-3', market: 'spot', state: 'terminated' }
      ] as ManagedInstance[],
    interruptionStatus: async (ids) => {
      asked.push(ids)
      const out = script(asked.length, now())
      if (out instanceof Error) throw out
      return out
    }
  }
  return { provider, asked }
}

/** let the loop's pending promises run */
const settle = () => new Promise((r) => setImmediate(r))

describe('runEc2StatusMonitor', () => {
  it('polls every interval, emits each notice once, keeps going after errors and stops on abort', async () => {
    const clock = manualClock(1_000_000)
    const { provider, asked } = fakeProvider((call, now) => {
      if (call === 2) return new Error('RequestLimitExceeded')
      if (call >= 3) return [notice('i-1', now)] // reported again on every later poll
      return []
    }, clock.now)
    const events: InterruptionEvent[] = []
    const errors: unknown[] = []
    const ac = new AbortController()
    const done = runEc2StatusMonitor({
      provider,
      signal: ac.signal,
      intervalMs: 10_000,
      clock,
      onEvent: (e) => void events.push(e),
      onError: (e) => errors.push(e)
    })

    await settle()
    expect(asked).toEqual([['i-1']]) // default: live spot instances only
    await clock.advance(10_000) // poll 2: error
    expect(errors).toHaveLength(1)
    await clock.advance(10_000) // poll 3: the notice
    await clock.advance(10_000) // poll 4: same notice again, dropped
    expect(asked).toHaveLength(4)
    expect(events).toEqual([notice('i-1', 1_020_000)])

    ac.abort()
    await done
    await clock.advance(60_000)
    expect(asked).toHaveLength(4)
  })

  it('uses the given instance ids and a shared deduper (an event already seen elsewhere is not re-emitted)', async () => {
    const clock = manualClock(0)
    const deduper = createInterruptionDeduper({ now: clock.now })
    deduper.accept({
      instanceId: 'i-9',
      kind: 'interruption-notice',
      source: 'eventbridge',
      observedAt: 0
    })
    const { provider, asked } = fakeProvider(
      (_, now) => [notice('i-9', now), { ...notice('i-8', now), kind: 'state-change' }],
      clock.now
    )
    const events: InterruptionEvent[] = []
    const ac = new AbortController()
    const done = runEc2StatusMonitor({
      provider,
      instanceIds: () => ['i-8', 'i-9'],
      signal: ac.signal,
      clock,
      deduper,
      onEvent: (e) => void events.push(e)
    })
    await settle()
    ac.abort()
    await done
    expect(asked).toEqual([['i-8', 'i-9']])
    expect(events.map((e) => [e.instanceId, e.kind])).toEqual([['i-8', 'state-change']])
  })
})
