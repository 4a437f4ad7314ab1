import { DEFAULT_TIME_SLICES, type PolicyName } from '../../shared/simulation'
import { createFallback } from './fallback'
import { greedy } from './greedy'
import { ondemand } from './ondemand'
import { spotOrOndemand } from './spot-or-ondemand'
import { createTimeSliced } from './time-sliced'
import type { Policy } from './types'
import { uniformProgress } from './uniform-progress'
import { uniformProgressOracle } from './uniform-progress-oracle'

export type { Policy, BatchTaskView, DeadlineView, DeadlineChoice } from './types'
export { planOmniscient, OmniscientTooLarge } from './omniscient'
export type { OmniscientInput, OmniscientPlan, PlannedLife } from './omniscient'

export interface PolicyOptions {
  fallbackAfterPreemptions: number
  /** time-sliced: slices of the deadline (default DEFAULT_TIME_SLICES) */
  timeSlices?: number
}

/**
 * The reactive policy of that name. 'omniscient' has no reactive form (it plans the whole run with
 * full knowledge, planOmniscient): asking for it here is a programming error.
 */
export function createPolicy(name: PolicyName, options: PolicyOptions): Policy {
  switch (name) {
    case 'greedy':
      return greedy
    case 'fallback':
      return createFallback(options.fallbackAfterPreemptions)
    case 'ondemand':
      return ondemand
    case 'spot-or-ondemand':
      return spotOrOndemand
    case 'uniform-progress':
      return uniformProgress
    case 'time-sliced':
      return createTimeSliced(options.timeSlices ?? DEFAULT_TIME_SLICES)
    case 'uniform-progress-oracle':
      return uniformProgressOracle
    case 'omniscient':
      throw new Error('omniscient plans the whole run ahead: use planOmniscient, not createPolicy')
  }
}
