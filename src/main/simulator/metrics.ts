import {
  METRIC_NAMES,
  type MetricName,
  type MetricSummary,
  type RunMetrics
} from '../../shared/simulation'

/** a service's figures: not defined for batch tasks or a deadline job (null in their results) */
const SERVICE_ONLY: readonly MetricName[] = ['availability_pct', 'cost_pct_of_ondemand']

export function emptyMetrics(): RunMetrics {
  const m = {} as RunMetrics
  for (const name of METRIC_NAMES) m[name] = 0
  for (const name of SERVICE_ONLY) m[name] = NaN
  return m
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]
}

// Two-sided 95% Student-t quantiles for 1..30 degrees of freedom; past 30 the normal 1.96 is
// within 2% and is used with a small correction.
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048,
  2.045, 2.042
]

export function tQuantile95(degreesOfFreedom: number): number {
  if (degreesOfFreedom <= 0) return NaN
  if (degreesOfFreedom <= T95.length) return T95[degreesOfFreedom - 1]
  return 1.96 + 2.4 / degreesOfFreedom
}

/** Keeps JSON short and stable: 6 decimals is a hundredth of a cent and a few ms of an hour. */
export function round6(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x
}

/**
 * Mean and 95% confidence interval of the mean over runs (Student t). Runs where the metric is
 * undefined (NaN, e.g. completion time when nothing completed) are left out; with none left the
 * summary is null-valued (NaN serialises as null in JSON).
 */
export function summarise(values: readonly number[]): MetricSummary {
  const finite = values.filter((v) => Number.isFinite(v))
  const n = finite.length
  if (n === 0) return { mean: NaN, ci95: [NaN, NaN] }
  const mean = finite.reduce((s, v) => s + v, 0) / n
  if (n === 1) return { mean: round6(mean), ci95: [round6(mean), round6(mean)] }
  const variance = finite.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)
  const half = tQuantile95(n - 1) * Math.sqrt(variance / n)
  return { mean: round6(mean), ci95: [round6(mean - half), round6(mean + half)] }
}

export function summariseRuns(runs: readonly RunMetrics[]): Record<MetricName, MetricSummary> {
  const out = {} as Record<MetricName, MetricSummary>
  for (const name of METRIC_NAMES) out[name] = summarise(runs.map((r) => r[name]))
  return out
}

/**
 * Savings against on-demand per unit of completed work, %: 100 * (1 - (cost / work) / (cost0 /
 * work0)), which is the plain cost saving when both completed the same work. NaN (null in JSON)
 * when either completed nothing: a cheaper run that delivered nothing saved nothing.
 */
export function savingsPerWork(
  run: Pick<RunMetrics, 'total_cost' | 'completed_work_hours'>,
  ondemand: Pick<RunMetrics, 'total_cost' | 'completed_work_hours'>
): number {
  const work = run.completed_work_hours
  const work0 = ondemand.completed_work_hours
  if (!(work > 0) || !(work0 > 0) || !(ondemand.total_cost > 0)) return NaN
  if (sameWork(work, work0))
    return (100 * (ondemand.total_cost - run.total_cost)) / ondemand.total_cost
  return 100 * (1 - run.total_cost / work / (ondemand.total_cost / work0))
}

/** Completed work equal up to float rounding. */
export function sameWork(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))
}

/**
 * Why a policy's savings_pct is null in some runs, or computed per unit of work: undefined when
 * every run compared the same completed work.
 */
export function savingsNote(
  runs: readonly Pick<RunMetrics, 'completed_work_hours'>[],
  ondemand: readonly Pick<RunMetrics, 'completed_work_hours'>[]
): string | undefined {
  let nothing = 0
  let baselineNothing = 0
  let different = 0
  for (let r = 0; r < runs.length; r++) {
    const work = runs[r].completed_work_hours
    const work0 = ondemand[r].completed_work_hours
    if (!(work0 > 0)) baselineNothing++
    else if (!(work > 0)) nothing++
    else if (!sameWork(work, work0)) different++
  }
  const n = runs.length
  const of = (k: number): string => (n === 1 ? '' : ` in ${k} of ${n} runs`)
  const parts: string[] = []
  if (baselineNothing > 0) parts.push(`null${of(baselineNothing)}: on-demand completed no work`)
  if (nothing > 0) parts.push(`null${of(nothing)}: this policy completed no work`)
  if (different > 0)
    parts.push(
      `per hour of completed work${of(different)}: this policy completed different work from on-demand (see completed_work_hours and unfinished_work_hours)`
    )
  return parts.length > 0 ? parts.join('; ') : undefined
}
