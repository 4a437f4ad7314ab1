import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTrace, TraceError, writeTraceJson, type LoadedTrace, type TraceZone } from './index'

const TRACES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../resources/traces')
const AWS_1 = join(TRACES, 'aws-v100-1node-2023-02')
const AWS_16 = join(TRACES, 'aws-v100-16node-2023-08')
const AWS_4 = join(TRACES, 'aws-v100-4node-preemption-2023-08')
const GCP = join(TRACES, 'gcp-h100-16node-2025-10')

function mean(values: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]
  return sum / values.length
}

function zone(trace: LoadedTrace, name: string): TraceZone {
  const z = trace.zones.find((x) => x.zone === name)
  if (!z) throw new Error(`no zone ${name}`)
  return z
}

describe('real traces', () => {
  let aws1: LoadedTrace
  let gcp: LoadedTrace
  beforeAll(() => {
    aws1 = loadTrace(AWS_1)
    gcp = loadTrace(GCP)
  })

  it('finds the bundled traces with their LICENSE and NOTICE', () => {
    expect(existsSync(join(TRACES, 'LICENSE')) && existsSync(join(TRACES, 'NOTICE'))).toBe(true)
  })

  it('AWS 1-node probes: 9 zones, 20,158 rows, ~195 s apart, README availabilities', () => {
    expect(aws1.zones.map((z) => z.zone)).toEqual([
      'us-east-1a',
      'us-east-1c',
      'us-east-1d',
      'us-east-1f',
      'us-east-2a',
      'us-east-2b',
      'us-west-2a',
      'us-west-2b',
      'us-west-2c'
    ])
    expect(aws1.ticks).toBe(20158)
    expect(aws1.gapSeconds).toBeGreaterThan(194.5)
    expect(aws1.gapSeconds).toBeLessThan(196)
    const readme: Record<string, number> = {
      'us-east-1a': 0.17,
      'us-east-1c': 0.47,
      'us-east-1d': 0.45,
      'us-east-1f': 0.59,
      'us-east-2a': 0.76,
      'us-east-2b': 0.68,
      'us-west-2a': 0.88,
      'us-west-2b': 0.9,
      'us-west-2c': 0.89
    }
    for (const z of aws1.zones) {
      expect(z.capacity.length).toBe(20158)
      expect(z.convention).toBe('available')
      expect(z.binary).toBe(true)
      expect(z.startTime).toBe('2023-02-15T22:08:16.000Z')
      expect(Math.abs(mean(z.capacity) - readme[z.zone])).toBeLessThan(0.01)
    }
    // ~45.5 days from first to last probe
    expect(((aws1.ticks - 1) * aws1.gapSeconds) / 86400).toBeCloseTo(45.57, 1)
  })

  it('AWS 1-node probes carry per-tick spot prices from spot_prices.json', () => {
    const east = zone(aws1, 'us-east-1a')
    expect(east.prices?.length).toBe(20158)
    expect(east.prices![0]).toBeCloseTo(1.6703, 4)
    // us-east-1a maps to use1-az2 in spot_price_summary.csv: time-weighted mean 1.6538
    expect(mean(east.prices!)).toBeCloseTo(1.654, 2)
    expect(Math.min(...zone(aws1, 'us-west-2b').prices!)).toBeCloseTo(0.918, 3)
    expect(aws1.instanceType).toMatchObject({
      name: 'p3.2xlarge',
      gpus: 1,
      gpuMemoryGiB: 16,
      networkGbps: 10,
      onDemandPrice: 3.06
    })
    expect(aws1.instanceType!.meanSpotPrice).toBeGreaterThan(0.918)
    expect(aws1.instanceType!.meanSpotPrice).toBeLessThan(1.3)
  })

  it('a single CSV file loads as one zone with its sibling prices', () => {
    const t = loadTrace(join(AWS_1, 'us-west-2b_v100_1.csv'))
    expect(t.zones).toHaveLength(1)
    expect(t.zones[0].zone).toBe('us-west-2b')
    expect(t.zones[0].prices?.length).toBe(20158)
    expect(t.gapSeconds).toBe(aws1.gapSeconds)
    expect(Array.from(t.zones[0].capacity)).toEqual(Array.from(zone(aws1, 'us-west-2b').capacity))
  })

  it('AWS 16-node counts: 3 zones, 0..16, 300 s, shortest zone bounds the ticks', () => {
    const t = loadTrace(AWS_16)
    expect(t.zones.map((z) => z.zone)).toEqual(['us-east-2b', 'us-west-2a', 'us-west-2c'])
    expect(t.gapSeconds).toBe(300)
    expect(t.zones.map((z) => z.capacity.length)).toEqual([3247, 4736, 4736])
    expect(t.ticks).toBe(3247)
    for (const z of t.zones) {
      expect(z.binary).toBe(false)
      expect(z.startTime).toBeUndefined()
      expect(Math.min(...z.capacity)).toBe(0)
      expect(Math.max(...z.capacity)).toBe(16)
    }
    expect(t.instanceType).toMatchObject({ name: 'p3.2xlarge', meanSpotPrice: 0.918 })
  })

  it('AWS 4-node preemption counts: values 0..4', () => {
    const t = loadTrace(AWS_4)
    expect(t.zones.map((z) => z.zone)).toEqual(['us-east-1f', 'us-east-2a', 'us-west-2c'])
    expect(t.ticks).toBe(3664)
    for (const z of t.zones) {
      expect(Math.max(...z.capacity)).toBe(4)
      expect(Math.min(...z.capacity)).toBe(0)
    }
    const single = loadTrace(join(AWS_4, 'us-east-2a_v100_1.json'))
    expect(single.zones[0].capacity.length).toBe(5131)
    expect(mean(single.zones[0].capacity)).toBeCloseTo(2.92, 2)
  })

  it('GCP H100: 13 zones, preempted convention inverted to ~77% availability', () => {
    expect(gcp.zones).toHaveLength(13)
    expect(gcp.ticks).toBe(2114)
    expect(gcp.gapSeconds).toBe(600)
    const perZone = gcp.zones.map((z) => mean(z.capacity))
    for (const z of gcp.zones) {
      expect(z.convention).toBe('preempted')
      expect(z.binary).toBe(true)
      expect(z.startTime).toBe('2025-10-04T00:10:00.002Z')
    }
    const overall = mean(perZone)
    expect(overall).toBeGreaterThan(0.72)
    expect(overall).toBeLessThan(0.82)
    // README: 1 = no capacity in the file; after conversion us-west1-b is the scarcest zone
    expect(mean(zone(gcp, 'us-west1-b').capacity)).toBeCloseTo(0.241, 2)
  })

  it('GCP prices are per GPU of an a3-highgpu-1g (8-GPU machine price / 8)', () => {
    const central = zone(gcp, 'us-central1-a')
    expect(central.onDemandPrice).toBeCloseTo(82.52543396 / 8, 9)
    expect(central.spotPrice).toBeCloseTo(18.979008 / 8, 9)
    // the undocumented per-tick "prices" array is whole-machine too
    expect(central.prices?.length).toBe(2114)
    expect(central.prices![0]).toBeCloseTo(18.979008 / 8, 9)
    expect(gcp.instanceType).toMatchObject({
      name: 'a3-highgpu-1g',
      gpus: 1,
      gpuMemoryGiB: 80,
      networkGbps: 50
    })
    expect(gcp.instanceType!.onDemandPrice).toBeCloseTo(
      mean(gcp.zones.map((z) => z.onDemandPrice!)),
      9
    )
    expect(gcp.instanceType!.meanSpotPrice).toBeCloseTo(mean(gcp.zones.map((z) => z.spotPrice!)), 9)
  })

  it('the convention option overrides detection', () => {
    const raw = loadTrace(join(GCP, 'us-west1-b.json'), { convention: 'available' })
    expect(raw.zones[0].convention).toBe('available')
    const inverted = zone(gcp, 'us-west1-b').capacity
    for (let i = 0; i < inverted.length; i++) expect(raw.zones[0].capacity[i]).toBe(1 - inverted[i])
  })
})

