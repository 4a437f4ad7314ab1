// "Simulate this workload": a service or job from the Workloads view as a starting point for the
// What-if form. The seed carries what the workload declares (instance type, zones, and for a job its
// work C, deadline R, changeover d and policy) and the prices the live fleet pays for that type; the
// What-if view applies it to its form once (applySeed). The seed's type lives with the store that
// carries it between the views.
import type { FleetInstanceView, WorkloadView } from '@shared/api'
import type { PolicyName } from '@shared/simulation'
import { JOB_DEFAULTS, workloadSchema, type ServiceMarket } from '@shared/workload'
import type { WorkloadSeed } from '@renderer/stores/simulations'
import { setWorkloadKind, type FormState } from './form-model'

/**
 * The seed of a workload, priced from the fleet's instances of its instance type; `nowMs` (the
 * engine's clock) turns a job's ISO deadline into hours when the job has not reported its own.
 */
export function seedFromWorkload(
  w: WorkloadView,
  fleet: readonly FleetInstanceView[],
  nowMs: number
): WorkloadSeed | null {
  const parsed = workloadSchema.safeParse(w.spec)
  if (!parsed.success) return null
  const spec = parsed.data
  const instanceType = spec.instanceTypes[0]
  const zones =
    spec.zones ?? [...new Set(w.instances.map((i) => i.zone).filter((z) => z.length > 0))].sort()
  const seed: WorkloadSeed = {
    name: spec.name,
    kind: spec.kind,
    instanceType,
    instanceTypes: [...spec.instanceTypes],
    zones
  }
  const same = fleet.filter((i) => i.instanceType === instanceType)
  if (same.length > 0) {
    const spot = same.filter((i) => i.market === 'spot' && i.pricePerHour > 0)
    seed.spec = {
      gpus: same[0].gpus,
      gpuMemoryGiB: same[0].gpuMemoryGiB,
      onDemandPrice: same[0].onDemandPricePerHour,
      ...(spot.length > 0
        ? { meanSpotPrice: spot.reduce((s, i) => s + i.pricePerHour, 0) / spot.length }
        : {})
    }
  }
  if (spec.kind === 'service') seed.market = spec.market
  else {
    // R: the live job's own (hours since submission), else what the file declares
    const deadlineHours =
      w.job?.deadlineHours ??
      spec.deadlineHours ??
      (spec.deadline
        ? Math.max(spec.workHours, (Date.parse(spec.deadline) - nowMs) / 3.6e6)
        : spec.workHours)
    seed.job = {
      workHours: spec.workHours,
      deadlineHours,
      changeoverHours: spec.changeoverHours ?? JOB_DEFAULTS.changeoverHours,
      policy: spec.policy
    }
  }
  return seed
}

/** The policies a service's market corresponds to, with on-demand as the baseline. */
const SERVICE_POLICIES: Record<ServiceMarket, PolicyName[]> = {
  spot: ['greedy', 'ondemand'],
  ondemand: ['ondemand'],
  'spot-with-fallback': ['fallback', 'greedy', 'ondemand']
}

function round(n: number): string {
  return String(Number(n.toFixed(4)))
}

/**
 * Prefills the form from a seed; returns notes for the person (what could not be carried over).
 * A job becomes the deadline job (C, R, d, its policy against on-demand) over its deadline; a
 * service keeps the batch workload, on its instance type, zones and the policies of its market.
 */
export function applySeed(state: FormState, seed: WorkloadSeed): string[] {
  const notes: string[] = []
  const v = state.values
  v['instanceTypes.0.name'] = seed.instanceType
  if (seed.spec) {
    v['instanceTypes.0.gpus'] = String(seed.spec.gpus)
    v['instanceTypes.0.gpuMemoryGiB'] = String(seed.spec.gpuMemoryGiB)
    v['instanceTypes.0.onDemandPrice'] = round(seed.spec.onDemandPrice)
    if (seed.spec.meanSpotPrice !== undefined)
      v['instanceTypes.0.meanSpotPrice'] = round(seed.spec.meanSpotPrice)
    else notes.push(`No ${seed.instanceType} runs on spot now: the mean spot price is the default.`)
  } else
    notes.push(
      `No ${seed.instanceType} runs in the fleet now: its GPUs and prices are the defaults; check them under Advanced.`
    )
  if (seed.instanceTypes.length > 1)
    notes.push(
      `The simulator runs one instance type: ${seed.instanceType} (of ${seed.instanceTypes.join(', ')}).`
    )
  if (seed.zones.length > 0) {
    v['market.zones'] = seed.zones.join(', ')
    state.marketKind = 'synthetic'
  }
  if (seed.job) {
    setWorkloadKind(state, 'deadline')
    v['workload.computeHours'] = round(seed.job.workHours)
    v['workload.deadlineHours'] = round(seed.job.deadlineHours)
    v.changeoverSeconds = round(seed.job.changeoverHours) // shown in hours for a deadline job
    v.durationHours = round(seed.job.deadlineHours)
    state.policies = [...new Set<PolicyName>([seed.job.policy, 'ondemand'])]
  } else {
    setWorkloadKind(state, 'batch')
    state.policies = [...SERVICE_POLICIES[seed.market ?? 'spot-with-fallback']]
    notes.push('A service is simulated as batch tasks on its instance type and zones.')
  }
  return notes
}
