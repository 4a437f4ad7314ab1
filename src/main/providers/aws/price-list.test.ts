import { PricingClient } from '@aws-sdk/client-pricing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPricingServer, type PricingServer } from '../../../../test/fixtures/pricing-server'
import { ProviderError } from '../errors'
import { fetchOnDemandPrices } from './price-list'
import { createOnDemandPriceBook, type PriceRow } from './pricing'

let server: PricingServer
let pricing: PricingClient

beforeAll(async () => {
  server = await startPricingServer()
  pricing = new PricingClient({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1
  })
})
afterAll(() => server.close())

describe('on-demand prices from the AWS Price List API (recorded GetProducts answers)', () => {
  it('takes the Linux, shared-tenancy, no-software hourly rate and skips every other item', async () => {
    const prices = await fetchOnDemandPrices(pricing, 'us-east-1', ['g5.xlarge', 'g9.huge'])
    // the page also holds the Windows price (1.842) and reserved terms: neither is the on-demand Linux hour
    expect([...prices]).toEqual([['g5.xlarge', 1.006]])
    expect(server.requests.at(-2)).toEqual({
      instanceType: 'g5.xlarge',
      regionCode: 'us-east-1',
      nextToken: undefined
    })
  })

  it('follows NextToken to the page that has the price', async () => {
    server.requests.length = 0
    const prices = await fetchOnDemandPrices(pricing, 'eu-west-1', ['g6.xlarge'])
    expect(prices.get('g6.xlarge')).toBe(0.8941)
    expect(server.requests.map((r) => r.nextToken)).toEqual([undefined, 'page-2'])
  })

  it('a failing API is one line naming pricing:GetProducts', async () => {
    server.failNext(503)
    const err = await fetchOnDemandPrices(pricing, 'us-east-1', ['g5.xlarge']).catch(
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(ProviderError)
    expect((err as ProviderError).message).toMatch(
      /^Reading the on-demand price of g5\.xlarge in us-east-1 from the AWS Price List API failed: /
    )
  })
})

describe('the on-demand price book', () => {
  function store(rows: PriceRow[] = []) {
    return { rows, put: (r: readonly PriceRow[]) => void rows.push(...r), all: () => rows }
  }

  it('serves the labelled offline table until the API answers, then the live price, kept in the store', async () => {
    let t = 1_000
    const kept = store()
    const log: string[] = []
    const book = createOnDemandPriceBook({
      fetch: (region, types) => fetchOnDemandPrices(pricing, region, types),
      store: kept,
      now: () => t,
      log: (l) => log.push(l)
    })
    expect(book.quote('us-east-1', 'g5.xlarge')).toEqual({
      pricePerHour: 1.006,
      source: 'offline-table'
    })
    expect(book.quote('us-east-1', 'p4d.24xlarge')).toBeUndefined()
    await book.refresh('eu-west-1', ['g6.xlarge', 'p4d.24xlarge'])
    expect(book.quote('eu-west-1', 'g6.xlarge')).toEqual({
      pricePerHour: 0.8941,
      source: 'price-list',
      fetchedAt: 1_000
    })
    // still unknown where neither the API nor the table has it: blocked under a cap, never $0
    expect(book.quote('eu-west-1', 'p4d.24xlarge')).toBeUndefined()
    expect(kept.rows).toEqual([
      {
        region: 'eu-west-1',
        instanceType: 'g6.xlarge',
        pricePerHour: 0.8941,
        source: 'price-list',
        fetchedAt: 1_000
      }
    ])
    expect(log).toEqual([
      'prices: 1 on-demand price in eu-west-1 from the AWS Price List API; not listed there: p4d.24xlarge'
    ])
    // a restart reads the stored price back without asking the API
    server.requests.length = 0
    const again = createOnDemandPriceBook({
      fetch: (r, ty) => fetchOnDemandPrices(pricing, r, ty),
      store: kept,
      now: () => t
    })
    await again.refresh('eu-west-1', ['g6.xlarge'])
    expect(server.requests).toEqual([])
    expect(again.quote('eu-west-1', 'g6.xlarge')?.source).toBe('price-list')
    // a day later it is read again
    t += 86_400_000
    await again.refresh('eu-west-1', ['g6.xlarge'])
    expect(server.requests).toHaveLength(2)
  })

  it('an outage keeps the last prices and says so once', async () => {
    const log: string[] = []
    const book = createOnDemandPriceBook({
      fetch: (region, types) => fetchOnDemandPrices(pricing, region, types),
      now: () => 0,
      log: (l) => log.push(l)
    })
    server.failNext(503, 2)
    await book.refresh('us-east-1', ['g5.xlarge'])
    await book.refresh('us-east-1', ['g5.xlarge'])
    expect(log).toHaveLength(1)
    expect(log[0]).toMatch(/^prices: Reading the on-demand price of g5\.xlarge .* offline table/)
    expect(book.quote('us-east-1', 'g5.xlarge')?.source).toBe('offline-table')
    await book.refresh('us-east-1', ['g5.xlarge'])
    expect(book.quote('us-east-1', 'g5.xlarge')).toMatchObject({
      pricePerHour: 1.006,
      source: 'price-list'
    })
  })
})