describe('detection, errors and round trip', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-traces-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  function put(rel: string, text: string): string {
    const file = join(dir, rel)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, text)
    return file
  }

  function csv(rows: Array<[string, number | string]>): string {
    return ['date,availability', ...rows.map(([d, v]) => `${d},${v}`)].join('\n') + '\n'
  }

  const even: Array<[string, number]> = [
    ['2024-01-01 00:00:00', 1],
    ['2024-01-01 00:05:00', 0],
    ['2024-01-01 00:10:01', 1],
    ['2024-01-01 00:15:01', 1]
  ]

  function expectTraceError(path: string, pattern: RegExp, file = path): void {
    let caught: unknown
    try {
      loadTrace(path)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(TraceError)
    const message = (caught as TraceError).message
    expect(message).toContain(file)
    expect(message).toMatch(pattern)
    expect(message).not.toContain('\n')
    expect(message).not.toMatch(/\bat .*:\d+:\d+/)
  }

  it('GCP files are recognised outside their folder; a gcp-* folder marks plain JSON as preempted', () => {
    const copy = join(dir, 'plain', 'us-east4-a.json')
    mkdirSync(dirname(copy), { recursive: true })
    copyFileSync(join(GCP, 'us-east4-a.json'), copy)
    expect(loadTrace(copy).zones[0].convention).toBe('preempted')
    const file = put(
      'gcp-mine/zone-x.json',
      JSON.stringify({ metadata: { gap_seconds: 60 }, data: [1, 0, 0] })
    )
    const t = loadTrace(file)
    expect(t.zones[0].convention).toBe('preempted')
    expect(Array.from(t.zones[0].capacity)).toEqual([0, 1, 1])
    const other = put(
      'aws-mine/zone-y.json',
      JSON.stringify({ metadata: { gap_seconds: 60, source_dir: 'runs/gcp_h100' }, data: [1, 0] })
    )
    expect(loadTrace(other).zones[0].convention).toBe('preempted')
  })

  it('CSV: even spacing within tolerance, zone from the file name, ISO start', () => {
    const file = put('ok/eu-west-1b_a10_7.csv', csv(even))
    const t = loadTrace(file)
    expect(t.zones[0].zone).toBe('eu-west-1b')
    expect(t.gapSeconds).toBeCloseTo(300.333, 3)
    expect(t.zones[0].startTime).toBe('2024-01-01T00:00:00.000Z')
    expect(t.zones[0].prices).toBeUndefined()
  })

  it('a folder skips price files and README/LICENSE/NOTICE', () => {
    put('mixed/README.md', '# hi')
    put('mixed/LICENSE', 'x')
    put('mixed/NOTICE', 'x')
    put('mixed/spot_price_summary.csv', 'az_id,price\n')
    put('mixed/spot_prices.json', JSON.stringify({ 'b-zone_x': [1, 2, 3, 4] }))
    put('mixed/b-zone_x.csv', csv(even))
    put('mixed/a-zone.json', JSON.stringify({ metadata: { gap_seconds: 300 }, data: [2, 3, 0] }))
    const t = loadTrace(join(dir, 'mixed'))
    expect(t.zones.map((z) => z.zone)).toEqual(['a-zone', 'b-zone'])
    expect(t.ticks).toBe(3)
    expect(Array.from(t.zones[1].prices!)).toEqual([1, 2, 3, 4])
    expect(t.instanceType).toBeUndefined()
  })

  it('rejects missing paths and folders without traces', () => {
    expectTraceError(join(dir, 'nope.csv'), /no such file/)
    mkdirSync(join(dir, 'empty'))
    expectTraceError(join(dir, 'empty'), /no trace files/)
    put('docs-only/README.md', 'x')
    expectTraceError(join(dir, 'docs-only'), /no trace files/)
    expectTraceError(put('pf/spot_prices.json', '{}'), /price file/)
  })

  it('rejects broken JSON traces', () => {
    expectTraceError(put('bad/invalid.json', '{"metadata": {'), /invalid JSON/)
    expectTraceError(
      put('bad/nodata.json', JSON.stringify({ metadata: { gap_seconds: 300 } })),
      /missing "data"/
    )
    expectTraceError(
      put('bad/nogap.json', JSON.stringify({ metadata: {}, data: [1] })),
      /gap_seconds/
    )
    expectTraceError(put('bad/nometa.json', JSON.stringify({ data: [1] })), /metadata/)
    expectTraceError(
      put('bad/zerogap.json', JSON.stringify({ metadata: { gap_seconds: 0 }, data: [1] })),
      /positive/
    )
    expectTraceError(
      put('bad/text.json', JSON.stringify({ metadata: { gap_seconds: 300 }, data: [1, 'x'] })),
      /data\[1\] is not a number/
    )
    expectTraceError(
      put('bad/neg.json', JSON.stringify({ metadata: { gap_seconds: 300 }, data: [1, -2] })),
      /data\[1\] is negative/
    )
    expectTraceError(
      put('bad/frac.json', JSON.stringify({ metadata: { gap_seconds: 300 }, data: [1.5] })),
      /whole number/
    )
    expectTraceError(
      put(
        'bad/inv.json',
        JSON.stringify({ metadata: { gap_seconds: 300, convention: 'preempted' }, data: [0, 3] })
      ),
      /preempted convention allows only 0 and 1/
    )
    expectTraceError(
      put(
        'bad/conv.json',
        JSON.stringify({ metadata: { gap_seconds: 300, convention: 'up' }, data: [0] })
      ),
      /convention/
    )
    expectTraceError(
      put(
        'bad/start.json',
        JSON.stringify({ metadata: { gap_seconds: 300, start_time: 'soon' }, data: [0] })
      ),
      /start_time/
    )
  })

  it('rejects broken CSV traces', () => {
    expectTraceError(put('badcsv/header.csv', 'time,up\n2024-01-01 00:00:00,1\n'), /bad CSV header/)
    expectTraceError(
      put(
        'badcsv/date.csv',
        csv([
          ['2024-01-01 00:00:00', 1],
          ['2024-13-01 00:05:00', 1]
        ])
      ),
      /bad date .* line 3/
    )
    expectTraceError(
      put(
        'badcsv/feb30.csv',
        csv([
          ['2024-02-30 00:00:00', 1],
          ['2024-03-01 00:05:00', 1]
        ])
      ),
      /bad date/
    )
    expectTraceError(
      put(
        'badcsv/value.csv',
        csv([
          ['2024-01-01 00:00:00', 1],
          ['2024-01-01 00:05:00', 'yes']
        ])
      ),
      /not a number/
    )
    expectTraceError(
      put(
        'badcsv/neg.csv',
        csv([
          ['2024-01-01 00:00:00', 1],
          ['2024-01-01 00:05:00', -1]
        ])
      ),
      /negative/
    )
    expectTraceError(put('badcsv/short.csv', csv([['2024-01-01 00:00:00', 1]])), /at least 2 rows/)
    expectTraceError(
      put('badcsv/gap.csv', csv([...even, ['2024-01-01 00:25:01', 1], ['2024-01-01 00:30:01', 1]])),
      /uneven spacing: lines 5 and 6 are 600 s apart/
    )
    expectTraceError(
      put(
        'badcsv/back.csv',
        csv([
          ['2024-01-01 00:05:00', 1],
          ['2024-01-01 00:00:00', 1]
        ])
      ),
      /do not increase/
    )
  })

  it('rejects a price list of the wrong length and zones with different gaps', () => {
    put('prices/spot_prices.json', JSON.stringify({ 'us-x-1a_v100_1': [1, 2] }))
    const file = put('prices/us-x-1a_v100_1.csv', csv(even))
    expectTraceError(
      file,
      /spot_prices\.json has 2 prices for "us-x-1a_v100_1", the trace has 4 rows/
    )
    put('gaps/a.json', JSON.stringify({ metadata: { gap_seconds: 300 }, data: [1] }))
    const b = put('gaps/b.json', JSON.stringify({ metadata: { gap_seconds: 600 }, data: [1] }))
    expectTraceError(join(dir, 'gaps'), /gap_seconds 600 differs from 300/, b)
    put('dup/x_1.json', JSON.stringify({ metadata: { gap_seconds: 300 }, data: [1] }))
    const dup = put('dup/x_2.json', JSON.stringify({ metadata: { gap_seconds: 300 }, data: [1] }))
    expectTraceError(join(dir, 'dup'), /zone "x" is also given/, dup)
  })

  it('writeTraceJson round-trips a window of a real GCP zone, even under a gcp-* folder', () => {
    const source = loadTrace(join(GCP, 'us-east4-a.json')).zones[0]
    const window: TraceZone = {
      ...source,
      startTime: new Date(Date.parse(source.startTime!) + 100 * 600_000).toISOString(),
      capacity: source.capacity.slice(100, 400),
      prices: source.prices!.slice(100, 400)
    }
    const file = put('gcp-export/us-east4-a.json', writeTraceJson(window))
    const back = loadTrace(file)
    const z = back.zones[0]
    expect(z.convention).toBe('available')
    expect(z.zone).toBe('us-east4-a')
    expect(z.gapSeconds).toBe(600)
    expect(z.startTime).toBe(window.startTime)
    expect(z.binary).toBe(true)
    expect(Array.from(z.capacity)).toEqual(Array.from(window.capacity))
    expect(Array.from(z.prices!)).toEqual(Array.from(window.prices!))
    expect(z.spotPrice).toBe(source.spotPrice)
    expect(z.onDemandPrice).toBe(source.onDemandPrice)
  })

  it('writeTraceJson keeps a 0/1 window of a count trace a count trace', () => {
    const count: TraceZone = {
      zone: 'us-west-2c',
      gapSeconds: 300,
      convention: 'available',
      binary: false,
      capacity: Int32Array.from([0, 1, 1, 0]),
      source: 'memory'
    }
    const back = loadTrace(put('counts/us-west-2c_v100_1.json', writeTraceJson(count))).zones[0]
    expect(back.binary).toBe(false)
    expect(back.startTime).toBeUndefined()
    expect(Array.from(back.capacity)).toEqual([0, 1, 1, 0])
  })
})
