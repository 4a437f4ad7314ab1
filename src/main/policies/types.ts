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
}

export type DeadlineChoice = CapacityMarket | 'idle'

export interface Policy {
  readonly name: PolicyName
  /** batch: which market a task that needs a slot should use; 'wait' = stay pending */
  chooseMarket(task: BatchTaskView): CapacityMarket
  /** deadline job: what to run on now; undefined when the policy has no deadline form */
  decideDeadline?(view: DeadlineView): DeadlineChoice
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
