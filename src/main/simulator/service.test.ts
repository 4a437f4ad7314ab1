import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type {
  ServicePlacementName,
  ServiceWorkloadConfig,
  SimulationConfig,
  SimulationTimelineEvent
} from '../../shared/simulation'
import { checkSimulationConfig } from '../../shared/simulation-schema'
import { defaultSimulationConfig } from './config'
import { runSimulation } from './pool'
import { runSimulationSync } from './run'
import { ondemandReferenceCost, simulateService } from './service'
import { simulationWorkerScript } from '../../../test/support/simulation-worker'
import {
  createTestMarket,
  HOUR,
  TEST_TYPE,
  type TestMarketOptions
} from '../../../test/support/scripted-market'

const TRACES = path.resolve(__dirname, '../../../resources/traces')
const FOUR_NODE = path.join(TRACES, 'aws-v100-4node-preemption-2023-08')
const SIXTEEN_NODE = path.join(TRACES, 'aws-v100-16node-2023-08')

function serviceConfig(
  workload: Partial<ServiceWorkloadConfig> = {},
  fields: Partial<SimulationConfig> = {}
): SimulationConfig & { workload: ServiceWorkloadConfig } {
  return {
    ...defaultSimulationConfig(),
    policies: [],
    graceSeconds: 120,
    instanceTypes: [{ ...TEST_TYPE }],
    ...fields,
    workload: {
      kind: 'service',
      replicas: 1,
      overProvision: 0,
      standby: 0,
      bootSeconds: 60,
      modelLoadSeconds: 60,
      placements: ['spothedge', 'even-spread', 'round-robin', 'ondemand'],
      ...workload
    }
  }
}

function run(
  placement: ServicePlacementName,
  market: TestMarketOptions,
  workload: Partial<ServiceWorkloadConfig> = {}
): { metrics: ReturnType<typeof simulateService>; timeline: SimulationTimelineEvent[] } {
  const timeline: SimulationTimelineEvent[] = []
  const metrics = simulateService({
    config: serviceConfig(workload),
    market: createTestMarket(market),
    placement,
    uniform: () => 0,
    timeline
  })
  return { metrics, timeline }
}

const launches = (timeline: SimulationTimelineEvent[]): Array<[number, string, string]> =>
  timeline.filter((e) => e.kind === 'launch').map((e) => [e.t, e.zone!, e.market!])

