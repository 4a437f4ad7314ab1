import { describe, expect, it } from 'vitest'
import type { FleetEvent } from '../../shared/fleet'
import { manualClock } from '../../../test/support/manual-clock'
import { createBudget } from './budget'
import { FakeProvider } from '../../../test/support/fake-provider'
import { createStandbyPool, type StandbyConfig } from './standby'
import { settle, T0, ZONES } from '../../../test/support/failover-harness'

function setup(config: Partial<StandbyConfig> = {}, cap = 0) {
  const clock = manualClock(T0)
  const provider = new FakeProvider({ clock, zones: ZONES, bootMs: 30_000 })
  const events: FleetEvent[] = []
  const pool = createStandbyPool(
    { provider, clock, record: (e) => void events.push(e), budget: createBudget(cap) },
    {
      size: 2,
      instanceType: 'g5.xlarge',
      market: 'spot',
      zones: ZONES,
      pricePerHour: 0.45,
      pollMs: 5000,
      ...config
    }
  )
  return { clock, provider, events, pool }
}

describe('standby pool', () => {
  it('fills up to N running spares, launched concurrently through the provider', async () => {
    const s = setup({ size: 2, model: 'llama-8b' })
    await settle(s.clock, s.pool.refill())
    expect(s.pool.status()).toEqual({ size: 2, ready: 2, pending: 0 })
    expect(s.provider.launchRequests.map((r) => [r.market, r.model])).toEqual([
      ['spot', 'llama-8b'],
      ['spot', 'llama-8b']
    ])
    expect(s.pool.ready().every((i) => i.state === 'running' && i.standby)).toBe(true)
    expect(s.clock.now() - T0).toBeLessThan(60_000) // both booted side by side, not one after the other
    // already full: nothing more
    await settle(s.clock, s.pool.refill())
    expect(s.provider.launchRequests).toHaveLength(2)
  })

  it('take() prefers the wanted model, respects memory, and refills', async () => {
    const s = setup({ size: 2 })
    await settle(s.clock, s.pool.refill())
    const [first, second] = s.pool.ready()
    expect(s.pool.take('qwen', 80)).toBeUndefined() // no spare has 80 GiB
    const spares = s.pool.ready()
    expect(spares).toHaveLength(2)
    const taken = s.pool.take('llama-8b', 20)
    expect(taken?.id).toBe(first.id)
    expect(taken?.standby).toBe(false)
    expect(s.pool.owns(first.id)).toBe(false)
    expect(s.pool.owns(second.id)).toBe(true)
    await settle(s.clock, s.pool.refill())
    expect(s.pool.status().ready).toBe(2)
    expect(s.provider.launchRequests).toHaveLength(3)
    const actions = s.events.filter((e) => e.kind === 'standby').map((e) => e.data?.action)
    expect(actions).toEqual(['ready', 'ready', 'promoted', 'ready'])
  })

  it('take() hands out a spare launched for another model when none has the wanted one', async () => {
    const s = setup({ size: 1, model: 'llama-8b' })
    await settle(s.clock, s.pool.refill())
    expect(s.pool.take('qwen-7b', 10)?.model).toBe('llama-8b')
    expect(s.pool.take('qwen-7b', 10)).toBeUndefined() // empty until the refill lands
  })

  it('stops at the budget cap with a budget-blocked event and the reason', async () => {
    const s = setup({ size: 2 }, 1.0)
    s.provider.add({ id: 'i-busy', pricePerHour: 0.3 })
    await settle(s.clock, s.pool.refill())
    // 0.30 + 0.45 fits under $1.00/h; a second 0.45 does not
    expect(s.pool.status()).toMatchObject({ ready: 1, pending: 0 })
    expect(s.pool.status().lastError).toBe(
      'launch of g5.xlarge ($0.45/h) blocked: fleet spend $0.75/h + $0.45/h exceeds the budget cap $1.00/h'
    )
    const blocked = s.events.filter((e) => e.kind === 'budget-blocked')
    expect(blocked).toHaveLength(1)
    expect(blocked[0].data).toMatchObject({ purpose: 'standby', capPerHour: 1 })
  })

  it('records a launch that fails for capacity and leaves the pool short until the next refill', async () => {
    const s = setup({ size: 1 })
    s.provider.failCapacity({ market: 'spot', times: 3 })
    await settle(s.clock, s.pool.refill())
    expect(s.pool.status().ready).toBe(0)
    expect(s.pool.status().lastError).toMatch(
      /No spot capacity for g5.xlarge in us-east-1a, us-east-1b, us-east-1c/
    )
    expect(s.events.filter((e) => e.kind === 'launch-failed')).toHaveLength(1)
    await settle(s.clock, s.pool.refill())
    expect(s.pool.status()).toMatchObject({ ready: 1, pending: 0 })
    expect(s.pool.status().lastError).toBeUndefined()
  })

  it('terminates a spare that never comes up', async () => {
    const s = setup({ size: 1, readyTimeoutMs: 20_000 })
    s.provider.bootMs = Infinity
    await settle(s.clock, s.pool.refill())
    expect(s.pool.status().ready).toBe(0)
    expect(s.provider.terminated).toHaveLength(1)
    expect(s.pool.status().lastError).toMatch(/still not running after 20 s/)
    const failed = s.events.filter((e) => e.kind === 'launch-failed')
    expect(failed[0]).toMatchObject({
      instanceId: s.provider.terminated[0],
      data: { purpose: 'standby' }
    })
  })

  it('discard() drops a spare that got a notice and refills', async () => {
    const s = setup({ size: 1 })
    await settle(s.clock, s.pool.refill())
    const spare = s.pool.ready()[0]
    expect(s.pool.discard(spare.id)).toBe(true)
    expect(s.pool.discard('i-unknown')).toBe(false)
    await settle(s.clock, s.pool.refill())
    expect(s.pool.ready().map((i) => i.id)).not.toContain(spare.id)
    expect(s.pool.status().ready).toBe(1)
  })
})
