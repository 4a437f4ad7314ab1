import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { METRIC_NAMES, type SimulationConfig, type SimulationOutput } from '../../shared/simulation'
import { openHistory } from './history'
import { SCENARIO } from '../../../test/support/history-scenario'
import { MIN, T0, tempDir } from '../../../test/support/history-fixtures'
import type { History } from './types'

describe('trace export', () => {
  let h: History
  beforeEach(() => {
    h = openHistory(':memory:')
    h.recordEvents(SCENARIO)
  })
  afterEach(() => h.close())

  it('counts available spot instances per zone at each tick', () => {
    const traces = h.exportTrace(T0, T0 + 100 * MIN, { gapSeconds: 600 })
    // on-demand b's zone is not spot capacity; d's zone had a spot instance that never ran
    expect(Object.keys(traces)).toEqual(['us-east-1a', 'us-east-1c'])
    // ticks at 0,10..90 min: a pending, a running, +c at 30, a under notice at 60, c gone at 90
    expect(traces['us-east-1a'].data).toEqual([0, 1, 1, 2, 2, 2, 1, 1, 1, 0])
    expect(traces['us-east-1c'].data).toEqual(new Array(10).fill(0))
    expect(traces['us-east-1a'].metadata).toEqual({
      gap_seconds: 600,
      start_time: '2025-01-01T00:00:00.000Z',
      zone: 'us-east-1a',
      convention: 'available',
      binary: false,
      source: 'synkti-history'
    })
  })

  it('starts from the state before the window, applying events at a tick instant', () => {
    const traces = h.exportTrace(T0 + 60 * MIN, T0 + 100 * MIN, { gapSeconds: 600 })
    expect(traces['us-east-1a'].data).toEqual([1, 1, 1, 0])
    expect(traces['us-east-1a'].metadata.start_time).toBe('2025-01-01T01:00:00.000Z')
  })

  it('exports one named zone, even an empty one, at the default 300 s gap', () => {
    const traces = h.exportTrace(T0, T0 + 60 * MIN, { zone: 'us-east-1b' })
    expect(Object.keys(traces)).toEqual(['us-east-1b'])
    expect(traces['us-east-1b'].data).toEqual(new Array(12).fill(0))
    expect(traces['us-east-1b'].metadata.gap_seconds).toBe(300)
    expect(() => h.exportTrace(T0, T0 + MIN, { gapSeconds: 0 })).toThrow(/gapSeconds/)
    expect(() => h.exportTrace(T0, T0)).toThrow(/non-empty/)
  })

  it('writes <zone>.json files in the trace layout', () => {
    const tmp = tempDir()
    try {
      const paths = h.exportTraceFiles(join(tmp.dir, 'out'), T0, T0 + 100 * MIN, {
        gapSeconds: 600
      })
      expect(readdirSync(join(tmp.dir, 'out')).sort()).toEqual([
        'us-east-1a.json',
        'us-east-1c.json'
      ])
      const file = JSON.parse(readFileSync(paths[0], 'utf8'))
      expect(file.metadata).toMatchObject({
        gap_seconds: 600,
        zone: 'us-east-1a',
        convention: 'available'
      })
      expect(file.data).toEqual([0, 1, 1, 2, 2, 2, 1, 1, 1, 0])
    } finally {
      tmp.cleanup()
    }
  })
})

describe('simulation runs and failovers', () => {
  it('round-trips a simulation run, stamped by the injected clock', () => {
    let now = T0
    const h = openHistory(':memory:', { clock: () => now })
    const config = simulationConfig()
    const output = simulationOutput(config)
    const first = h.saveSimulationRun('baseline', config, output)
    now += 60_000
    const second = h.saveSimulationRun('tighter grace', { ...config, graceSeconds: 30 }, output)
    expect(h.listSimulationRuns()).toEqual([
      { id: second, createdAt: T0 + 60_000, name: 'tighter grace' },
      { id: first, createdAt: T0, name: 'baseline' }
    ])
    expect(h.getSimulationRun(first)).toEqual({
      id: first,
      createdAt: T0,
      name: 'baseline',
      config,
      output
    })
    expect(h.getSimulationRun(999)).toBeUndefined()
    h.close()
  })

  it('stores failovers with per-phase durations', () => {
    const h = openHistory(':memory:')
    h.recordFailover({
      instanceId: 'a',
      startedAt: T0,
      endedAt: T0 + 95_000,
      outcome: 'recovered',
      phases: [
        { name: 'drain', startedAt: T0, endedAt: T0 + 20_000 },
        { name: 'launch', startedAt: T0 + 20_000, endedAt: T0 + 95_000 }
      ]
    })
    const [f] = h.failoversBetween(T0, T0 + 1)
    expect(f).toMatchObject({ instanceId: 'a', outcome: 'recovered', endedAt: T0 + 95_000 })
    expect(f.phases.map((p) => [p.name, p.durationMs])).toEqual([
      ['drain', 20_000],
      ['launch', 75_000]
    ])
    h.close()
  })
})

function simulationConfig(): SimulationConfig {
  return {
    seed: 7,
    runs: 2,
    durationHours: 24,
    policies: ['greedy', 'ondemand'],
    migration: 'optimal',
    graceSeconds: 120,
    changeoverSeconds: 300,
    idleReleaseSeconds: 600,
    fallbackAfterPreemptions: 2,
    checkpoint: { fullThreshold: 1, partialThreshold: 0.5 },
    instanceTypes: [
      {
        name: 'g5.xlarge',
        gpus: 1,
        gpuMemoryGiB: 24,
        networkGbps: 10,
        onDemandPrice: 1.006,
        meanSpotPrice: 0.35
      }
    ],
    market: { kind: 'trace', path: '/tmp/traces', binaryCapacity: 4 },
    workload: { kind: 'deadline', computeHours: 10, deadlineHours: 20 }
  }
}

function simulationOutput(config: SimulationConfig): SimulationOutput {
  const metrics = Object.fromEntries(
    METRIC_NAMES.map((m, i) => [m, { mean: i, ci95: [i - 0.5, i + 0.5] }])
  )
  return {
    schema: 1,
    seed: config.seed,
    config,
    results: config.policies.map((policy) => ({
      policy,
      metrics: metrics as SimulationOutput['results'][number]['metrics']
    }))
  }
}
