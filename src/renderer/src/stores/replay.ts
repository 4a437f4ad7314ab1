// The fleet as a fold over the event log, for Replay: start from fleetAt(from) and apply the window's
// events up to the playback instant. Pure functions, same rules as the engine's history:
// launch adds (pending, or running if the snapshot says so), running -> running, notice -> draining
// with noticeDeadline, drain-start -> draining, standby marks a spare, terminate / launch-failed removes.
import type { FleetEvent, ManagedInstance } from '@shared/fleet'

export type ReplayFleet = Map<string, ManagedInstance>

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The instance snapshot a launch event carries: `data.instance`, or `data` itself. */
export function launchSnapshot(data: FleetEvent['data']): Partial<ManagedInstance> | undefined {
  if (!data) return undefined
  const candidate = (isRecord(data.instance) ? data.instance : data) as Partial<ManagedInstance>
  return typeof candidate.id === 'string' || typeof candidate.instanceType === 'string'
    ? candidate
    : undefined
}

/** The instance an event is about (a launch may name it only in its snapshot). */
export function eventInstanceId(e: FleetEvent): string | undefined {
  if (e.instanceId) return e.instanceId
  if (e.kind === 'launch') {
    const id = launchSnapshot(e.data)?.id
    return typeof id === 'string' ? id : undefined
  }
  return undefined
}

function launched(id: string, e: FleetEvent): ManagedInstance {
  const s = launchSnapshot(e.data) ?? {}
  const instance: ManagedInstance = {
    provider: 'sandbox',
    region: '',
    zone: '',
    instanceType: '?',
    market: 'spot',
    gpus: 0,
    gpuMemoryGiB: 0,
    pricePerHour: 0,
    onDemandPricePerHour: 0,
    name: id,
    ...s,
    tags: { ...(s.tags ?? {}) },
    id,
    state: s.state === 'running' ? 'running' : 'pending',
    launchedAt: e.at
  }
  delete instance.terminatedAt
  delete instance.noticeDeadline
  return instance
}

/** Applies one event to the fleet map (in place). Kinds that do not change the fleet are ignored. */
export function applyReplayEvent(fleet: ReplayFleet, e: FleetEvent): void {
  const id = eventInstanceId(e)
  if (id === undefined) return
  if (e.kind === 'launch') {
    fleet.set(id, launched(id, e))
    return
  }
  if (e.kind === 'terminate' || e.kind === 'launch-failed') {
    fleet.delete(id)
    return
  }
  const current = fleet.get(id)
  if (!current) return
  switch (e.kind) {
    case 'running': {
      const next: ManagedInstance = { ...current, state: 'running' }
      delete next.noticeDeadline
      fleet.set(id, next)
      return
    }
    case 'notice': {
      const deadline = e.data?.deadline
      fleet.set(id, {
        ...current,
        state: 'draining',
        noticeDeadline: typeof deadline === 'number' ? deadline : e.at
      })
      return
    }
    case 'drain-start':
      fleet.set(id, { ...current, state: 'draining' })
      return
    case 'standby':
      fleet.set(id, { ...current, standby: e.data?.standby !== false })
      return
    default:
      return
  }
}

/** Events in time order (stable for equal times: by id, then by original order). */
export function sortEvents(events: readonly FleetEvent[]): FleetEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at - b.e.at || (a.e.id ?? 0) - (b.e.id ?? 0) || a.i - b.i)
    .map((x) => x.e)
}

function ordered(fleet: ReplayFleet): ManagedInstance[] {
  return [...fleet.values()].sort((a, b) => a.launchedAt - b.launchedAt || (a.id < b.id ? -1 : 1))
}

/**
 * The fleet at `at`: `initial` is fleetAt(initialAt) (events at <= initialAt already in it), then every
 * event with initialAt < e.at <= at is applied. `events` must be sorted (see sortEvents).
 */
export function foldFleet(
  initial: readonly ManagedInstance[],
  events: readonly FleetEvent[],
  at: number,
  initialAt = Number.NEGATIVE_INFINITY
): ManagedInstance[] {
  const fleet: ReplayFleet = new Map(initial.map((i) => [i.id, { ...i }]))
  for (const e of events) {
    if (e.at > at) break
    if (e.at <= initialAt) continue
    applyReplayEvent(fleet, e)
  }
  return ordered(fleet)
}

/** Index of the first event with at > t (events sorted). */
export function upperBound(events: readonly FleetEvent[], t: number): number {
  let lo = 0
  let hi = events.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (events[mid].at <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Incremental fold for playback: moving forward applies only the new events; moving back refolds.
 * Same answers as foldFleet.
 */
export class ReplayCursor {
  readonly events: FleetEvent[]
  private fleet: ReplayFleet = new Map()
  private next = 0
  private position = Number.NEGATIVE_INFINITY

  constructor(
    private readonly initial: readonly ManagedInstance[],
    events: readonly FleetEvent[],
    private readonly initialAt = Number.NEGATIVE_INFINITY
  ) {
    this.events = sortEvents(events)
    this.reset()
  }

  private reset(): void {
    this.fleet = new Map(this.initial.map((i) => [i.id, { ...i }]))
    this.next = upperBound(this.events, this.initialAt)
    this.position = this.initialAt
  }

  /** The fleet at `at`. */
  seek(at: number): ManagedInstance[] {
    if (at < this.position) this.reset()
    while (this.next < this.events.length && this.events[this.next].at <= at)
      applyReplayEvent(this.fleet, this.events[this.next++])
    this.position = Math.max(this.position, at)
    return ordered(this.fleet)
  }

  /** How many events are at or before `at` (the playhead's event index). */
  countAt(at: number): number {
    return upperBound(this.events, at)
  }
}
