import { FLEET_EVENT_KINDS, type FleetEvent } from '../../shared/fleet'

const KINDS: ReadonlySet<string> = new Set(FLEET_EVENT_KINDS)

/** Throws a clear Error for an event the log must not take; `index` places it within a batch. */
export function validateEvent(e: FleetEvent, index?: number): void {
  // the hot ingest path: the message is only built when an event is rejected
  if (
    typeof e === 'object' &&
    e !== null &&
    KINDS.has(e.kind) &&
    Number.isFinite(e.at) &&
    shapeOk(e)
  )
    return
  const where = index === undefined ? 'event' : `event ${index} of the batch`
  if (typeof e !== 'object' || e === null) throw new Error(`${where}: not an object`)
  if (!KINDS.has(e.kind)) {
    throw new Error(
      `${where}: unknown kind ${JSON.stringify(e.kind)} (known: ${FLEET_EVENT_KINDS.join(', ')})`
    )
  }
  if (typeof e.at !== 'number' || !Number.isFinite(e.at)) {
    throw new Error(`${where}: time 'at' must be a finite number of ms, got ${String(e.at)}`)
  }
  if (e.instanceId !== undefined && typeof e.instanceId !== 'string') {
    throw new Error(`${where}: instanceId must be a string`)
  }
  if (
    e.data !== undefined &&
    (typeof e.data !== 'object' || e.data === null || Array.isArray(e.data))
  ) {
    throw new Error(`${where}: data must be an object`)
  }
}

function shapeOk(e: FleetEvent): boolean {
  const dataOk =
    e.data === undefined ||
    (typeof e.data === 'object' && e.data !== null && !Array.isArray(e.data))
  return (e.instanceId === undefined || typeof e.instanceId === 'string') && dataOk
}

export function requireFinite(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${name} must be a finite number, got ${String(value)}`)
  }
}

export function requireWindow(fromMs: number, toMs: number): void {
  requireFinite('fromMs', fromMs)
  requireFinite('toMs', toMs)
  if (toMs < fromMs) throw new Error(`window ends (${toMs}) before it starts (${fromMs})`)
}
