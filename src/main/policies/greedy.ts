import type { Policy } from './types'
import { safetyNetTriggered } from './types'

/** Spot only: a batch task always asks for spot; a deadline job runs on spot when there is any, idles otherwise. */
export const greedy: Policy = {
  name: 'greedy',
  chooseMarket: () => 'spot',
  decideDeadline: (view) => {
    if (safetyNetTriggered(view)) return 'ondemand'
    return view.spotAvailable ? 'spot' : 'idle'
  }
}
