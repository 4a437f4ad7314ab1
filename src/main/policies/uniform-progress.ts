import type { DeadlineView, Policy } from './types'
import { safetyNetTriggered } from './types'

/** Expected progress if the job advanced uniformly to finish exactly at the deadline: ep(t) = t * C / R. */
export function expectedProgress(
  view: Pick<DeadlineView, 'computeTime' | 'deadline'>,
  t: number
): number {
  return (t * view.computeTime) / view.deadline
}

/** Behind schedule: progress below ep(t). */
export function behind(view: DeadlineView): boolean {
  return view.progress < expectedProgress(view, view.now)
}

/** On on-demand, far enough ahead to risk a move: progress >= ep(t + 2d) (the hysteresis line). */
export function aheadOfHysteresis(view: DeadlineView): boolean {
  return view.progress >= expectedProgress(view, view.now + 2 * view.changeover)
}

/**
 * Where uniform progress's lines may flip without a market event: idle, ep(t) overtaking the
 * progress; on a running on-demand instance, the progress overtaking ep(t + 2d).
 */
export function uniformProgressWakeups(view: DeadlineView): number[] {
  const k = view.computeTime / view.deadline
  if (!view.running) return [(view.progress * view.deadline) / view.computeTime]
  // progress p + (t' - t) meets ep(t' + 2d) = (t' + 2d) k
  if (view.current === 'ondemand' && k < 1)
    return [(2 * view.changeover * k - view.progress + view.now) / (1 - k)]
  return []
}

/**
 * Uniform Progress (Wu et al., "Can't Be Late", NSDI '24; the `rc_cr_threshold` strategy of the
 * authors' sky_spot simulator): take spot whenever it is available and stay on it until it is
 * reclaimed; idle and behind ep(t), go on-demand; on on-demand, move to spot only when spot is
 * available and progress >= ep(t + 2d), and never from on-demand to idle (an idle gap would cost a
 * changeover to come back). The shared safety net overrides all of it near the deadline.
 */
export const uniformProgress: Policy = {
  name: 'uniform-progress',
  chooseMarket: () => 'spot',
  decideDeadline: (view) => {
    if (safetyNetTriggered(view)) return 'ondemand'
    if (view.current === 'spot') return 'spot'
    if (view.current === 'ondemand')
      return view.spotAvailable && aheadOfHysteresis(view) ? 'spot' : 'ondemand'
    if (view.spotAvailable) return 'spot'
    return behind(view) ? 'ondemand' : 'idle'
  },
  deadlineWakeups: uniformProgressWakeups
}
