import type { DeadlineView, Policy } from './types'
import { safetyNetTriggered } from './types'

/** The slice that holds `now`, its end and its cumulative progress target (i + 1) C / n. */
export function sliceAt(
  view: Pick<DeadlineView, 'now' | 'computeTime' | 'deadline'>,
  slices: number
): { index: number; end: number; target: number } {
  const length = view.deadline / slices
  const index = Math.min(slices - 1, Math.max(0, Math.floor(view.now / length + 1e-9)))
  return {
    index,
    end: (index + 1) * length,
    target: ((index + 1) * view.computeTime) / slices
  }
}

/** Slice work left; at or below this it counts as done (progress is computed in floats). */
const DONE = 1e-6

/**
 * Time-Sliced(n) (Wu et al., "Can't Be Late", NSDI '24, a baseline): the deadline is cut into n
 * equal slices and each owes C / n of progress by its end. Inside a slice the job is greedy (spot
 * when available, else idle); once the slice's time left is at most its work left plus one
 * changeover it runs on-demand until the slice target is met. Targets are cumulative, so progress
 * beyond one slice's share is carried into the next (as is a shortfall). On spot it stays until
 * reclaimed; the shared safety net overrides all of it near the deadline.
 */
export function createTimeSliced(slices: number): Policy {
  if (!Number.isInteger(slices) || slices < 1)
    throw new Error(`time-sliced needs a whole number of slices >= 1, got ${slices}`)
  return {
    name: 'time-sliced',
    chooseMarket: () => 'spot',
    decideDeadline: (view) => {
      if (safetyNetTriggered(view)) return 'ondemand'
      if (view.current === 'spot') return 'spot'
      const slice = sliceAt(view, slices)
      const owed = slice.target - view.progress
      if (owed <= DONE) return view.spotAvailable ? 'spot' : 'idle'
      if (view.current === 'ondemand') return 'ondemand'
      // Inclusive with a microsecond of slack, like the safety net: the engine wakes on this line.
      if (slice.end - view.now <= owed + view.changeover + 1e-6) return 'ondemand'
      return view.spotAvailable ? 'spot' : 'idle'
    },
    deadlineWakeups: (view) => {
      const slice = sliceAt(view, slices)
      const owed = slice.target - view.progress
      const times = [slice.end]
      if (owed > DONE) {
        if (!view.running) times.push(slice.end - owed - view.changeover)
        else if (view.current === 'ondemand') times.push(view.now + owed)
      }
      return times
    }
  }
}
