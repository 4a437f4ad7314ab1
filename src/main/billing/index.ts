export {
  MINIMUM_BILLED_SECONDS,
  SECONDS_PER_HOUR,
  billOfLife,
  billedEnd,
  billedSecondsOfEndedLife,
  costAt,
  livedSeconds,
  pricedSpans,
  savingsPct,
  spanCost,
  type Life,
  type LifeBill,
  type PriceStep,
  type PricedSpan
} from './bill'
export {
  closingRows,
  costByBucket,
  costByDay,
  rowCost,
  rowSeconds,
  runningRows,
  type AccrualContext,
  type BookedRow,
  type BucketCost,
  type DayCost,
  type LedgerRow,
  type PricesInForce
} from './ledger'
