import { describe, expect, it } from 'vitest'
import { createHarness, settle, type HarnessOptions } from '../../../test/support/failover-harness'

describe('failover coordinator', () => {
  it('promotes a standby, records every phase in order with its duration, and refills the pool', async () => {
    const h = createHarness({ standby: { size: 1 } })
    await settle(h.clock, h.pool.refill())
    const spare = h.pool.ready()[0]
    h.serving('i-a', 'llama-8b')

    const rec = await settle(h.clock, h.coordinator.handleNotice(h.notice('i-a')))

    expect(rec.outcome).toBe('ok')
    expect(rec.target).toMatchObject({ instanceId: spare.id, via: 'standby' })
    expect(rec.selection).toEqual({ by: 'standby', batchSize: 1 })
    expect(rec.phases.map((p) => p.phase)).toEqual([
      'drain',
      'select',
      'spawn',
      'start-serving',
      'health-check',
      'route'
    ])
    for (const p of rec.phases) {
      expect(p.outcome).toBe('ok')
      expect(p.durationMs).toBe(p.endedAt - p.startedAt)
    }
    const byPhase = Object.fromEntries(rec.phases.map((p) => [p.phase, p]))
    expect(byPhase['select'].durationMs).toBe(250) // the batching window
    expect(byPhase['start-serving'].durationMs).toBe(10_000)
    expect(byPhase['health-check'].durationMs).toBe(1000) // 200 on the second try
    expect(byPhase['drain'].durationMs).toBe(3000)
    // the sequential phases follow each other without gaps
    const seq = rec.phases.slice(1)
    for (let k = 1; k < seq.length; k++) expect(seq[k].startedAt).toBe(seq[k - 1].endedAt)
    expect(rec.durationMs).toBe(rec.endedAt - rec.startedAt)

    expect(h.served).toEqual([[spare.id, 'llama-8b']])
    expect(h.routes).toEqual([['i-a', spare.id]])
    expect(h.kinds('failover-phase').map((e) => e.data?.phase)).toHaveLength(6)
    const end = h.kinds('failover-end')
    expect(end).toHaveLength(1)
    expect(end[0].data).toMatchObject({ outcome: 'ok', instanceId: 'i-a' })
    expect(h.kinds('drain-start', 'drain-end').map((e) => e.kind)).toEqual([
      'drain-start',
      'drain-end'
    ])

    // the refill started by take() brings a new spare up
    await settle(h.clock, h.pool.refill())
    expect(h.pool.status()).toMatchObject({ ready: 1, pending: 0 })
    expect(h.pool.ready()[0].id).not.toBe(spare.id)
    expect(h.kinds('standby').map((e) => e.data?.action)).toEqual(['ready', 'promoted', 'ready'])
  })

  it('with no standby and no free slot, launches a spot replacement in another zone', async () => {
    const h = createHarness()
    h.serving('i-a', 'llama-8b', { zone: 'us-east-1a' })

    const rec = await settle(h.clock, h.coordinator.handleNotice(h.notice('i-a')))

    expect(rec.outcome).toBe('ok')
    expect(h.provider.launchRequests).toHaveLength(1)
    expect(h.provider.launchRequests[0]).toMatchObject({
      market: 'spot',
      zones: ['us-east-1b', 'us-east-1c'],
      model: 'llama-8b'
    })
    expect(rec.target).toMatchObject({ via: 'spot', zone: 'us-east-1b', instanceType: 'g5.xlarge' })
    const spawn = rec.phases.find((p) => p.phase === 'spawn')
    expect(spawn?.durationMs).toBeGreaterThanOrEqual(60_000) // boot time of the fake
    expect(h.kinds('launch', 'running').map((e) => e.kind)).toEqual(['launch', 'running'])
  })

  it('falls back to on-demand when spot capacity is exhausted everywhere', async () => {
    const h = createHarness()
    h.serving('i-a', 'llama-8b', { zone: 'us-east-1a' })
    h.provider.failCapacity({ market: 'spot' })

    const rec = await settle(h.clock, h.coordinator.handleNotice(h.notice('i-a')))

    expect(rec.outcome).toBe('ok')
    expect(rec.target).toMatchObject({ via: 'ondemand', zone: 'us-east-1b' })
    expect(h.provider.launchRequests.map((r) => [r.market, r.zones])).toEqual([
      ['spot', ['us-east-1b', 'us-east-1c']],
      ['ondemand', ['us-east-1b', 'us-east-1c', 'us-east-1a']]
    ])
    const failedLaunch = h.kinds('launch-failed')
    expect(failedLaunch).toHaveLength(1)
    expect(failedLaunch[0].data).toMatchObject({ code: 'capacity', market: 'spot' })
    expect(String(failedLaunch[0].data?.reason)).toContain(
      'No spot capacity for g5.xlarge in us-east-1b, us-east-1c'
    )
  })

  it('blocks a launch over the budget cap with the reason, recorded as budget-blocked', async () => {
    const h = createHarness({ budgetCap: 5 })
    h.serving('i-a', 'llama-8b')
    // $4.20/h of busy instances (no free slot), so spot ($0.45) fits and on-demand ($1.01) does not
    for (const id of ['i-big1', 'i-big2']) {
      h.serving(id, 'qwen-72b', { instanceType: 'g5.12xlarge' })
      h.facts[id] = { freeSlots: 0 }
    }
    h.provider.failCapacity({ market: 'spot' })

    const rec = await settle(h.clock, h.coordinator.handleNotice(h.notice('i-a')))

    const reason =
      'launch of g5.xlarge ($1.01/h) blocked: fleet spend $4.20/h + $1.01/h exceeds the budget cap $5.00/h'
    expect(rec.outcome).toBe('failed')
    expect(rec.reason).toBe(
      `spawn: spot capacity exhausted, and the on-demand fallback failed: ${reason}`
    )
    const blocked = h.kinds('budget-blocked')
    expect(blocked).toHaveLength(1)
    expect(blocked[0].data).toMatchObject({
      reason,
      instanceType: 'g5.xlarge',
      market: 'ondemand',
      capPerHour: 5
    })
    expect(h.provider.launchRequests.map((r) => r.market)).toEqual(['spot']) // on-demand never reached the cloud
    expect(h.routes).toEqual([])
    expect(h.kinds('failover-end')[0].data).toMatchObject({ outcome: 'failed', reason: rec.reason })
  })

  it('places notices that arrive together with the optimal assignment, without double launches', async () => {
    // earliest-node alone would put a on the old instance (cold) and b on the new one (cold);
    // jointly each goes where its model is already loaded
    const h = createHarness({ strategy: 'earliest-node' })
    h.serving('i-a', 'model-a')
    h.serving('i-b', 'model-b')
    h.clock.set(h.clock.now() + 1000)
    h.serving('i-old', 'model-b', { launchedAt: 0, instanceType: 'g5.12xlarge' })
    h.serving('i-new', 'model-a', { launchedAt: 500, instanceType: 'g5.12xlarge' })
    h.facts['i-old'] = { freeSlots: 1, modelsLoaded: ['model-b'] }
    h.facts['i-new'] = { freeSlots: 1, modelsLoaded: ['model-a'] }

    const both = Promise.all([
      h.coordinator.handleNotice(h.notice('i-a')),
      h.coordinator.handleNotice(h.notice('i-b')),
      h.coordinator.handleNotice(h.notice('i-a')) // duplicate within the batch
    ])
    const [a, b, again] = await settle(h.clock, both)

    expect(again).toBe(a)
    expect([a.outcome, b.outcome]).toEqual(['ok', 'ok'])
    expect(a.selection).toEqual({ by: 'optimal', batchSize: 2 })
    expect(a.target).toMatchObject({ instanceId: 'i-new', via: 'existing' })
    expect(b.target).toMatchObject({ instanceId: 'i-old', via: 'existing' })
    expect(h.provider.launchRequests).toHaveLength(0)
    expect(a.phases.find((p) => p.phase === 'spawn')?.outcome).toBe('skipped')
    expect(h.kinds('failover-end')).toHaveLength(2)
  })

  it('launches exactly one replacement per instance when a batch has nowhere to go', async () => {
    const h = createHarness()
    h.serving('i-a', 'model-a')
    h.serving('i-b', 'model-b')
    const recs = await settle(
      h.clock,
      Promise.all(
        ['i-a', 'i-b', 'i-b', 'i-a'].map((id) => h.coordinator.handleNotice(h.notice(id)))
      )
    )
    expect(recs.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'ok'])
    expect(h.provider.launchRequests).toHaveLength(2)
    expect(new Set(recs.map((r) => r.target?.instanceId)).size).toBe(2)
    // handled side by side: both done within one boot (60 s) plus set-up, well inside the notice
    for (const r of recs) expect(r.endedAt - r.startedAt).toBeLessThan(100_000)
  })

  it('ignores a duplicate notice in flight and after, and a later state change of the same instance', async () => {
    const h = createHarness()
    h.serving('i-a', 'llama-8b')
    const first = h.coordinator.handleNotice(h.notice('i-a'))
    const dup = h.coordinator.handleNotice(h.notice('i-a', { source: 'ec2-api' }))
    expect(dup).toBe(first)
    const rec = await settle(h.clock, first)
    const after = await h.coordinator.handleNotice(h.notice('i-a'))
    const gone = await h.coordinator.handleNotice(
      h.notice('i-a', { kind: 'state-change', detail: 'instance-terminated-no-capacity' })
    )
    expect(after).toBe(rec)
    expect(gone).toBe(rec)
    expect(h.provider.launchRequests).toHaveLength(1)
    expect(h.kinds('failover-end')).toHaveLength(1)
  })

  it('records a failed drain and still completes the failover (the instance goes away regardless)', async () => {
    const cases: NonNullable<HarnessOptions['drain']>[] = [
      async () => {
        throw new Error('agent unreachable')
      },
      async () => ({
        outcome: 'timed-out',
        startedAt: 0,
        endedAt: 0,
        deregisterMs: 1,
        lastRunning: 3,
        lastWaiting: 1,
        reason: 'still 3 running and 1 waiting at the deadline'
      })
    ]
    for (const drain of cases) {
      const h = createHarness({ drain, standby: { size: 1 } })
      await settle(h.clock, h.pool.refill())
      h.serving('i-a', 'llama-8b')
      const rec = await settle(h.clock, h.coordinator.handleNotice(h.notice('i-a')))
      expect(rec.outcome).toBe('ok')
      const phase = rec.phases.find((p) => p.phase === 'drain')
      expect(phase?.outcome).toBe('failed')
      expect(phase?.reason).toMatch(/agent unreachable|still 3 running/)
      expect(rec.drain?.outcome).not.toBe('drained')
      expect(h.kinds('drain-end')[0].data?.outcome).toBe(rec.drain?.outcome)
      expect(h.routes).toEqual([['i-a', rec.target?.instanceId]])
    }
  })

  it("ends 'failed' with the reason when the health check never passes, and does not route", async () => {
    const h = createHarness({ healthyFromAttempt: Infinity, standby: { size: 1 } })
    await settle(h.clock, h.pool.refill())
    const spare = h.pool.ready()[0]
    h.serving('i-a', 'llama-8b')

    const rec = await settle(h.clock, h.coordinator.handleNotice(h.notice('i-a')))

    expect(rec.outcome).toBe('failed')
    expect(rec.reason).toBe(
      `health-check of ${spare.id}: /health did not answer 200 in 5 tries over 4 s`
    )
    expect(h.healthCalls.get(spare.id)).toBe(5)
    expect(rec.phases.map((p) => [p.phase, p.outcome])).toEqual([
      ['drain', 'ok'],
      ['select', 'ok'],
      ['spawn', 'ok'],
      ['start-serving', 'ok'],
      ['health-check', 'failed']
    ])
    expect(h.routes).toEqual([])
    expect(h.kinds('failover-end')[0].data).toMatchObject({ outcome: 'failed', reason: rec.reason })
  })

  it.each([
    // 10 Gbit/s = 1.164 GiB/s; 100 GiB of state
    { gbps: 10, noticeS: 120, decision: 'full' }, // 139.7 GiB fit
    { gbps: 10, noticeS: 40, decision: 'partial' }, // 46.6 GiB fit
    { gbps: 1, noticeS: 120, decision: 'restart' } // 14.0 GiB fit
  ])(
    'plans the checkpoint from bandwidth and time left: $gbps Gbit/s, $noticeS s -> $decision',
    async ({ gbps, noticeS, decision }) => {
      const h = createHarness()
      h.serving('i-a', 'trainer')
      h.facts['i-a'] = { stateGiB: 100, bandwidthGbps: gbps }
      const rec = await settle(
        h.clock,
        h.coordinator.handleNotice(h.notice('i-a', { deadline: h.clock.now() + noticeS * 1000 }))
      )

      expect(rec.checkpoint?.decision).toBe(decision)
      expect(h.checkpoints).toEqual([['i-a', rec.checkpoint]])
      const ev = h.kinds('checkpoint')
      expect(ev).toHaveLength(1)
      expect(ev[0].data).toMatchObject({
        decision,
        stateGiB: 100,
        bandwidthGbps: gbps,
        secondsLeft: noticeS
      })
      expect(rec.phases[0]).toMatchObject({ phase: 'checkpoint', outcome: 'ok' })
    }
  )

  it('drops a noticed standby spare from the pool and refills instead of failing over', async () => {
    const h = createHarness({ standby: { size: 1 } })
    await settle(h.clock, h.pool.refill())
    const spare = h.pool.ready()[0]
    const rec = await settle(h.clock, h.coordinator.handleNotice(h.notice(spare.id)))
    expect(rec.outcome).toBe('skipped')
    expect(rec.reason).toMatch(/standby spare/)
    await settle(h.clock, h.pool.refill())
    expect(h.pool.ready().map((i) => i.id)).not.toContain(spare.id)
    expect(h.pool.status().ready).toBe(1)
  })

  it('records a rebalance recommendation and an unknown instance instead of dropping them', async () => {
    const h = createHarness()
    h.serving('i-a', 'llama-8b')
    const reb = await settle(
      h.clock,
      h.coordinator.handleNotice(h.notice('i-a', { kind: 'rebalance-recommendation' }))
    )
    expect(reb).toMatchObject({ outcome: 'skipped' })
    const unknown = await settle(h.clock, h.coordinator.handleNotice(h.notice('i-nope')))
    expect(unknown.outcome).toBe('failed')
    expect(unknown.reason).toContain('i-nope is not in the fleet')
    expect(h.kinds('failover-end')).toHaveLength(2)
    expect(h.provider.launchRequests).toHaveLength(0)
  })
})
