import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MAX_EXPORT_TICKS } from '../../shared/api'
import type { FleetEvent, ManagedInstance } from '../../shared/fleet'
import { applyFleetEvent, isAvailableSpot, type Fleet, type InstanceLookup } from './fleet-state'
import type { HistoryTrace } from './types'

export interface TraceInput {
  /** the fleet just before fromMs */
  initial: ManagedInstance[]
  /** events with fromMs <= at < toMs, in order */
  events: FleetEvent[]
  fromMs: number
  toMs: number
  gapSeconds: number
  zone?: string
  lookup?: InstanceLookup
}

/**
 * Steps the fleet through the window and samples it at each tick start (tick i at
 * fromMs + i * gap, events at exactly that instant applied), counting available spot instances per
 * zone. A zone appears when any spot instance of the fleet was there during the window.
 */
export function buildTraces(input: TraceInput): Record<string, HistoryTrace> {
  const { fromMs, toMs, gapSeconds } = input
  // a trace needs at least one tick: the importer rejects an empty "data"
  if (!(toMs > fromMs)) throw new Error(`trace window must be non-empty, got [${fromMs}, ${toMs})`)
  const ticks = checkExportWindow(fromMs, toMs, gapSeconds)
  const fleet: Fleet = new Map(input.initial.map((i) => [i.id, i]))
  const zones = new Set<string>(input.zone !== undefined ? [input.zone] : spotZones(fleet.values()))
  const samples: Map<string, number>[] = []
  let next = 0
  for (let i = 0; i < ticks; i++) {
    const t = fromMs + i * gapSeconds * 1000
    for (; next < input.events.length && input.events[next].at <= t; next++) {
      applyFleetEvent(fleet, input.events[next], input.lookup)
      if (input.zone === undefined) for (const z of spotZones(fleet.values())) zones.add(z)
    }
    samples.push(countAvailable(fleet.values()))
  }
  return toTraces(zones, samples, fromMs, gapSeconds)
}

/**
 * The ticks of gapSeconds a window [fromMs, toMs) is cut into, or a RangeError past
 * MAX_EXPORT_TICKS: one sample per tick is built synchronously, so an unbounded window (from 0 to
 * now is 6e6 ticks of 300 s) would freeze the daemon and then exhaust its memory.
 */
export function checkExportWindow(fromMs: number, toMs: number, gapSeconds: number): number {
  if (!(gapSeconds > 0) || !Number.isFinite(gapSeconds))
    throw new Error(`gapSeconds must be > 0, got ${gapSeconds}`)
  const ticks = Math.ceil((toMs - fromMs) / (gapSeconds * 1000))
  if (!(ticks <= MAX_EXPORT_TICKS))
    throw new RangeError(
      `the window is ${ticks} ticks of ${gapSeconds} s; an export has at most ${MAX_EXPORT_TICKS} (pick a shorter window or a larger gap)`
    )
  return ticks
}

function spotZones(instances: Iterable<ManagedInstance>): string[] {
  const out: string[] = []
  for (const i of instances) if (i.market === 'spot') out.push(i.zone)
  return out
}

function countAvailable(instances: Iterable<ManagedInstance>): Map<string, number> {
  const counts = new Map<string, number>()
  for (const i of instances)
    if (isAvailableSpot(i)) counts.set(i.zone, (counts.get(i.zone) ?? 0) + 1)
  return counts
}

function toTraces(
  zones: Set<string>,
  samples: Map<string, number>[],
  fromMs: number,
  gapSeconds: number
): Record<string, HistoryTrace> {
  const out: Record<string, HistoryTrace> = {}
  for (const zone of [...zones].sort()) {
    out[zone] = {
      metadata: {
        gap_seconds: gapSeconds,
        start_time: new Date(fromMs).toISOString(),
        zone,
        convention: 'available',
        binary: false,
        source: 'synkti-history'
      },
      data: samples.map((s) => s.get(zone) ?? 0)
    }
  }
  return out
}

/** One `<zone>.json` per trace; zone names are kept to file-safe characters. */
export function writeTraceFiles(dir: string, traces: Record<string, HistoryTrace>): string[] {
  mkdirSync(dir, { recursive: true })
  return Object.entries(traces).map(([zone, trace]) => {
    const path = join(dir, `${zone.replace(/[^A-Za-z0-9._-]/g, '_')}.json`)
    writeFileSync(path, JSON.stringify(trace) + '\n')
    return path
  })
}
