// On-demand list prices as last read from the AWS Price List API, per region and instance type,
// with when they were read and from where: the price book (providers/aws/pricing.ts) reads them at
// start and refreshes them, so a restart or an offline machine still has real prices and their age.
import type Database from 'better-sqlite3'

export interface OnDemandPriceRow {
  region: string
  instanceType: string
  pricePerHour: number
  /** where the price came from, e.g. 'price-list' */
  source: string
  fetchedAt: number
}

export interface OnDemandPriceStore {
  /** stores (or replaces) each row in one transaction */
  put(rows: readonly OnDemandPriceRow[]): void
  all(): OnDemandPriceRow[]
}

export function createOnDemandPriceStore(db: Database.Database): OnDemandPriceStore {
  const upsert = db.prepare(
    'INSERT INTO ondemand_prices (region, type, price, source, fetched_at) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (region, type) DO UPDATE SET price = excluded.price, source = excluded.source, fetched_at = excluded.fetched_at'
  )
  const all = db.prepare<
    [],
    { region: string; type: string; price: number; source: string; fetched_at: number }
  >('SELECT region, type, price, source, fetched_at FROM ondemand_prices ORDER BY region, type')
  const putAll = db.transaction((rows: readonly OnDemandPriceRow[]) => {
    for (const r of rows)
      upsert.run(r.region, r.instanceType, r.pricePerHour, r.source, r.fetchedAt)
  })
  return {
    put: (rows) => putAll(rows),
    all: () =>
      all.all().map((r) => ({
        region: r.region,
        instanceType: r.type,
        pricePerHour: r.price,
        source: r.source,
        fetchedAt: r.fetched_at
      }))
  }
}
