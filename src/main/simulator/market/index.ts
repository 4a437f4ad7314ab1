export type { RunMarket } from './types'
export {
  createSyntheticMarket,
  stepSeries,
  valueAt,
  integral,
  integralTo,
  timeToReach,
  zoneMeans,
  ouPath,
  pricePath
} from './synthetic'
export type { StepSeries } from './synthetic'
export { createTraceMarket, maxOffsetTicks, ticksForHorizon, capacityStepsOf } from './trace-market'
export type { TraceMarketOptions } from './trace-market'
