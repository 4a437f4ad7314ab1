import { describe, expect, it } from 'vitest'
import type { InterruptionEvent, ManagedInstance } from '../../../shared/fleet'
import { manualClock } from '../../../../test/support/manual-clock'
import { spanCost } from '../../billing'
import { isProviderError, type ProviderErrorCode } from '../errors'
import { INSTANCE_ID_PATTERN, createSandboxProvider, type SandboxOptions } from './index'

const T0 = Date.UTC(2025, 0, 1)

function setup(extra: Partial<SandboxOptions> = {}) {
  const clock = manualClock(T0)
  const provider = createSandboxProvider({ clock, ...extra })
  const events: InterruptionEvent[] = []
  provider.onInterruption((e) => events.push(e))
  /** moves the clock to T0 + ms and lets the cloud catch up */
  const at = (ms: number): void => {
    clock.set(T0 + ms)
    provider.advance()
  }
  return { clock, provider, events, at }
}

async function rejectsWith(p: Promise<unknown> | (() => unknown), code: ProviderErrorCode) {
  const err = await (typeof p === 'function' ? Promise.resolve().then(p) : p).then(
    () => undefined,
    (e: unknown) => e
  )
  expect(isProviderError(err, code), `expected ProviderError '${code}', got ${String(err)}`).toBe(
    true
  )
  return err as { message: string; details: Record<string, unknown> }
}

const spot = (name: string, zones?: string[]) => ({
  instanceType: 'g5.xlarge',
  market: 'spot' as const,
  name,
  zones
})

describe('launch and boot', () => {
  it('launches pending with a realistic id and tags, then runs after the scaled boot time', async () => {
    const { provider, at } = setup()
    const inst = await provider.launch({
      instanceType: 'g6e.xlarge',
      market: 'ondemand',
      name: 'web-1',
      model: 'llama-3-8b'
    })
    expect(inst).toMatchObject({
      name: 'web-1',
      provider: 'sandbox',
      region: 'sandbox-1',
      instanceType: 'g6e.xlarge',
      market: 'ondemand',
      state: 'pending',
      gpus: 1,
      gpuMemoryGiB: 48,
      pricePerHour: 1.861,
      onDemandPricePerHour: 1.861,
      launchedAt: T0,
      model: 'llama-3-8b',
      tags: { Name: 'web-1', 'synkti:fleet': 'synkti', 'synkti:model': 'llama-3-8b' }
    })
    expect(inst.id).toMatch(INSTANCE_ID_PATTERN)
    expect(provider.zones).toEqual(['sandbox-1a', 'sandbox-1b', 'sandbox-1c'])
    expect(provider.zones).toContain(inst.zone)
    // 90 simulated seconds at 360x = 250 ms
    at(249)
    expect((await provider.listInstances())[0].state).toBe('pending')
    at(250)
    expect((await provider.listInstances())[0].state).toBe('running')
  })

  it('rejects unknown types and zones, and answers a dry run without launching', async () => {
    const { provider } = setup()
    await rejectsWith(
      provider.launch({ instanceType: 'x9.huge', market: 'spot', name: 'a' }),
      'invalid-parameter'
    )
    await rejectsWith(provider.launch(spot('a', ['us-east-1a'])), 'invalid-parameter')
    await rejectsWith(provider.launch({ ...spot('a'), dryRun: true }), 'dry-run-ok')
    expect(await provider.listInstances()).toEqual([])
  })

  it('starts and stops its own loop on the injected clock', async () => {
    const { clock, provider } = setup()
    const seen: ManagedInstance[][] = []
    provider.onChange((list) => seen.push(list))
    provider.start()
    await provider.launch(spot('a'))
    await clock.advance(300)
    expect(seen.at(-1)?.[0].state).toBe('running')
    provider.stop()
    await provider.launch(spot('b'))
    const count = seen.length
    await clock.advance(2000)
    // no loop any more: nothing changes until someone calls advance()
    expect(seen.length).toBe(count)
    provider.advance()
    expect(seen.at(-1)?.map((i) => i.state)).toEqual(['running', 'running'])
  })
})

