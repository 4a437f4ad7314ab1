import type { FleetEvent, FleetEventKind, ManagedInstance } from '../../shared/fleet'

// The fleet as a fold over the event log. Pure: history uses it to rebuild fleetAt and traces, and a
// replay player uses it to step through the events replay() returns.

export type Fleet = Map<string, ManagedInstance>

/** The kinds that change the fleet; every other kind is detail for the timeline. */
export const LIFECYCLE_KINDS = [
  'launch',
  'running',
  'notice',
  'drain-start',
  'standby',
  'terminate',
  'launch-failed'
] as const satisfies readonly FleetEventKind[]

/** Instance attributes for a launch event; history passes one backed by its instances table. */
export type InstanceLookup = (instanceId: string, launch: FleetEvent) => ManagedInstance | undefined

/** The instance snapshot a launch event carries: `data.instance`, or `data` itself. */
export function launchSnapshot(data: FleetEvent['data']): ManagedInstance | undefined {
  if (!data) return undefined
  const candidate = (isRecord(data.instance) ? data.instance : data) as Partial<ManagedInstance>
  const ok =
    typeof candidate.id === 'string' &&
    typeof candidate.zone === 'string' &&
    typeof candidate.market === 'string'
  return ok ? (candidate as ManagedInstance) : undefined
}

export function eventInstanceId(e: FleetEvent): string | undefined {
  return e.instanceId ?? (e.kind === 'launch' ? launchSnapshot(e.data)?.id : undefined)
}

/**
 * Applies one event: launch -> pending (running if the snapshot says so), running -> running,
 * notice -> draining with noticeDeadline, drain-start -> draining, standby -> standby spare,
 * terminate / launch-failed -> gone. Other kinds do not change the fleet.
 */
export function applyFleetEvent(fleet: Fleet, e: FleetEvent, lookup?: InstanceLookup): void {
  const id = eventInstanceId(e)
  if (id === undefined) return
  if (e.kind === 'launch') return launch(fleet, id, e, lookup)
  if (e.kind === 'terminate' || e.kind === 'launch-failed') {
    fleet.delete(id)
    return
  }
  const current = fleet.get(id)
  if (current) fleet.set(id, transition(current, e))
}

function launch(fleet: Fleet, id: string, e: FleetEvent, lookup?: InstanceLookup): void {
  const base = lookup?.(id, e) ?? launchSnapshot(e.data)
  if (!base) return // nothing known about the instance: it cannot be shown
  const instance: ManagedInstance = {
    ...base,
    id,
    tags: { ...base.tags },
    state: base.state === 'running' ? 'running' : 'pending',
    launchedAt: e.at
  }
  delete instance.terminatedAt
  delete instance.noticeDeadline
  fleet.set(id, instance)
}

function transition(current: ManagedInstance, e: FleetEvent): ManagedInstance {
  switch (e.kind) {
    case 'running': {
      const next: ManagedInstance = { ...current, state: 'running' }
      delete next.noticeDeadline
      return next
    }
    case 'notice': {
      const deadline = e.data?.deadline
      return {
        ...current,
        state: 'draining',
        noticeDeadline: typeof deadline === 'number' ? deadline : e.at
      }
    }
    case 'drain-start':
      return { ...current, state: 'draining' }
    case 'standby':
      return { ...current, standby: e.data?.standby !== false }
    default:
      return current
  }
}

/** Counts as spot capacity in an exported trace: a spot instance running and not under notice. */
export function isAvailableSpot(i: ManagedInstance): boolean {
  return i.market === 'spot' && i.state === 'running' && i.noticeDeadline === undefined
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
