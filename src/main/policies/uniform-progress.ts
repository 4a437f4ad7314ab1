import type { DeadlineView, Policy } from './types'
import { safetyNetTriggered } from './types'

/** Expected progress if the job advanced uniformly to finish exactly at the deadline: ep(t) = t * C / R. */
export function expectedProgress(
  view: Pick<DeadlineView, 'computeTime' | 'deadline'>,
  t: number
): number {
  return (t * view.computeTime) / view.deadline
}

/**
 * Uniform Progress (Wu et al., "Can't Be Late", NSDI '24): take spot whenever it is available; with
 * no spot and progress behind ep(t), run on-demand, and once there stay until progress reaches
 * ep(t + 2d) (hysteresis, so one short spot window does not cause two changeovers); once on spot stay
 * until reclaimed. The shared safety net overrides all of it near the deadline.
 */
export const uniformProgress: Policy = {
  name: 'uniform-progress',
  chooseMarket: () => 'spot',
  decideDeadline: (view) => {
    if (safetyNetTriggered(view)) return 'ondemand'
    if (view.current === 'spot') return 'spot'
    if (view.current === 'ondemand') {
      if (view.progress < expectedProgress(view, view.now + 2 * view.changeover)) return 'ondemand'
      return view.spotAvailable ? 'spot' : 'idle'
    }
    if (view.spotAvailable) return 'spot'
    return view.progress < expectedProgress(view, view.now) ? 'ondemand' : 'idle'
  }
}
