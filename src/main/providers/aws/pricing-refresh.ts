// Keeps the on-demand price book fresh while a runtime runs on AWS: at start and then every hour it
// asks the book to re-read the prices that are missing or older than a day (a no-op otherwise), for
// the instance types the fleet may launch, in every region it uses.
import { PricingClient, type PricingClientConfig } from '@aws-sdk/client-pricing'
import type { OnDemandPriceView } from '../../../shared/api'
import type { Clock } from '../../clock'
import { ec2ClientConfig } from './client'
import { PRICE_LIST_REGION, fetchOnDemandPrices } from './price-list'
import { createOnDemandPriceBook, type OnDemandPriceBook, type PriceRow } from './pricing'

export const PRICE_CHECK_INTERVAL_MS = 3_600_000

export interface LivePriceBookOptions {
  profile?: string
  clock: Clock
  store: { put(rows: readonly PriceRow[]): void; all(): PriceRow[] }
  regions: readonly string[]
  /** the instance types worth pricing now (the workloads' and the settings') */
  instanceTypes: () => string[]
  log?: (line: string) => void
}

export interface LivePriceBook {
  book: OnDemandPriceBook
  stop(): void
  /** resolves once the refresh loop has ended after stop() */
  stopped: Promise<void>
}

export function startLivePriceBook(o: LivePriceBookOptions): LivePriceBook {
  const pricing = new PricingClient(
    ec2ClientConfig({ region: PRICE_LIST_REGION, profile: o.profile }) as PricingClientConfig
  )
  const book = createOnDemandPriceBook({
    fetch: (region, types) => fetchOnDemandPrices(pricing, region, types),
    store: o.store,
    now: o.clock.now,
    log: o.log
  })
  const stopping = new AbortController()
  const done = (async () => {
    while (!stopping.signal.aborted) {
      const types = o.instanceTypes()
      for (const region of o.regions) if (types.length) await book.refresh(region, types)
      await o.clock.sleep(PRICE_CHECK_INTERVAL_MS, stopping.signal).catch((error: unknown) => {
        if (!stopping.signal.aborted) throw error // stop() ends the wait; anything else is a bug
      })
    }
  })()
  return {
    book,
    stop: () => stopping.abort(),
    stopped: done
  }
}

/** each type's price in each region as the status shows it: the price, its source, its age */
export function priceViews(
  live: LivePriceBook,
  instanceTypes: readonly string[],
  regions: readonly string[]
): OnDemandPriceView[] {
  return regions.flatMap((region) =>
    instanceTypes.map((instanceType) => {
      const q = live.book.quote(region, instanceType)
      return {
        region,
        instanceType,
        pricePerHour: q?.pricePerHour ?? null,
        source: q?.source ?? 'unknown',
        ...(q?.fetchedAt !== undefined ? { fetchedAt: q.fetchedAt } : {})
      }
    })
  )
}
