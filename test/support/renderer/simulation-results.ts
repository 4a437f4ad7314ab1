// Fixtures for the What-if tests (imported only by *.test.ts): the engine's default config and a small output.
import {
  METRIC_NAMES,
  type MetricName,
  type MetricSummary,
  type PolicyName,
  type SimulationConfig,
  type SimulationOutput
} from '@shared/simulation'

export function defaultConfig(): SimulationConfig {
  return {
    seed: 1,
    runs: 1,
    durationHours: 48,
    policies: ['greedy', 'fallback', 'ondemand'],
    migration: 'optimal',
    graceSeconds: 120,
    changeoverSeconds: 300,
    idleReleaseSeconds: 600,
    fallbackAfterPreemptions: 2,
    checkpoint: { fullThreshold: 0.8, partialThreshold: 0.3 },
    instanceTypes: [
      {
        name: 'p3.2xlarge',
        gpus: 1,
        gpuMemoryGiB: 16,
        networkGbps: 10,
        onDemandPrice: 3.06,
        meanSpotPrice: 0.92
      }
    ],
    market: {
      kind: 'synthetic',
      zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      tickSeconds: 300,
      reversionPerHour: 0.5,
      volatility: 0.15,
      dailyAmplitude: 0.05,
      zoneSpread: 0.1,
      hazard: { kind: 'fixed', perHour: 0.05 },
      outageMeanSeconds: 1800
    },
    workload: {
      kind: 'batch',
      tasks: 100,
      arrivalWindowHours: 24,
      meanTaskHours: 2,
      taskHoursCv: 0.5,
      gpuMemoryChoicesGiB: [8, 12, 16],
      stateGiBMin: 5,
      stateGiBMax: 600,
      checkpointIntervalSeconds: 1800,
      models: 4,
      coldStartSeconds: 120
    }
  }
}

function metrics(base: number): Record<MetricName, MetricSummary> {
  const out = {} as Record<MetricName, MetricSummary>
  METRIC_NAMES.forEach((m, i) => {
    const mean = base + i
    out[m] = { mean, ci95: [mean - 1.5, mean + 1.5] }
  })
  return out
}

export function sampleOutput(policies: PolicyName[] = ['greedy', 'ondemand']): SimulationOutput {
  const results = policies.map((policy, k) => ({ policy, metrics: metrics(100 * (k + 1)) }))
  results[0].metrics.total_cost = { mean: 170.7, ci95: [160.25, 181.5] }
  return {
    schema: 1,
    seed: 1,
    config: { ...defaultConfig(), runs: 10, policies },
    results,
    timelines: {
      [policies[0]]: [
        { t: 0, kind: 'launch', instance: 'i-1', zone: 'us-east-1a', market: 'spot' },
        { t: 120, kind: 'ready', instance: 'i-1' },
        { t: 130, kind: 'task-start', instance: 'i-1', task: 0 },
        { t: 3600, kind: 'notice', instance: 'i-1', zone: 'us-east-1a' },
        { t: 3720, kind: 'terminate', instance: 'i-1' },
        { t: 3800, kind: 'launch', instance: 'i-2', zone: 'us-east-1b', market: 'ondemand' },
        { t: 7200, kind: 'task-done', instance: 'i-2', task: 0 }
      ]
    }
  }
}
