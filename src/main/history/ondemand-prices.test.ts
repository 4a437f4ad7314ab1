import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openHistory } from './history'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('on-demand prices in history', () => {
  it('keeps one row per region and type, replaced by a newer read, across reopening the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synkti-prices-'))
    dirs.push(dir)
    const file = join(dir, 'history.db')
    const a = openHistory(file)
    a.onDemandPrices.put([
      {
        region: 'us-east-1',
        instanceType: 'g5.xlarge',
        pricePerHour: 1.006,
        source: 'price-list',
        fetchedAt: 1
      },
      {
        region: 'eu-west-1',
        instanceType: 'g5.xlarge',
        pricePerHour: 1.123,
        source: 'price-list',
        fetchedAt: 1
      }
    ])
    a.onDemandPrices.put([
      {
        region: 'us-east-1',
        instanceType: 'g5.xlarge',
        pricePerHour: 1.01,
        source: 'price-list',
        fetchedAt: 2
      }
    ])
    a.close()
    const b = openHistory(file)
    expect(b.onDemandPrices.all()).toEqual([
      {
        region: 'eu-west-1',
        instanceType: 'g5.xlarge',
        pricePerHour: 1.123,
        source: 'price-list',
        fetchedAt: 1
      },
      {
        region: 'us-east-1',
        instanceType: 'g5.xlarge',
        pricePerHour: 1.01,
        source: 'price-list',
        fetchedAt: 2
      }
    ])
    // a price of 0 is never stored: unknown stays unknown
    expect(() =>
      b.onDemandPrices.put([
        {
          region: 'us-east-1',
          instanceType: 'x.y',
          pricePerHour: 0,
          source: 'price-list',
          fetchedAt: 3
        }
      ])
    ).toThrow(/CHECK constraint/)
    b.close()
  })
})
