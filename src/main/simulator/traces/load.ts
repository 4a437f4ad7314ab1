import { existsSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import type { InstanceTypeSpec } from '../../../shared/simulation'
import { parseCsvTrace } from './parse-csv'
import { checkTracePath, PRICE_FILE, readTraceText } from './path-check'
import { parseJsonTrace, type ParsedJson } from './parse-json'
import { TraceError, type LoadedTrace, type LoadTraceOptions, type TraceZone } from './types'
import { checkPrice, isBinary } from './values'
import { errorText } from '../../../shared/errors'

/** Zones of one trace may differ this much in gap (CSV gaps are measured means), relative. */
const GAP_TOLERANCE = 0.005

/**
 * Loads a trace file, or every trace file of a folder (one zone each, in file-name order). The path
 * passes checkTracePath first (regular files only, size caps), and every read is bounded.
 */
export function loadTrace(path: string, options: LoadTraceOptions = {}): LoadedTrace {
  const files = traceFiles(path)
  const prices = new PriceFiles()
  const zones = files.map((file) => loadZone(file, options, prices))
  return assemble(path, zones)
}

/** The trace files named by `path`: the file itself, or the folder's .csv/.json files sorted by name. */
export function traceFiles(path: string): string[] {
  return checkTracePath(path).files
}

/** Zone name from the file name: text before the first `_` (us-east-1a_v100_1.csv -> us-east-1a). */
export function zoneFromFileName(file: string): string {
  const stem = basename(file, extname(file))
  return stem.split('_')[0] || stem
}

function loadZone(
  file: string,
  options: LoadTraceOptions,
  prices: PriceFiles
): TraceZone & { machineType?: string } {
  const text = readTraceText(file)
  const isCsv = extname(file).toLowerCase() === '.csv'
  const parsed: ParsedJson = isCsv
    ? fromCsv(file, text, options)
    : parseJsonTrace(file, text, options.convention)
  const tickPrices = parsed.prices ?? prices.forTrace(file, parsed.values.length)
  return {
    zone: parsed.zone ?? zoneFromFileName(file),
    gapSeconds: parsed.gapSeconds,
    ...(parsed.startTime !== undefined && { startTime: parsed.startTime }),
    convention: parsed.convention,
    binary: parsed.binary,
    capacity: parsed.values,
    ...(tickPrices && { prices: tickPrices }),
    ...(parsed.spotPrice !== undefined && { spotPrice: parsed.spotPrice }),
    ...(parsed.onDemandPrice !== undefined && { onDemandPrice: parsed.onDemandPrice }),
    source: file,
    ...(parsed.machineType !== undefined && { machineType: parsed.machineType })
  }
}

/** CSV probes say `availability` outright; only an explicit override can flip them. */
function fromCsv(file: string, text: string, options: LoadTraceOptions): ParsedJson {
  const csv = parseCsvTrace(file, text)
  const convention = options.convention ?? 'available'
  if (convention === 'preempted') {
    for (let i = 0; i < csv.values.length; i++) {
      if (csv.values[i] > 1)
        throw new TraceError(
          file,
          `row ${i + 1} is ${csv.values[i]}, but the preempted convention allows only 0 and 1`
        )
      csv.values[i] = 1 - csv.values[i]
    }
  }
  return {
    gapSeconds: csv.gapSeconds,
    startTime: csv.startTime,
    convention,
    values: csv.values,
    binary: isBinary(csv.values)
  }
}

/** Sibling spot_prices.json files, read once per folder: `{ "<file stem>": [price, ...] }`. */
class PriceFiles {
  private readonly byFolder = new Map<string, Record<string, unknown> | undefined>()

  forTrace(file: string, length: number): Float64Array | undefined {
    const priceFile = join(dirname(file), PRICE_FILE)
    const table = this.table(priceFile)
    const key = basename(file, extname(file))
    const list = table?.[key]
    if (list === undefined) return undefined
    if (!Array.isArray(list)) throw new TraceError(priceFile, `"${key}" is not an array of prices`)
    if (list.length !== length) {
      throw new TraceError(
        file,
        `${PRICE_FILE} has ${list.length} prices for "${key}", the trace has ${length} rows`
      )
    }
    return Float64Array.from(list, (p, i) => checkPrice(priceFile, p, `"${key}"[${i}]`))
  }

  private table(priceFile: string): Record<string, unknown> | undefined {
    if (!this.byFolder.has(priceFile)) this.byFolder.set(priceFile, readPriceTable(priceFile))
    return this.byFolder.get(priceFile)
  }
}

function readPriceTable(priceFile: string): Record<string, unknown> | undefined {
  if (!existsSync(priceFile)) return undefined
  const text = readTraceText(priceFile)
  let table: unknown
  try {
    table = JSON.parse(text)
  } catch (err) {
    throw new TraceError(priceFile, `invalid JSON (${errorText(err).split('\n')[0]})`)
  }
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new TraceError(priceFile, 'expected an object of { "<trace file stem>": [price, ...] }')
  }
  return table as Record<string, unknown>
}

