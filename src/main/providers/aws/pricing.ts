// OFFLINE FALLBACK, not a price source: approximate on-demand list prices for common GPU types
// (us-east-1, Linux, $/h, as published by AWS in 2024-2025; other regions are usually 5-30% dearer and
// AWS changes prices). Live prices come from the Price List API (issue 9 step 6, not built yet). A type
// missing here has an UNKNOWN price (undefined), never $0: under a budget cap its launch is blocked.
// Callers can pass their own table (createAwsProvider onDemandPrices).

export const APPROX_ON_DEMAND_USD_PER_HOUR: Readonly<Record<string, number>> = {
  'g4dn.xlarge': 0.526,
  'g4dn.2xlarge': 0.752,
  'g4dn.4xlarge': 1.204,
  'g4dn.8xlarge': 2.176,
  'g4dn.12xlarge': 3.912,
  'g4dn.16xlarge': 4.352,
  'g5.xlarge': 1.006,
  'g5.2xlarge': 1.212,
  'g5.4xlarge': 1.624,
  'g5.8xlarge': 2.448,
  'g5.12xlarge': 5.672,
  'g5.16xlarge': 4.096,
  'g5.24xlarge': 8.144,
  'g5.48xlarge': 16.288,
  'g6.xlarge': 0.8048,
  'g6.2xlarge': 0.9776,
  'g6.4xlarge': 1.3232,
  'g6.8xlarge': 2.0144,
  'g6.12xlarge': 4.6016,
  'g6.16xlarge': 3.3968,
  'g6.24xlarge': 6.6752,
  'g6.48xlarge': 13.3504,
  'g6e.xlarge': 1.861,
  'g6e.2xlarge': 2.242,
  'g6e.4xlarge': 3.004,
  'g6e.12xlarge': 10.493,
  'g6e.48xlarge': 30.131,
  'p3.2xlarge': 3.06,
  'p3.8xlarge': 12.24,
  'p3.16xlarge': 24.48
}

/** undefined when the table does not know the type: callers must not budget it as free */
export function onDemandPrice(
  instanceType: string,
  table: Readonly<Record<string, number>>
): number | undefined {
  const price = Object.hasOwn(table, instanceType) ? table[instanceType] : undefined
  return price !== undefined && Number.isFinite(price) && price > 0 ? price : undefined
}

/** for listings, where a number is required: 0 shows as "n/a" in the cockpit */
export function listedOnDemandPrice(
  instanceType: string,
  table: Readonly<Record<string, number>>
): number {
  return onDemandPrice(instanceType, table) ?? 0
}
