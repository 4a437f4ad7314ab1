import type { Policy } from './types'

/** On-demand only: the baseline every saving is measured against. */
export const ondemand: Policy = {
  name: 'ondemand',
  chooseMarket: () => 'ondemand',
  decideDeadline: () => 'ondemand'
}
