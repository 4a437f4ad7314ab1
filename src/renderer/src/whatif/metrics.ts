// Human labels, units and possible ranges of the simulator's metrics (src/shared/simulation.ts), for
// the What-if view. A 95% interval is mean ± t·s/√n, which can reach past what a metric can be (a
// negative count, a share above 100%); shown intervals are clamped to the possible range.
import type { MetricName, MetricSummary } from '@shared/simulation'
import { formatNumber } from './export'

export interface MetricInfo {
  label: string
  /** shown after the figures: "$", "h", "GPU-h", "%", or "" for counts */
  unit: string
  min?: number
  max?: number
}

const COUNT = { unit: '', min: 0 } as const
const HOURS = { unit: 'h', min: 0 } as const
const MONEY = { unit: '$', min: 0 } as const
const SHARE = { unit: '%', min: 0, max: 100 } as const

export const METRIC_INFO: Record<MetricName, MetricInfo> = {
  total_cost: { label: 'Total cost', ...MONEY },
  ondemand_baseline_cost: { label: 'On-demand baseline cost', ...MONEY },
  savings_pct: { label: 'Savings vs on-demand', unit: '%', max: 100 },
  spot_hours: { label: 'Spot hours billed', ...HOURS },
  ondemand_hours: { label: 'On-demand hours billed', ...HOURS },
  completed_tasks: { label: 'Tasks completed', ...COUNT },
  total_tasks: { label: 'Tasks in total', ...COUNT },
  unfinished_tasks: { label: 'Tasks unfinished', ...COUNT },
  unfinished_work_hours: { label: 'Work left unfinished', ...HOURS },
  completion_time_mean_hours: { label: 'Completion time, mean', ...HOURS },
  completion_time_p50_hours: { label: 'Completion time, p50', ...HOURS },
  completion_time_p99_hours: { label: 'Completion time, p99', ...HOURS },
  preemptions: { label: 'Preemptions', ...COUNT },
  notices: { label: 'Interruption notices', ...COUNT },
  work_lost_gpu_hours: { label: 'Work lost', unit: 'GPU-h', min: 0 },
  checkpoints_full: { label: 'Checkpoints, full', ...COUNT },
  checkpoints_partial: { label: 'Checkpoints, partial', ...COUNT },
  checkpoints_restart: { label: 'Restarts without checkpoint', ...COUNT },
  work_saved_gpu_hours: { label: 'Work saved by checkpoints', unit: 'GPU-h', min: 0 },
  deadline_met_pct: { label: 'Deadline met', ...SHARE },
  instances_launched_spot: { label: 'Spot instances launched', ...COUNT },
  instances_launched_ondemand: { label: 'On-demand instances launched', ...COUNT },
  launch_failures: { label: 'Launch failures', ...COUNT },
  migrations: { label: 'Migrations', ...COUNT },
  spot_work_hours: { label: 'Work done on spot', ...HOURS },
  ondemand_work_hours: { label: 'Work done on demand', ...HOURS },
  completed_work_hours: { label: 'Work completed', ...HOURS },
  optimal_cost: { label: 'Optimal cost (omniscient bound)', ...MONEY },
  gap_to_optimal_pct: { label: 'Gap to optimal (of on-demand cost)', unit: '%', min: 0 },
  availability_pct: { label: 'Service availability', ...SHARE },
  cost_pct_of_ondemand: { label: 'Service cost of all on-demand', unit: '%', min: 0 }
}

/** "Total cost ($)", "Preemptions". */
export function metricLabel(name: MetricName): string {
  const { label, unit } = METRIC_INFO[name]
  return unit ? `${label} (${unit})` : label
}

/** The 95% interval, clamped to the values the metric can take. */
export function clampedInterval(name: MetricName, m: MetricSummary): [number, number] {
  const { min = -Infinity, max = Infinity } = METRIC_INFO[name]
  const clamp = (v: number): number => Math.min(max, Math.max(min, v))
  const [low, high] = m.ci95 ?? [m.mean, m.mean]
  return [clamp(low), clamp(high)]
}

/** "12.34 [11.2, 13.5]" with the interval clamped; an em dash for a missing value. */
export function formatMetric(name: MetricName, m: MetricSummary | null | undefined): string {
  if (!m || typeof m.mean !== 'number' || !Number.isFinite(m.mean)) return '—'
  const [low, high] = clampedInterval(name, m)
  return `${formatNumber(m.mean)} [${formatNumber(low)}, ${formatNumber(high)}]`
}
