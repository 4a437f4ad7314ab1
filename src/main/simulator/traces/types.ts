import type { InstanceTypeSpec } from '../../../shared/simulation'

/**
 * How a file encodes capacity: 'available' counts instances that could run (every AWS file), 'preempted'
 * marks 1 = no capacity, 0 = available (the GCP H100 set). Loaded zones always hold the available form.
 */
export type TraceConvention = 'available' | 'preempted'

/** One zone of a trace, already converted to the internal (available-units) form. */
export interface TraceZone {
  zone: string
  gapSeconds: number
  /** ISO-8601 time of tick 0, when the file records one */
  startTime?: string
  /** convention the source file used (data below is already converted) */
  convention: TraceConvention
  /** all values 0/1: a probe trace ("could one instance launch?") rather than a count */
  binary: boolean
  /** available units per tick */
  capacity: Int32Array
  /** spot price per tick, $/h, same index as capacity */
  prices?: Float64Array
  /** constant spot price of the zone, $/h per instance of the hinted type */
  spotPrice?: number
  /** on-demand price of the zone, $/h per instance of the hinted type */
  onDemandPrice?: number
  /** file the zone was read from */
  source: string
}

export interface LoadedTrace {
  /** one per trace file, in file-name order */
  zones: TraceZone[]
  /** usable ticks: the shortest zone's length */
  ticks: number
  gapSeconds: number
  /** instance type the data set measured, when it is recognisable */
  instanceType?: InstanceTypeSpec
}

export interface LoadTraceOptions {
  /** force the convention of every JSON file instead of detecting it */
  convention?: TraceConvention
}

/** A trace that cannot be used; the message is one line naming the file and the problem. */
export class TraceError extends Error {
  readonly file: string
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`)
    this.name = 'TraceError'
    this.file = file
  }
}