describe('synthetic reclaims', () => {
  it('sends a notice with the scaled grace (floored), then terminates at the deadline', async () => {
    // about one reclaim per simulated second once running
    const { provider, events, at } = setup({ preemptionRatePerHour: 3600, outageMeanSeconds: 1e9 })
    const inst = await provider.launch(spot('a', ['sandbox-1a']))
    at(1000)
    const notice = events.find((e) => e.kind === 'interruption-notice')!
    expect(notice).toMatchObject({ instanceId: inst.id, action: 'terminate', source: 'sandbox' })
    expect(notice.observedAt).toBeGreaterThanOrEqual(T0 + 250)
    // 120 simulated s at 360x is 333 ms, below the 2 s floor
    expect(provider.noticeMs).toBe(2000)
    expect(notice.deadline).toBe(notice.observedAt + 2000)
    const [live] = await provider.listInstances()
    expect(live.noticeDeadline).toBe(notice.deadline)
    expect(await provider.interruptionStatus([inst.id, 'i-0000000000000000f'])).toEqual([notice])

    at(notice.deadline! - T0 - 1)
    expect(await provider.listInstances()).toHaveLength(1)
    at(notice.deadline! - T0)
    expect(await provider.listInstances()).toEqual([])
    const gone = events.find((e) => e.kind === 'state-change')!
    expect(gone).toMatchObject({
      instanceId: inst.id,
      action: 'terminate',
      observedAt: notice.deadline
    })
    expect(await provider.interruptionStatus([inst.id])).toEqual([gone])

    // billed through the notice: the row ends at the reclaim
    const [row] = provider.billing()
    expect(row).toMatchObject({ instanceId: inst.id, from: T0, to: notice.deadline })
    expect(row.cost).toBeGreaterThan(0)
    expect(row.cost).toBeLessThan(row.ondemandCost)
    expect(provider.costOf(inst.id)).toBe(row.cost)
  })

  it('uses the simulated grace when it is longer than the floor', async () => {
    const slow = setup({ speed: 36, preemptionRatePerHour: 3600 })
    expect(slow.provider.noticeMs).toBeCloseTo(3333.333, 3)
    const fast = setup({ preemptionRatePerHour: 3600, minRealGraceMs: 0 })
    await fast.provider.launch(spot('a'))
    fast.at(1000)
    const n = fast.events.find((e) => e.kind === 'interruption-notice')!
    expect(n.deadline! - n.observedAt).toBeCloseTo(1000 / 3, 2) // ms near 1.7e12 carry ~1e-4 of rounding
  })

  it('closes a reclaimed zone for a while: the next zone is tried, then capacity names them all', async () => {
    const { provider, events, at } = setup({ preemptionRatePerHour: 3600, outageMeanSeconds: 1e9 })
    await provider.launch(spot('a', ['sandbox-1a']))
    at(1000)
    expect(events.some((e) => e.kind === 'interruption-notice')).toBe(true)
    const moved = await provider.launch(spot('b', ['sandbox-1a', 'sandbox-1b']))
    expect(moved.zone).toBe('sandbox-1b')
    at(2000)
    const err = await rejectsWith(
      provider.launch(spot('c', ['sandbox-1a', 'sandbox-1b'])),
      'capacity'
    )
    expect(err.details.zonesTried).toEqual(['sandbox-1a', 'sandbox-1b'])
    expect(err.message).toContain('sandbox-1a')
    expect(err.message).toContain('sandbox-1b')
    // on-demand is never short
    expect(
      (
        await provider.launch({
          instanceType: 'g5.xlarge',
          market: 'ondemand',
          name: 'd',
          zones: ['sandbox-1a']
        })
      ).zone
    ).toBe('sandbox-1a')
  })

  it('precedes some notices with a rebalance recommendation', async () => {
    const { provider, events, at } = setup({
      preemptionRatePerHour: 0.5,
      outageMeanSeconds: 0,
      seed: 2
    })
    for (let i = 0; i < 8; i++) await provider.launch(spot(`w${i}`))
    at(120_000)
    const rebalances = events.filter((e) => e.kind === 'rebalance-recommendation')
    expect(rebalances.length).toBeGreaterThan(0)
    for (const r of rebalances) {
      const notice = events.find(
        (e) => e.kind === 'interruption-notice' && e.instanceId === r.instanceId
      )
      // 600 simulated seconds = 1667 ms ahead
      expect(notice!.observedAt - r.observedAt).toBeCloseTo(600_000 / 360, 2)
    }
    // events arrive in time order
    const times = events.map((e) => e.observedAt)
    expect(times).toEqual([...times].sort((a, b) => a - b))
  })
})

