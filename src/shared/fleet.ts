// Types of the live fleet, shared by the engine (providers, monitors, drain, failover, history),
// the daemon API and the cockpit. Times are milliseconds since the Unix epoch unless named otherwise.

export type CapacityMarket = 'spot' | 'ondemand'

/** What a workload's instance is for; carried in its synkti:role tag. */
export const INSTANCE_ROLES = ['serving', 'standby', 'job'] as const
export type InstanceRole = (typeof INSTANCE_ROLES)[number]

export type InstanceState =
  'pending' | 'running' | 'draining' | 'stopping' | 'stopped' | 'terminated'

export interface ManagedInstance {
  id: string
  name: string
  provider: 'sandbox' | 'aws'
  region: string
  zone: string
  instanceType: string
  market: CapacityMarket
  state: InstanceState
  gpus: number
  gpuMemoryGiB: number
  /** $/h in force now (spot price for spot, list price for on-demand) */
  pricePerHour: number
  onDemandPricePerHour: number
  launchedAt: number
  terminatedAt?: number
  /** the fleet tag and any others the instance carries */
  tags: Record<string, string>
  /** model served, when known */
  model?: string
  /** set while an interruption notice is pending: when the instance will be reclaimed */
  noticeDeadline?: number
  /** a standby spare kept warm by the pool */
  standby?: boolean
}

export type InterruptionKind = 'interruption-notice' | 'rebalance-recommendation' | 'state-change'
export type InterruptionAction = 'terminate' | 'stop' | 'hibernate'
export type InterruptionSource = 'imds' | 'ec2-api' | 'eventbridge' | 'sandbox' | 'instance-tags'

/** What every interruption source reports, de-duplicated by (instanceId, kind). */
export interface InterruptionEvent {
  instanceId: string
  kind: InterruptionKind
  action?: InterruptionAction
  /** when the instance will be reclaimed, for notices */
  deadline?: number
  source: InterruptionSource
  observedAt: number
  /** state-change detail, e.g. the EC2 state reason code */
  detail?: string
}

export const FLEET_EVENT_KINDS = [
  'launch',
  'launch-failed',
  'running',
  'notice',
  'rebalance',
  'drain-start',
  'drain-end',
  'failover-phase',
  'failover-end',
  'checkpoint',
  'terminate',
  'standby',
  'budget-blocked',
  /** a deadline job's command exited on its instance (the node agent's report): data.exitCode */
  'job-exit'
] as const
export type FleetEventKind = (typeof FLEET_EVENT_KINDS)[number]

/** One row of the event log that history keeps and replays. */
export interface FleetEvent {
  /** assigned by history when recorded */
  id?: number
  at: number
  kind: FleetEventKind
  instanceId?: string
  /** kind-specific detail: for launch the instance snapshot, for drain-end the result, ... */
  data?: Record<string, unknown>
}

export type DrainOutcome = 'drained' | 'timed-out' | 'failed'

export interface DrainResult {
  outcome: DrainOutcome
  startedAt: number
  endedAt: number
  /** time spent deregistering from the router, ms */
  deregisterMs: number
  /** last metrics seen; null when the endpoint never answered with parsable metrics */
  lastRunning: number | null
  lastWaiting: number | null
  /** why it timed out or failed, in words an operator can act on */
  reason?: string
}

export interface SpotPricePoint {
  at: number
  region: string
  zone: string
  instanceType: string
  price: number
}
