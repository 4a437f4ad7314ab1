import type { Policy } from './types'
import { safetyNetTriggered } from './types'

/** Spot until a task (or the deadline job) has been preempted `afterPreemptions` times, then on-demand. */
export function createFallback(afterPreemptions: number): Policy {
  return {
    name: 'fallback',
    chooseMarket: (task) => (task.preemptions >= afterPreemptions ? 'ondemand' : 'spot'),
    decideDeadline: (view) => {
      if (safetyNetTriggered(view) || view.preemptions >= afterPreemptions) return 'ondemand'
      return view.spotAvailable ? 'spot' : 'idle'
    }
  }
}