describe('billing', () => {
  it('bills an on-demand life per second at the list price, at least one minute', async () => {
    const { provider, at } = setup()
    const a = await provider.launch({ instanceType: 'g5.xlarge', market: 'ondemand', name: 'a' })
    const b = await provider.launch({ instanceType: 'g5.xlarge', market: 'ondemand', name: 'b' })
    at(100) // 36 simulated seconds
    await provider.terminate(b.id)
    at(5000) // 1800 simulated seconds
    expect(provider.costOf(a.id)).toBeCloseTo(1.006 / 2, 12)
    at(10_000) // one simulated hour
    await provider.terminate(a.id)
    at(20_000)
    const rows = provider.billing()
    expect(rows[0]).toEqual({
      instanceId: a.id,
      cost: 1.006,
      ondemandCost: 1.006,
      from: T0,
      to: T0 + 10_000
    })
    // the minimum: 60 s, not 36 s
    expect(rows[1].cost).toBeCloseTo((1.006 * 60) / 3600, 12)
    await rejectsWith(() => provider.costOf('i-00000000000000000'), 'not-found')
  })
  it('states the price path it bills at: its steps priced like the ledger give the same bill', async () => {
    const { provider, at } = setup({ seed: 3 })
    const s = await provider.launch(spot('s', ['sandbox-1b']))
    const od = await provider.launch({ instanceType: 'g5.xlarge', market: 'ondemand', name: 'od' })
    at(40_000) // 4 simulated hours: 48 price ticks
    await provider.terminate(s.id)
    const steps = provider.pricesInForce(s.id, T0, T0 + 40_000)!
    expect(steps[0].at).toBe(T0)
    expect(steps.length).toBeGreaterThan(10)
    // 40 000 wall ms at 360 billed ms per wall ms, at the price in force
    const billed = spanCost(steps, T0, T0 + 40_000) * 360
    expect(billed / 1000).toBeCloseTo(provider.costOf(s.id), 9)
    expect(provider.pricesInForce(od.id, T0, T0 + 1000)).toEqual([{ at: T0, pricePerHour: 1.006 }])
    expect(provider.endedAt(s.id)).toBe(T0 + 40_000)
    expect(provider.endedAt(od.id)).toBeUndefined()
    expect(provider.pricesInForce('i-00000000000000000', T0, T0 + 1)).toBeUndefined()
  })
})

describe('ownership and tags', () => {
  it("refuses another fleet's instance and unknown ids", async () => {
    const { provider } = setup()
    const foreign = provider.adopt({
      instanceType: 'g5.xlarge',
      market: 'ondemand',
      state: 'running',
      tags: { 'synkti:fleet': 'other', Name: 'theirs' }
    })
    expect(foreign.name).toBe('theirs')
    expect(await provider.listInstances()).toEqual([])
    await rejectsWith(provider.terminate(foreign.id), 'not-owned')
    await rejectsWith(provider.tagInstance(foreign.id, { team: 'x' }), 'not-owned')
    await rejectsWith(provider.terminate('i-00000000000000000'), 'not-found')
    expect(await provider.interruptionStatus([foreign.id])).toEqual([])
  })

  it('merges tags, keeps the fleet tag fixed, and terminating twice is harmless', async () => {
    const { provider } = setup()
    const inst = await provider.launch(spot('a'))
    await provider.tagInstance(inst.id, { Name: 'renamed', 'synkti:model': 'qwen', team: 'ml' })
    const [view] = await provider.listInstances()
    expect(view).toMatchObject({
      name: 'renamed',
      model: 'qwen',
      tags: { 'synkti:fleet': 'synkti', Name: 'renamed', team: 'ml' }
    })
    await rejectsWith(
      provider.tagInstance(inst.id, { 'synkti:fleet': 'mine' }),
      'invalid-parameter'
    )
    await provider.terminate(inst.id)
    await provider.terminate(inst.id)
    expect(await provider.listInstances()).toEqual([])
  })
})

