import type { CheckpointConfig } from '../../shared/simulation'

export type CheckpointDecision = 'full' | 'partial' | 'restart'

export interface CheckpointPlan {
  decision: CheckpointDecision
  /** share of the state (and so of the work since the last checkpoint) that can be saved, 0..1 */
  savedFraction: number
  /** GiB that fit through the link in the time left */
  transferableGiB: number
}

export const DEFAULT_CHECKPOINT: CheckpointConfig = { fullThreshold: 0.8, partialThreshold: 0.3 }

/**
 * The planner's rule, shared by the simulator and the live engine: what can be saved of `stateGiB`
 * through `bandwidthGiBps` in `secondsLeft` of notice. Full when at least fullThreshold of the state
 * fits (the rest is assumed to compress or be recomputable), Partial (that fraction) when at least
 * partialThreshold fits, otherwise Restart from the last checkpoint.
 */
export function planCheckpoint(
  stateGiB: number,
  bandwidthGiBps: number,
  secondsLeft: number,
  thresholds: CheckpointConfig = DEFAULT_CHECKPOINT
): CheckpointPlan {
  const transferableGiB = Math.max(0, bandwidthGiBps) * Math.max(0, secondsLeft)
  if (stateGiB <= 0) return { decision: 'full', savedFraction: 1, transferableGiB }
  const ratio = transferableGiB / stateGiB
  if (ratio >= thresholds.fullThreshold)
    return { decision: 'full', savedFraction: 1, transferableGiB }
  if (ratio >= thresholds.partialThreshold)
    return { decision: 'partial', savedFraction: ratio, transferableGiB }
  return { decision: 'restart', savedFraction: 0, transferableGiB }
}

/** Gbit/s of a network link to GiB/s of payload. */
export function gbpsToGiBps(gbps: number): number {
  return (gbps * 1e9) / 8 / 2 ** 30
}
