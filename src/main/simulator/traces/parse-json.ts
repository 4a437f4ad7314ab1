import { basename, dirname } from 'node:path'
import { TraceError, type TraceConvention } from './types'
import { checkCount, checkPrice, isBinary, short } from './values'
import { errorText } from '../../../shared/errors'

export interface ParsedJson {
  zone?: string
  gapSeconds: number
  startTime?: string
  convention: TraceConvention
  /** already in the available form */
  values: Int32Array
  binary: boolean
  prices?: Float64Array
  /** per single-GPU machine when the file prices a multi-GPU machine, $/h */
  spotPrice?: number
  onDemandPrice?: number
  /** machine type named in price_info, e.g. a3-highgpu-8g */
  machineType?: string
}

type Json = Record<string, unknown>

/** Parses the `{ metadata: { gap_seconds, ... }, data: [n, ...] }` layout of the AWS count and GCP sets. */
export function parseJsonTrace(file: string, text: string, forced?: TraceConvention): ParsedJson {
  const root = parseObject(file, text)
  const meta = root.metadata
  if (!isObject(meta)) throw new TraceError(file, 'missing "metadata" object')
  const gapSeconds = meta.gap_seconds
  if (gapSeconds === undefined) throw new TraceError(file, 'missing metadata.gap_seconds')
  if (typeof gapSeconds !== 'number' || !(gapSeconds > 0) || !Number.isFinite(gapSeconds)) {
    throw new TraceError(
      file,
      `metadata.gap_seconds must be a positive number (${short(gapSeconds)})`
    )
  }
  if (!Array.isArray(root.data))
    throw new TraceError(
      file,
      root.data === undefined ? 'missing "data" array' : '"data" is not an array'
    )
  if (root.data.length === 0) throw new TraceError(file, '"data" is empty')
  const convention = forced ?? declaredConvention(file, meta) ?? detectConvention(file, meta)
  const values = toAvailable(file, root.data, convention)
  const priceInfo = isObject(meta.price_info) ? meta.price_info : undefined
  const machineType =
    typeof priceInfo?.machine_type === 'string' ? priceInfo.machine_type : undefined
  return {
    zone: typeof meta.zone === 'string' && meta.zone.trim() !== '' ? meta.zone.trim() : undefined,
    gapSeconds,
    startTime: parseStartTime(file, meta.start_time),
    convention,
    values,
    // A window cut from a count trace may hold only 0s and 1s; its writer can say it is not a probe trace.
    binary: meta.binary !== false && isBinary(values),
    prices: parsePrices(
      file,
      root.prices,
      values.length,
      machineGpus(priceInfo, meta, machineType)
    ),
    ...machinePrices(file, meta, priceInfo, machineType),
    machineType
  }
}

function parseObject(file: string, text: string): Json {
  let root: unknown
  try {
    root = JSON.parse(text)
  } catch (err) {
    throw new TraceError(file, `invalid JSON (${errorText(err).split('\n')[0]})`)
  }
  if (!isObject(root))
    throw new TraceError(file, 'expected a JSON object with "metadata" and "data"')
  return root
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Files this project writes say their convention; it beats any guess from names. */
function declaredConvention(file: string, meta: Json): TraceConvention | undefined {
  if (meta.convention === undefined) return undefined
  if (meta.convention === 'available' || meta.convention === 'preempted') return meta.convention
  throw new TraceError(
    file,
    `metadata.convention must be "available" or "preempted" (${short(meta.convention)})`
  )
}

/**
 * The GCP H100 set marks 1 = preempted / no capacity. It is recognised by its A3 price info, its
 * source_dir, or a folder named gcp-...; everything else counts available instances.
 */
export function detectConvention(file: string, meta: Json): TraceConvention {
  const priceInfo = isObject(meta.price_info) ? meta.price_info : undefined
  const machine = typeof priceInfo?.machine_type === 'string' ? priceInfo.machine_type : ''
  const sourceDir = typeof meta.source_dir === 'string' ? meta.source_dir : ''
  if (/^a3-/i.test(machine) || /gcp/i.test(sourceDir) || /^gcp/i.test(basename(dirname(file))))
    return 'preempted'
  return 'available'
}

function toAvailable(file: string, data: unknown[], convention: TraceConvention): Int32Array {
  const values = new Int32Array(data.length)
  for (let i = 0; i < data.length; i++) {
    const v = checkCount(file, data[i], `data[${i}]`)
    if (convention === 'preempted') {
      // Only a 0/1 flag can be inverted; a count would need the requested total, which is not recorded.
      if (v > 1)
        throw new TraceError(
          file,
          `data[${i}] is ${v}, but the preempted convention allows only 0 and 1`
        )
      values[i] = 1 - v
    } else {
      values[i] = v
    }
  }
  return values
}

function parseStartTime(file: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  const ms = typeof value === 'string' ? Date.parse(value) : NaN
  if (Number.isNaN(ms))
    throw new TraceError(file, `metadata.start_time is not an ISO-8601 time (${short(value)})`)
  return new Date(ms).toISOString()
}

/**
 * Optional per-tick prices, same index as data. The GCP files carry one (undocumented in their README)
 * priced for the whole machine of price_info, so it is divided like price_info.price; files written by
 * writeTraceJson carry per-instance prices.
 */
function parsePrices(
  file: string,
  value: unknown,
  length: number,
  divisor: number
): Float64Array | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) throw new TraceError(file, '"prices" is not an array')
  if (value.length !== length)
    throw new TraceError(file, `"prices" has ${value.length} entries, "data" has ${length}`)
  return Float64Array.from(value, (p, i) => checkPrice(file, p, `prices[${i}]`) / divisor)
}

/** GPUs of the machine price_info prices (a3-highgpu-8g -> 8); 1 for per-instance figures. */
function machineGpus(
  priceInfo: Json | undefined,
  meta: Json,
  machineType: string | undefined
): number {
  if (!priceInfo || meta.spot_price !== undefined) return 1
  return Number(/-(\d+)g$/.exec(machineType ?? '')?.[1] ?? 1) || 1
}

/**
 * Spot and on-demand prices of one single-GPU machine. GCP price_info prices the whole machine it
 * names (a3-highgpu-8g: 8 GPUs); the traces requested a3-highgpu-1g, which Google bills per GPU
 * share, so the per-GPU figure is the whole-machine price over its GPU count. Files written by
 * writeTraceJson carry spot_price / on_demand_price already per instance.
 */
function machinePrices(
  file: string,
  meta: Json,
  priceInfo: Json | undefined,
  machineType: string | undefined
): { spotPrice?: number; onDemandPrice?: number } {
  const out: { spotPrice?: number; onDemandPrice?: number } = {}
  if (meta.spot_price !== undefined)
    out.spotPrice = checkPrice(file, meta.spot_price, 'metadata.spot_price')
  if (meta.on_demand_price !== undefined)
    out.onDemandPrice = checkPrice(file, meta.on_demand_price, 'metadata.on_demand_price')
  if (!priceInfo) return out
  const gpus = machineGpus(priceInfo, {}, machineType)
  if (priceInfo.price !== undefined && out.spotPrice === undefined) {
    out.spotPrice = checkPrice(file, priceInfo.price, 'metadata.price_info.price') / gpus
  }
  if (priceInfo.on_demand_price !== undefined && out.onDemandPrice === undefined) {
    out.onDemandPrice =
      checkPrice(file, priceInfo.on_demand_price, 'metadata.price_info.on_demand_price') / gpus
  }
  return out
}
