import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { InterruptionEvent } from '../../../shared/fleet'
import { manualClock } from '../../../../test/support/manual-clock'
import { isProviderError } from '../errors'
import { createSandboxProvider } from './index'

const TRACE = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../resources/traces/aws-v100-4node-preemption-2023-08'
)
const T0 = Date.UTC(2025, 0, 1)
/** one simulated hour per real second: a 300 s trace tick is 83.3 ms */
const SPEED = 3600
const tick = (k: number): number => (k * 300 * 1000) / SPEED

// Capacity of the trace's first ticks (4 spot p3.2xlarge kept running):
//   us-east-1f: ticks 0-17 -> 0, 18-19 -> 4, 20-21 -> 1, 22 -> 4, 23.. -> 0
//   us-west-2c: ticks 0-27 -> 4, 28-36 -> 0, 37-42 -> 4
function setup() {
  const clock = manualClock(T0)
  const provider = createSandboxProvider({
    clock,
    speed: SPEED,
    market: { kind: 'trace', path: TRACE }
  })
  const events: InterruptionEvent[] = []
  provider.onInterruption((e) => events.push(e))
  const at = (ms: number): void => {
    clock.set(T0 + ms)
    provider.advance()
  }
  const notices = () => events.filter((e) => e.kind === 'interruption-notice')
  return { provider, events, notices, at }
}

const p3 = (name: string, zones?: string[]) => ({
  instanceType: 'p3.2xlarge',
  market: 'spot' as const,
  name,
  zones
})

async function capacityError(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(isProviderError(err, 'capacity')).toBe(true)
  return err as { details: { zonesTried: string[] } }
}

describe('sandbox replaying a trace', () => {
  it('uses the trace zones and preempts a running instance when capacity drops', async () => {
    const { provider, notices, events, at } = setup()
    expect(provider.zones).toEqual(['us-east-1f', 'us-east-2a', 'us-west-2c'])
    // us-east-1f has no capacity at the start: the next zone takes it
    const inst = await provider.launch(p3('a', ['us-east-1f', 'us-west-2c']))
    expect(inst.zone).toBe('us-west-2c')
    expect(inst.pricePerHour).toBe(0.918) // the trace has no prices: the type's mean spot price
    at(1000)
    expect((await provider.listInstances())[0].state).toBe('running')
    at(tick(28) - 10)
    expect(notices()).toEqual([])
    at(tick(28) + 10)
    const [notice] = notices()
    expect(notice.instanceId).toBe(inst.id)
    expect(notice.observedAt).toBeCloseTo(T0 + tick(28), 3)
    expect(notice.deadline).toBe(notice.observedAt + 2000)
    at(notice.deadline! - T0)
    expect(await provider.listInstances()).toEqual([])
    expect(events.at(-1)).toMatchObject({ kind: 'state-change', instanceId: inst.id })
    // billed at the flat $0.918/h from launch through the notice: 8400 s + 2 s x 3600 = 15600 s
    expect(provider.costOf(inst.id)).toBeCloseTo((0.918 * 15600) / 3600, 9)
  })

  it('reclaims only the excess, and refuses launches while a zone is full', async () => {
    const { provider, notices, at } = setup()
    at(tick(18) + 40)
    const ids = []
    for (let i = 0; i < 4; i++) ids.push((await provider.launch(p3(`w${i}`, ['us-east-1f']))).id)
    expect(
      (await capacityError(provider.launch(p3('x', ['us-east-1f'])))).details.zonesTried
    ).toEqual(['us-east-1f'])
    at(tick(20) + 40)
    // 4 -> 1: three notices at the same moment, one survivor
    expect(notices()).toHaveLength(3)
    expect(new Set(notices().map((n) => n.observedAt)).size).toBe(1)
    const survivor = ids.filter((id) => !notices().some((n) => n.instanceId === id))
    expect(survivor).toHaveLength(1)
    at(tick(21) + 40)
    await capacityError(provider.launch(p3('y', ['us-east-1f'])))
    at(tick(22) + 40)
    expect((await provider.launch(p3('z', ['us-east-1f']))).zone).toBe('us-east-1f')
  })

  it('tries the next zone, then raises capacity naming every zone tried', async () => {
    const { provider } = setup()
    for (let i = 0; i < 4; i++) await provider.launch(p3(`w${i}`, ['us-west-2c']))
    const err = await capacityError(provider.launch(p3('x', ['us-west-2c', 'us-east-1f'])))
    expect(err.details.zonesTried).toEqual(['us-west-2c', 'us-east-1f'])
    // no zones named: the cloud finds one with room
    expect((await provider.launch(p3('y'))).zone).toBe('us-east-2a')
    // on-demand ignores spot capacity
    const od = await provider.launch({
      instanceType: 'p3.2xlarge',
      market: 'ondemand',
      name: 'od',
      zones: ['us-east-1f']
    })
    expect(od.zone).toBe('us-east-1f')
  })

  it('wraps to the start of the trace when time runs past its end', async () => {
    const { provider, notices, at } = setup()
    // the whole trace (3664 ticks, 12.7 days) is one window; replay twice over, then tick 0.5 again
    const window = tick(3664)
    at(2 * window + tick(0.5))
    const inst = await provider.launch(p3('late', ['us-west-2c']))
    at(2 * window + tick(28) + 10)
    expect(notices().map((n) => n.instanceId)).toEqual([inst.id])
    expect(notices()[0].observedAt).toBeCloseTo(T0 + 2 * window + tick(28), 2)
  })
})