function assemble(path: string, loaded: Array<TraceZone & { machineType?: string }>): LoadedTrace {
  const seen = new Map<string, string>()
  for (const z of loaded) {
    const other = seen.get(z.zone)
    if (other !== undefined)
      throw new TraceError(z.source, `zone "${z.zone}" is also given by ${other}`)
    seen.set(z.zone, z.source)
  }
  const gapSeconds = loaded[0].gapSeconds
  for (const z of loaded) {
    if (Math.abs(z.gapSeconds - gapSeconds) > GAP_TOLERANCE * gapSeconds) {
      throw new TraceError(
        z.source,
        `gap_seconds ${z.gapSeconds} differs from ${gapSeconds} of ${loaded[0].source}; zones of one trace must share it`
      )
    }
  }
  const instanceType = instanceTypeHint(loaded)
  const zones = loaded.map(({ machineType: _machineType, ...zone }) => zone)
  return {
    zones,
    ticks: Math.min(...zones.map((z) => z.capacity.length)),
    gapSeconds,
    ...(instanceType && { instanceType })
  }
}

type Family = 'aws-v100' | 'gcp-a3-high' | undefined

function family(zone: TraceZone & { machineType?: string }): Family {
  if (zone.machineType && /^a3-highgpu-/i.test(zone.machineType)) return 'gcp-a3-high'
  if (/_v100/i.test(basename(zone.source)) || /v100/i.test(basename(dirname(zone.source))))
    return 'aws-v100'
  return undefined
}

/** The instance type the data set measured, when every zone comes from the same recognised set. */
export function instanceTypeHint(
  zones: Array<TraceZone & { machineType?: string }>
): InstanceTypeSpec | undefined {
  const families = new Set(zones.map(family))
  if (families.size !== 1) return undefined
  const kind = [...families][0]
  if (kind === 'aws-v100') {
    const priced = zones.filter((z) => z.prices && z.prices.length > 0)
    return {
      // AWS on-demand price of p3.2xlarge (1 x V100 16 GiB, up to 10 Gbps), us-east-1, Linux.
      name: 'p3.2xlarge',
      gpus: 1,
      gpuMemoryGiB: 16,
      networkGbps: 10,
      onDemandPrice: 3.06,
      // Without a price file: AWS's floor spot price for p3.2xlarge (30% of on-demand), the price
      // most us-east-2 / us-west-2 zones sat at during the trace window.
      meanSpotPrice: priced.length > 0 ? average(priced.map((z) => average(z.prices!))) : 0.918
    }
  }
  if (kind === 'gcp-a3-high') {
    const spot = zones.filter((z) => z.spotPrice !== undefined).map((z) => z.spotPrice!)
    const onDemand = zones.filter((z) => z.onDemandPrice !== undefined).map((z) => z.onDemandPrice!)
    if (spot.length === 0 || onDemand.length === 0) return undefined
    return {
      // 1 x H100 80 GB. The runs requested a3-highgpu-1g; prices are a3-highgpu-8g's over 8 GPUs,
      // averaged over zones (on-demand differs by region, from $10.32 to $13.38 per GPU-hour).
      name: 'a3-highgpu-1g',
      gpus: 1,
      gpuMemoryGiB: 80,
      // Checkpoint transfers go over the VM's NIC. A3 High VMs get a share of the 8-GPU host's
      // bandwidth by GPU count; 50 Gbps is our working figure for the 1-GPU shape (Google's table
      // lists the smaller shapes at tens of Gbps, far above p3.2xlarge's 10). Check before relying
      // on checkpoint timings for this type.
      networkGbps: 50,
      onDemandPrice: average(onDemand),
      meanSpotPrice: average(spot)
    }
  }
  return undefined
}

function average(values: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]
  return sum / values.length
}
