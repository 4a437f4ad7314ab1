import type { Policy } from './types'
import { safetyNetTriggered } from './types'

/**
 * Spot when it can be had now, on-demand otherwise: never waits for capacity. What most people
 * configure by hand (an on-demand fallback in the launch template); it trades some savings for
 * never queueing work while a zone is dry.
 */
export const spotOrOndemand: Policy = {
  name: 'spot-or-ondemand',
  chooseMarket: (task) => (task.spotAvailable ? 'spot' : 'ondemand'),
  decideDeadline: (view) => {
    if (safetyNetTriggered(view)) return 'ondemand'
    if (view.current === 'ondemand') return 'ondemand'
    return view.spotAvailable ? 'spot' : 'ondemand'
  }
}