describe('service mode on a hand-built market (TEST_TYPE: $3/h on demand, $1/h spot)', () => {
  // One zone with no spot until 30 min; boot 60 s + model load 60 s; 2 h window.
  const noSpotFirst: TestMarketOptions = {
    zones: ['a'],
    horizonSeconds: 2 * HOUR,
    capacity: [
      [
        [0, 0],
        [1800, 1]
      ]
    ]
  }

  it('spothedge: on-demand fallback only while spot cannot be had, retired once the spot replica is ready', () => {
    const { metrics: m, timeline } = run('spothedge', noSpotFirst)
    // spot fails at 0, at the 10-minute retries 600 and 1200; the fallback launches at 0; spot
    // launches when the zone opens at 1800, is ready at 1920, and the fallback is retired then
    expect(launches(timeline)).toEqual([
      [0, 'a', 'ondemand'],
      [1800, 'a', 'spot']
    ])
    expect(timeline.filter((e) => e.kind === 'launch-failed').map((e) => e.t)).toEqual([
      0, 600, 1200
    ])
    expect(timeline.filter((e) => e.kind === 'release').map((e) => [e.t, e.market])).toEqual([
      [1920, 'ondemand']
    ])
    expect(m.launch_failures).toBe(3)
    expect(m.instances_launched_ondemand).toBe(1)
    expect(m.instances_launched_spot).toBe(1)
    // by hand: on demand [0, 1920) at $3/h = $1.60, spot [1800, 7200) at $1/h = $1.50
    expect(m.total_cost).toBeCloseTo(1.6 + 1.5, 9)
    expect(m.ondemand_hours).toBeCloseTo(1920 / 3600, 9)
    expect(m.spot_hours).toBeCloseTo(1.5, 9)
    // all on demand: 1 replica for 2 h at $3/h = $6
    expect(m.ondemand_baseline_cost).toBeCloseTo(6, 9)
    expect(m.cost_pct_of_ondemand).toBeCloseTo((100 * 3.1) / 6, 9)
    // down only until the fallback is ready at 120 s; the hand-over at 1920 keeps one ready
    expect(m.availability_pct).toBeCloseTo((100 * (7200 - 120)) / 7200, 9)
    // a service has no tasks: those figures are undefined
    expect(m.completed_tasks).toBeNaN()
    expect(m.savings_pct).toBeNaN()
  })

  it('the spot-only baselines wait for spot: down until it is ready, billed only for it', () => {
    for (const placement of ['even-spread', 'round-robin'] as const) {
      const { metrics: m, timeline } = run(placement, noSpotFirst)
      expect(launches(timeline)).toEqual([[1800, 'a', 'spot']])
      expect(m.launch_failures).toBe(3)
      expect(m.total_cost).toBeCloseTo(1.5, 9)
      expect(m.cost_pct_of_ondemand).toBeCloseTo(25, 9)
      expect(m.availability_pct).toBeCloseTo((100 * (7200 - 1920)) / 7200, 9)
    }
  })

  it('ondemand: every replica on demand, 100% of the all-on-demand cost, down only for the first boot', () => {
    const { metrics: m } = run('ondemand', noSpotFirst, { replicas: 2 })
    expect(m.instances_launched_ondemand).toBe(2)
    expect(m.instances_launched_spot).toBe(0)
    expect(m.total_cost).toBeCloseTo(12, 9)
    expect(m.cost_pct_of_ondemand).toBeCloseTo(100, 9)
    expect(m.availability_pct).toBeCloseTo((100 * (7200 - 120)) / 7200, 9)
  })

  // Zones a, b, c. a has no spot over [3600, 3900), b none from 4000, c none from 7200; 4 h window.
  const reclaims: TestMarketOptions = {
    zones: ['a', 'b', 'c'],
    horizonSeconds: 4 * HOUR,
    capacity: [
      [
        [3600, 0],
        [3900, 1]
      ],
      [[4000, 0]],
      [[7200, 0]]
    ]
  }

  it('spothedge moves away from a zone that reclaimed for the cool-down, and back after it', () => {
    const { metrics: m, timeline } = run('spothedge', reclaims)
    expect(launches(timeline)).toEqual([
      [0, 'a', 'spot'],
      // a reclaimed at 3600: cooling until 5400
      [3600, 'b', 'spot'],
      // b reclaimed at 4000; a has room again but is still cooling: c
      [4000, 'c', 'spot'],
      // c reclaimed at 7200; a and b have cooled down, a has room
      [7200, 'a', 'spot']
    ])
    expect(m.notices).toBe(3)
    expect(m.instances_launched_ondemand).toBe(0)
  })

  it('even-spread ignores reclaims: it goes back to the zone that just reclaimed', () => {
    const { timeline } = run('even-spread', reclaims)
    expect(launches(timeline)).toEqual([
      [0, 'a', 'spot'],
      [3600, 'b', 'spot'],
      [4000, 'a', 'spot']
    ])
  })

  it('round-robin takes the zones in turn from the one after its last launch', () => {
    const { timeline } = run('round-robin', reclaims)
    expect(launches(timeline).map(([, zone]) => zone)).toEqual(['a', 'b', 'c', 'a'])
  })

  it('availability counts a noticed replica until the market takes it, then the gap until the replacement is ready', () => {
    // the replica in a is noticed at 3600 and taken at 3720; its replacement is ready at 3720
    // (3600 + 60 s boot + 60 s load): no gap. With a longer load the gap is the difference.
    const quick = run('even-spread', { ...reclaims, capacity: [reclaims.capacity![0], [], []] })
    expect(quick.metrics.availability_pct).toBeCloseTo((100 * (4 * HOUR - 120)) / (4 * HOUR), 9)
    const slow = run(
      'even-spread',
      { ...reclaims, capacity: [reclaims.capacity![0], [], []] },
      { modelLoadSeconds: 360 }
    )
    // first ready at 420; after the notice at 3600 down from 3720 to 3600 + 420 = 4020
    expect(slow.metrics.availability_pct).toBeCloseTo(
      (100 * (4 * HOUR - 420 - 300)) / (4 * HOUR),
      9
    )
  })

  it('spothedge keeps its extra spot replicas; the baselines keep none', () => {
    const open: TestMarketOptions = { zones: ['a', 'b'], horizonSeconds: 2 * HOUR }
    const hedge = run('spothedge', open, { replicas: 2, overProvision: 1 })
    expect(launches(hedge.timeline).map(([, zone]) => zone)).toEqual(['a', 'b', 'a'])
    expect(hedge.metrics.spot_hours).toBeCloseTo(3 * 2, 9)
    const even = run('even-spread', open, { replicas: 2, overProvision: 1 })
    expect(even.metrics.instances_launched_spot).toBe(2)
  })

  it('a warm spare is promoted at the notice: no gap, and a new spare is launched', () => {
    const market: TestMarketOptions = {
      zones: ['a', 'b'],
      horizonSeconds: 2 * HOUR,
      capacity: [[[3600, 0]], []]
    }
    const withSpare = run('spothedge', market, { standby: 1 })
    // serving in a, the spare in b; a reclaims at 3600: the spare serves at once, a new spare in b
    expect(launches(withSpare.timeline)).toEqual([
      [0, 'a', 'spot'],
      [0, 'b', 'spot'],
      [3600, 'b', 'spot']
    ])
    expect(withSpare.metrics.availability_pct).toBeCloseTo((100 * (7200 - 120)) / 7200, 9)
    const without = run('spothedge', market)
    // without a spare: down from the end of the notice (3720) until the replacement is ready (3720)
    expect(without.metrics.availability_pct).toBeCloseTo((100 * (7200 - 120)) / 7200, 9)
    const slowLoad = run('spothedge', market, { modelLoadSeconds: 600 })
    const slowSpare = run('spothedge', market, { modelLoadSeconds: 600, standby: 1 })
    // with a 660 s launch-to-ready, the notice covers 120 s of it: 540 s down without a spare
    expect(slowLoad.metrics.availability_pct).toBeCloseTo((100 * (7200 - 660 - 540)) / 7200, 9)
    expect(slowSpare.metrics.availability_pct).toBeCloseTo((100 * (7200 - 660)) / 7200, 9)
  })

  it('the all-on-demand reference is the wanted replicas for the whole window, through the billing core', () => {
    const market = createTestMarket({ horizonSeconds: 10 * HOUR })
    expect(ondemandReferenceCost(market, 3)).toBeCloseTo(3 * 10 * 3, 9)
  })
})

