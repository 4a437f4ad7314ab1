// An event's details in words for the Timeline: its kind, who it is about (names, not only ids),
// its data as labelled fields with times on the cockpit's clock, prices as $/h, and for a failover
// its phases with how long each took. Pure: events, names and a clock in, rows of text out.
import type { FleetEvent } from '@shared/fleet'
import { formatCloudSpan, formatCloudTime, type CloudClock } from '@renderer/format/cloud-time'
import { formatMoney, formatRate } from '@renderer/format/format'

export const KIND_TEXT: Record<string, string> = {
  launch: 'Launch',
  'launch-failed': 'Launch failed',
  running: 'Running',
  notice: 'Interruption notice',
  rebalance: 'Rebalance recommendation',
  'drain-start': 'Drain started',
  'drain-end': 'Drain ended',
  'failover-phase': 'Failover phase',
  'failover-end': 'Failover ended',
  checkpoint: 'Checkpoint',
  terminate: 'Terminated',
  standby: 'Standby',
  'budget-blocked': 'Blocked by the budget'
}

export function kindText(kind: string): string {
  return KIND_TEXT[kind] ?? kind
}

export interface DetailRow {
  label: string
  value: string
}

export interface PhaseRow {
  phase: string
  at: string
  /** time since the mark before it (the first phase: since the failover began) */
  took: string
}

export interface EventDetails {
  kind: string
  time: string
  /** who: the instance's name and id, or "fleet-wide" */
  subject: string
  rows: DetailRow[]
  phases: PhaseRow[]
}

