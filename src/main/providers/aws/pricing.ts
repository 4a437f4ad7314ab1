// On-demand prices: the price book below serves the AWS Price List API's prices (price-list.ts), kept
// in history and refreshed daily. The table is the OFFLINE FALLBACK, not a price source: approximate
// on-demand list prices for common GPU types (us-east-1, Linux, $/h, as published by AWS in
// 2024-2025; other regions are usually 5-30% dearer and AWS changes prices), used and labelled as such
// only while the Price List API has not answered for a type. A type missing from both has an UNKNOWN
// price (undefined), never $0: under a budget cap its launch is blocked.

import { errorText } from '../../../shared/errors'
import { isProviderError } from '../errors'

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

/** where an on-demand price came from; shown wherever the price is */
export type OnDemandPriceSource = 'price-list' | 'offline-table'

export interface OnDemandQuote {
  pricePerHour: number
  source: OnDemandPriceSource
  /** when the Price List API gave it (absent for the offline table) */
  fetchedAt?: number
}

export interface PriceRow {
  region: string
  instanceType: string
  pricePerHour: number
  source: string
  fetchedAt: number
}

export interface OnDemandPriceBookOptions {
  /** the Price List API: $/h of each type it knows in a region */
  fetch(region: string, instanceTypes: string[]): Promise<Map<string, number>>
  /** where fetched prices are kept across restarts (history) */
  store?: { put(rows: readonly PriceRow[]): void; all(): PriceRow[] }
  now: () => number
  /** how old a fetched price may get before it is read again (default a day) */
  refreshMs?: number
  fallback?: Readonly<Record<string, number>>
  log?: (line: string) => void
}

export interface OnDemandPriceBook {
  /** the price to budget and bill at: the last Price List price, else the labelled offline table */
  quote(region: string, instanceType: string): OnDemandQuote | undefined
  /** reads the prices of these types that are missing or older than refreshMs; never throws */
  refresh(region: string, instanceTypes: readonly string[]): Promise<void>
}

export const PRICE_REFRESH_MS = 86_400_000

export function createOnDemandPriceBook(o: OnDemandPriceBookOptions): OnDemandPriceBook {
  const refreshMs = o.refreshMs ?? PRICE_REFRESH_MS
  const fallback = o.fallback ?? APPROX_ON_DEMAND_USD_PER_HOUR
  const key = (region: string, type: string): string => `${region}|${type}`
  const live = new Map<string, { pricePerHour: number; fetchedAt: number }>()
  for (const r of o.store?.all() ?? [])
    if (r.source === 'price-list')
      live.set(key(r.region, r.instanceType), {
        pricePerHour: r.pricePerHour,
        fetchedAt: r.fetchedAt
      })
  let lastFailure = ''

  return {
    quote(region, instanceType) {
      const hit = live.get(key(region, instanceType))
      if (hit) return { ...hit, source: 'price-list' }
      const offline = onDemandPrice(instanceType, fallback)
      return offline === undefined ? undefined : { pricePerHour: offline, source: 'offline-table' }
    },
    async refresh(region, instanceTypes) {
      const now = o.now()
      const due = [...new Set(instanceTypes)].filter((t) => {
        const hit = live.get(key(region, t))
        return !hit || now - hit.fetchedAt >= refreshMs
      })
      if (due.length === 0) return
      let got: Map<string, number>
      try {
        got = await o.fetch(region, due)
      } catch (error) {
        // offline, or no pricing:GetProducts: the last prices read (or the labelled table) stay in use
        const reason = isProviderError(error) ? error.message : errorText(error)
        if (reason !== lastFailure)
          o.log?.(
            `prices: ${reason}; on-demand prices stay the last ones read, else the offline table (approximate us-east-1 list prices)`
          )
        lastFailure = reason
        return
      }
      lastFailure = ''
      const rows: PriceRow[] = [...got].map(([instanceType, pricePerHour]) => ({
        region,
        instanceType,
        pricePerHour,
        source: 'price-list',
        fetchedAt: now
      }))
      for (const r of rows)
        live.set(key(region, r.instanceType), { pricePerHour: r.pricePerHour, fetchedAt: now })
      o.store?.put(rows)
      const missing = due.filter((t) => !got.has(t))
      o.log?.(
        `prices: ${rows.length} on-demand price${rows.length === 1 ? '' : 's'} in ${region} from the AWS Price List API` +
          (missing.length ? `; not listed there: ${missing.join(', ')}` : '')
      )
    }
  }
}
