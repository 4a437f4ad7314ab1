import type { CapacityMarket } from '../../shared/fleet'
import type { PolicyName } from '../../shared/simulation'

/** What a batch policy sees when a task needs a GPU slot. */
export interface BatchTaskView {
  /** times this task has been displaced by a reclaim */
  preemptions: number
  /** seconds of compute still to do */
  remainingWork: number
  /** whether spot can be had right now (a free spot slot or a zone with capacity) */
  spotAvailable: boolean
}

/** What a deadline policy sees at a decision point. All times in seconds. */
export interface DeadlineView {
  now: number
  progress: number
  computeTime: number
  deadline: number
  changeover: number
  spotAvailable: boolean
  /** what the job is on now ('idle' also after a reclaim) */
  current: CapacityMarket | 'idle'
  /** true once the safety net has put the job on on-demand for good */
  safetyNet: boolean
  preemptions: number
  /** the instance is past its changeover, so progress advances at one second per second */
  running?: boolean
  /**
   * Trace replay only: seconds from now that the spot the job would use (its own zone when on spot,
   * else the zone it would launch in) keeps its capacity; 0 when there is no spot. Undefined when
   * the market cannot know (the synthetic market draws reclaims as it goes).
   */
  spotLifetime?: number
  /** $/h of that spot now, when there is some */
  spotPrice?: number
  /** $/h */
  onDemandPrice?: number
}

export type DeadlineChoice = CapacityMarket | 'idle'

export interface Policy {
  readonly name: PolicyName
  /** batch: which market a task that needs a slot should use; 'wait' = stay pending */
  chooseMarket(task: BatchTaskView): CapacityMarket
  /** deadline job: what to run on now; undefined when the policy has no deadline form */
  decideDeadline?(view: DeadlineView): DeadlineChoice
  /**
   * deadline job: instants (seconds) at which this policy's choice may flip with no market event
   * (progress crossing one of its lines, a slice ending); the engine asks again there. The shared
   * safety-net line is the engine's own and need not be listed.
   */
  deadlineWakeups?(view: DeadlineView): number[]
}

/**
 * The safety net every deadline policy shares: once the time left is less than the work left plus
 * two changeovers, only on-demand can still make it, so go there and stay until done.
 */
export function safetyNetTriggered(view: DeadlineView): boolean {
  if (view.safetyNet) return true
  // Inclusive, with a microsecond of slack: the engine wakes exactly on this line, and float
  // rounding must not let the job slip past it.
  return view.deadline - view.now <= view.computeTime - view.progress + 2 * view.changeover + 1e-6
}

/** Progress at time t >= view.now if nothing changes: advancing only while the instance runs. */
export function progressAt(view: DeadlineView, t: number): number {
  return view.running ? view.progress + (t - view.now) : view.progress
}