/** Names by instance id: launch snapshots in the events, then the caller's (the live fleet). */
export function namesFrom(
  events: readonly FleetEvent[],
  known: Readonly<Record<string, string>> = {}
): Record<string, string> {
  const names: Record<string, string> = {}
  for (const e of events) {
    if (e.kind !== 'launch' || !e.data) continue
    const snap = (isRecord(e.data.instance) ? e.data.instance : e.data) as Record<string, unknown>
    const id = typeof snap.id === 'string' ? snap.id : e.instanceId
    if (id && typeof snap.name === 'string' && snap.name) names[id] = snap.name
  }
  for (const [id, name] of Object.entries(known)) if (name) names[id] = name
  return names
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const LABELS: Record<string, string> = {
  instanceType: 'Type',
  pricePerHour: 'Price',
  onDemandPricePerHour: 'On-demand price',
  deadline: 'Reclaim at',
  noticeDeadline: 'Reclaim at',
  launchedAt: 'Launched',
  startedAt: 'Started',
  endedAt: 'Ended',
  deregisterMs: 'Deregistering took',
  lastRunning: 'Requests running at the end',
  lastWaiting: 'Requests waiting at the end',
  progressHours: 'Progress',
  atHours: 'At job time',
  finishedHours: 'Finished at job time',
  stateGiB: 'State',
  transferableGiB: 'Transferable in the notice',
  savedFraction: 'Saved',
  secondsLeft: 'Notice left',
  by: 'By',
  gpus: 'GPUs',
  gpuMemoryGiB: 'GPU memory'
}
/** snapshot fields not worth a row (the subject line and the tags already say them) */
const SKIP = new Set(['id', 'tags', 'provider', 'region', 'state', 'name'])

function label(key: string): string {
  if (LABELS[key]) return LABELS[key]
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function value(
  key: string,
  v: unknown,
  names: Readonly<Record<string, string>>,
  clock: CloudClock
): string {
  if (v === null || v === undefined) return '—'
  if (typeof v === 'number') {
    if (/price/i.test(key)) return formatRate(v)
    if (/cost/i.test(key)) return formatMoney(v)
    if (/(At|^deadline|Deadline)$/.test(key) && v > 1e11) return formatCloudTime(v, clock, true)
    if (/Ms$/.test(key)) return formatCloudSpan(v, clock)
    if (/Hours$/.test(key)) return `${v.toFixed(2)} h`
    if (/GiB$/.test(key)) return `${v.toFixed(1)} GiB`
    if (key === 'savedFraction') return `${Math.round(v * 100)}%`
    if (key === 'secondsLeft') return `${Math.round(v)} s`
    return Number.isInteger(v) ? String(v) : v.toFixed(3)
  }
  if (typeof v === 'string') {
    if ((key === 'replacement' || key === 'replaces') && names[v]) return `${names[v]} (${v})`
    if (key === 'market') return v === 'ondemand' ? 'on-demand' : v
    return v
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no'
  if (Array.isArray(v)) return v.map((x) => value(key, x, names, clock)).join(', ')
  if (isRecord(v))
    return Object.entries(v)
      .map(([k, x]) => `${label(k)} ${value(k, x, names, clock)}`)
      .join(' · ')
  return String(v)
}

function rowsOf(
  data: Record<string, unknown>,
  names: Readonly<Record<string, string>>,
  clock: CloudClock
): DetailRow[] {
  const rows: DetailRow[] = []
  for (const [key, v] of Object.entries(data)) {
    // a launch's instance snapshot: its own fields, flat
    if (key === 'instance' && isRecord(v)) {
      rows.push(...rowsOf(v, names, clock))
      continue
    }
    if (SKIP.has(key) || v === undefined) continue
    rows.push({ label: label(key), value: value(key, v, names, clock) })
  }
  return rows
}

/** A failover's phases up to the end at `endIndex`: the lane's phase events since its last end. */
function phasesBefore(
  events: readonly FleetEvent[],
  endIndex: number,
  clock: CloudClock
): PhaseRow[] {
  const end = events[endIndex]
  const marks: FleetEvent[] = []
  for (let i = endIndex - 1; i >= 0; i--) {
    const e = events[i]
    if (e.instanceId !== end.instanceId) continue
    if (e.kind === 'failover-end') break
    if (e.kind === 'failover-phase') marks.unshift(e)
  }
  marks.sort((a, b) => a.at - b.at)
  const rows = marks.map((m, k) => ({
    phase: String(m.data?.phase ?? 'phase'),
    at: formatCloudTime(m.at, clock),
    took: formatCloudSpan(m.at - (k === 0 ? m.at : marks[k - 1].at), clock)
  }))
  if (marks.length)
    rows.push({
      phase: end.data?.outcome === 'ok' ? 'done' : String(end.data?.outcome ?? 'ended'),
      at: formatCloudTime(end.at, clock),
      took: formatCloudSpan(end.at - marks[marks.length - 1].at, clock)
    })
  return rows
}

export function eventDetails(
  events: readonly FleetEvent[],
  index: number,
  names: Readonly<Record<string, string>>,
  clock: CloudClock
): EventDetails {
  const e = events[index]
  const snap = e.kind === 'launch' && isRecord(e.data?.instance) ? e.data.instance : undefined
  const id = e.instanceId ?? (typeof snap?.id === 'string' ? snap.id : undefined)
  const name = id ? names[id] : undefined
  return {
    kind: kindText(e.kind),
    time: formatCloudTime(e.at, clock, true),
    subject: id ? (name && name !== id ? `${name} (${id})` : id) : 'fleet-wide',
    rows: e.data ? rowsOf(e.data, names, clock) : [],
    phases: e.kind === 'failover-end' ? phasesBefore(events, index, clock) : []
  }
}

/** One line for the event list: "Interruption notice · llama-2". */
export function eventLine(e: FleetEvent, names: Readonly<Record<string, string>>): string {
  const id = e.instanceId
  const who = id ? (names[id] ?? id) : 'fleet'
  const phase = e.kind === 'failover-phase' && e.data?.phase ? ` ${String(e.data.phase)}` : ''
  return `${kindText(e.kind)}${phase} · ${who}`
}