describe('prices and instance types', () => {
  it('returns price steps mapped to real time, agreeing with the price in force', async () => {
    const { provider, clock } = setup()
    const points = await provider.spotPriceHistory({
      instanceTypes: ['g5.xlarge', 'nope'],
      zones: ['sandbox-1b'],
      from: T0,
      to: T0 + 60_000
    })
    expect(points.length).toBeGreaterThan(1)
    expect(points[0].at).toBe(T0)
    for (const p of points) {
      expect(p).toMatchObject({
        region: 'sandbox-1',
        zone: 'sandbox-1b',
        instanceType: 'g5.xlarge'
      })
      expect(p.at).toBeLessThan(T0 + 60_000)
      clock.set(p.at + 1)
      expect(provider.spotPriceNow('g5.xlarge', 'sandbox-1b')).toBe(p.price)
    }
    // a point-in-time query gives the price in force, one per zone
    const now = await provider.spotPriceHistory({
      instanceTypes: ['g5.xlarge'],
      from: T0 + 30_000,
      to: T0 + 30_000
    })
    expect(now.map((p) => p.zone)).toEqual(['sandbox-1a', 'sandbox-1b', 'sandbox-1c'])
  })

  it('describes catalog types and refuses unknown ones', async () => {
    const { provider } = setup()
    const [p38] = await provider.describeInstanceTypes(['p3.8xlarge'])
    expect(p38).toEqual({
      instanceType: 'p3.8xlarge',
      gpus: 4,
      gpuModel: 'NVIDIA V100',
      gpuMemoryGiB: 16,
      totalGpuMemoryGiB: 64,
      vcpus: 32,
      memoryGiB: 244,
      network: '10 Gigabit'
    })
    await rejectsWith(provider.describeInstanceTypes(['g5.xlarge', 'z1.tiny']), 'invalid-parameter')
  })
})

describe('determinism and long runs', () => {
  async function script(seed: number) {
    const { provider, events, at } = setup({ seed, preemptionRatePerHour: 1 })
    for (let i = 0; i < 3; i++) await provider.launch(spot(`s${i}`))
    await provider.launch({ instanceType: 'p3.2xlarge', market: 'ondemand', name: 'od' })
    for (let t = 500; t <= 40_000; t += 1500) at(t)
    return { list: await provider.listInstances(), events, billing: provider.billing() }
  }

  it('repeats ids, prices, reclaims and bills for the same seed', async () => {
    const a = await script(7)
    const b = await script(7)
    expect(b).toEqual(a)
    expect(a.events.length).toBeGreaterThan(0)
    const c = await script(8)
    expect(c.billing.map((r) => r.instanceId)).not.toEqual(a.billing.map((r) => r.instanceId))
  })

  it('keeps going past the market horizon', async () => {
    // one simulated hour per window: 10 real seconds
    const { provider, at } = setup({ horizonSeconds: 3600, preemptionRatePerHour: 0 })
    const s = await provider.launch(spot('s', ['sandbox-1a']))
    at(100_000) // ten windows later
    const [live] = await provider.listInstances()
    expect(live.state).toBe('running')
    expect(live.pricePerHour).toBe(provider.spotPriceNow('g5.xlarge', 'sandbox-1a'))
    // the bill integrates the price steps across every window
    const steps = await provider.spotPriceHistory({
      instanceTypes: ['g5.xlarge'],
      zones: ['sandbox-1a'],
      from: T0,
      to: T0 + 100_000
    })
    expect(new Set(steps.map((p) => p.price)).size).toBeGreaterThan(10)
    const expected = steps.reduce(
      (sum, p, i) => sum + (p.price * ((steps[i + 1]?.at ?? T0 + 100_000) - p.at) * 0.36) / 3600,
      0
    )
    // the history's times are whole ms, hence the tolerance
    expect(provider.costOf(s.id)).toBeCloseTo(expected, 4)
    expect((await provider.launch(spot('t'))).state).toBe('pending')
  })

  it('survives a default market jumped 40 simulated days ahead', async () => {
    const { provider, at } = setup()
    await provider.launch(spot('s'))
    at((40 * 86400 * 1000) / 360)
    expect(provider.billing()[0].cost).toBeGreaterThan(0)
    expect((await provider.launch(spot('t'))).state).toBe('pending')
  })
})