describe('service mode through the simulation pipeline', () => {
  const onTrace = (trace: string, runs: number, seed = 1): SimulationConfig =>
    serviceConfig(
      { replicas: 3, overProvision: 1, bootSeconds: 180, modelLoadSeconds: 300 },
      {
        runs,
        seed,
        durationHours: 24,
        market: { kind: 'trace', path: trace, binaryCapacity: 1000 }
      }
    )

  it('validates at the edge: placements, not policies; bounded replicas', () => {
    expect(checkSimulationConfig(onTrace(FOUR_NODE, 2)).ok).toBe(true)
    const withPolicies = checkSimulationConfig({ ...onTrace(FOUR_NODE, 2), policies: ['greedy'] })
    expect(withPolicies.ok).toBe(false)
    if (!withPolicies.ok) expect(withPolicies.errors[0].message).toMatch(/placements/)
    const bad = (workload: Partial<ServiceWorkloadConfig>): string[] => {
      const c = onTrace(FOUR_NODE, 2)
      const check = checkSimulationConfig({ ...c, workload: { ...c.workload, ...workload } })
      return check.ok ? [] : check.errors.map((e) => e.message)
    }
    expect(bad({ replicas: 0 })).toEqual(['service replicas (--service) must be >= 1'])
    expect(bad({ replicas: 65 })).toEqual(['service replicas (--service) must be <= 64'])
    expect(bad({ placements: ['spothedge', 'spothedge'] })).toEqual(['a placement is listed twice'])
    expect(bad({ placements: [] })).toEqual(['at least one placement is needed'])
    const empty = checkSimulationConfig({ ...defaultSimulationConfig(), policies: [] })
    expect(empty.ok).toBe(false)
  })

  it('is deterministic: the same seed gives byte-identical output, timelines included', () => {
    const a = JSON.stringify(runSimulationSync(onTrace(SIXTEEN_NODE, 4, 7), { timeline: true }))
    const b = JSON.stringify(runSimulationSync(onTrace(SIXTEEN_NODE, 4, 7), { timeline: true }))
    expect(a).toBe(b)
    // another seed draws other start offsets, so other figures
    const c = runSimulationSync(onTrace(SIXTEEN_NODE, 4, 8))
    expect(JSON.stringify(c.services)).not.toBe(JSON.stringify(JSON.parse(a).services))
  })

  it('reports one result per placement with means and 95% intervals over the runs', () => {
    const out = runSimulationSync(onTrace(FOUR_NODE, 6))
    expect(out.results).toEqual([])
    expect(out.services!.map((s) => s.placement)).toEqual([
      'spothedge',
      'even-spread',
      'round-robin',
      'ondemand'
    ])
    expect(out.traceOffsetsSeconds).toHaveLength(6)
    for (const s of out.services!) {
      const a = s.metrics.availability_pct
      expect(a.mean).toBeGreaterThan(0)
      expect(a.mean).toBeLessThanOrEqual(100)
      expect(a.ci95[0]).toBeLessThanOrEqual(a.mean)
      expect(s.metrics.cost_pct_of_ondemand.mean).toBeGreaterThan(0)
    }
    const byName = Object.fromEntries(out.services!.map((s) => [s.placement, s.metrics]))
    // 3 replicas on demand over 24 h at p3.2xlarge's $3.06/h, down only for the first boot + load
    expect(byName.ondemand.cost_pct_of_ondemand.mean).toBeCloseTo(100, 6)
    expect(byName.ondemand.availability_pct.mean).toBeCloseTo(
      (100 * (24 * HOUR - 480)) / (24 * HOUR),
      4
    )
    expect(byName.spothedge.cost_pct_of_ondemand.mean).toBeLessThan(100)
  })

  it('runs on worker threads with exactly the single-thread output', async () => {
    const config = onTrace(FOUR_NODE, 5)
    const expected = JSON.stringify(runSimulationSync(config, { timeline: true }))
    const pooled = await runSimulation(config, {
      workers: 2,
      workerScript: await simulationWorkerScript(),
      offThread: true,
      timeline: true
    })
    expect(Object.keys(pooled.timelines ?? {})).toEqual([
      'spothedge',
      'even-spread',
      'round-robin',
      'ondemand'
    ])
    expect(JSON.stringify(pooled)).toBe(expected)
  })
})
