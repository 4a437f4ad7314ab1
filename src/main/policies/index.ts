import type { PolicyName } from '../../shared/simulation'
import { createFallback } from './fallback'
import { greedy } from './greedy'
import { ondemand } from './ondemand'
import { spotOrOndemand } from './spot-or-ondemand'
import type { Policy } from './types'
import { uniformProgress } from './uniform-progress'

export type { Policy, BatchTaskView, DeadlineView, DeadlineChoice } from './types'

export interface PolicyOptions {
  fallbackAfterPreemptions: number
}

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
  }
}
