import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { manualClock } from '../../../../test/support/manual-clock'
import { startPricingServer, type PricingServer } from '../../../../test/fixtures/pricing-server'
import { priceViews, startLivePriceBook } from './pricing-refresh'
import type { PriceRow } from './pricing'

let server: PricingServer
beforeAll(async () => {
  server = await startPricingServer()
})
afterAll(() => server.close())

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
}

describe('the live price book of a runtime on AWS', () => {
  it('reads the prices at start, keeps them, and re-reads them only once a day has passed', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_PRICING', server.url)
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test')
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test')
    vi.stubEnv('AWS_PROFILE', '')
    const clock = manualClock(5_000)
    const rows: PriceRow[] = []
    const log: string[] = []
    const live = startLivePriceBook({
      clock,
      store: { put: (r) => void rows.push(...r), all: () => rows },
      regions: ['us-east-1'],
      instanceTypes: () => ['g5.xlarge'],
      log: (l) => log.push(l)
    })
    try {
      await until(() => rows.length > 0)
      expect(live.book.quote('us-east-1', 'g5.xlarge')).toEqual({
        pricePerHour: 1.006,
        source: 'price-list',
        fetchedAt: 5_000
      })
      expect(log).toEqual(['prices: 1 on-demand price in us-east-1 from the AWS Price List API'])
      // what the status shows: each price with its source, unknown as unknown
      expect(priceViews(live, ['g5.xlarge', 'g6.xlarge', 'p4d.24xlarge'], ['us-east-1'])).toEqual([
        {
          region: 'us-east-1',
          instanceType: 'g5.xlarge',
          pricePerHour: 1.006,
          source: 'price-list',
          fetchedAt: 5_000
        },
        {
          region: 'us-east-1',
          instanceType: 'g6.xlarge',
          pricePerHour: 0.8048,
          source: 'offline-table'
        },
        { region: 'us-east-1', instanceType: 'p4d.24xlarge', pricePerHour: null, source: 'unknown' }
      ])
      const asked = server.requests.length
      await clock.advance(3_600_000) // an hour: checked, still fresh
      await new Promise((r) => setTimeout(r, 50))
      expect(server.requests).toHaveLength(asked)
      await clock.advance(23 * 3_600_000)
      await until(() => rows.length > 1)
      expect(rows.at(-1)).toMatchObject({ fetchedAt: 5_000 + 24 * 3_600_000 })
    } finally {
      live.stop()
      await live.stopped
      vi.unstubAllEnvs()
    }
  })
})
