import type { DeadlineView, Policy } from './types'
import { safetyNetTriggered } from './types'
import { aheadOfHysteresis, behind, uniformProgressWakeups } from './uniform-progress'

/**
 * Shortest spot life worth taking, seconds, with k = on-demand price / spot price: a spot life of
 * length L does L - d of work for s * L, against the same work on the on-demand instance the job
 * would otherwise use; it pays when L > k d / (k - 1) from idle (one changeover) and when
 * L > 2 k d / (k - 1) from on-demand (a changeover there and another to come back). Infinite when
 * spot is not cheaper than on-demand.
 */
export function worthwhileSpotLife(
  k: number,
  changeover: number,
  from: 'idle' | 'ondemand'
): number {
  if (!(k > 1)) return Infinity
  const once = (k * changeover) / (k - 1)
  return from === 'idle' ? once : 2 * once
}

function spotPays(view: DeadlineView, from: 'idle' | 'ondemand'): boolean {
  if (!view.spotAvailable) return false
  if (view.spotLifetime === undefined || view.spotPrice === undefined)
    throw new Error(
      'uniform-progress-oracle needs the coming spot lifetime, which only a replayed trace gives'
    )
  const k = (view.onDemandPrice ?? Infinity) / view.spotPrice
  return view.spotLifetime > worthwhileSpotLife(k, view.changeover, from)
}

/**
 * Uniform Progress with the next-spot-lifetime oracle (Wu et al., "Can't Be Late", NSDI '24, the
 * upper bound they give UP): the same rules, but spot is taken only when the spot life that is
 * coming is long enough to pay for its changeovers (worthwhileSpotLife). Needs a replayed trace.
 */
export const uniformProgressOracle: Policy = {
  name: 'uniform-progress-oracle',
  chooseMarket: () => 'spot',
  decideDeadline: (view) => {
    if (safetyNetTriggered(view)) return 'ondemand'
    if (view.current === 'spot') return 'spot'
    if (view.current === 'ondemand')
      return aheadOfHysteresis(view) && spotPays(view, 'ondemand') ? 'spot' : 'ondemand'
    if (spotPays(view, 'idle')) return 'spot'
    return behind(view) ? 'ondemand' : 'idle'
  },
  deadlineWakeups: uniformProgressWakeups
}
