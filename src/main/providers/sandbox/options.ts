// Options of the sandbox cloud and their defaults. The defaults are tuned so a newcomer who opens the
// app with no AWS configured sees a live fleet, moving prices and a first preemption within a minute.

import type { Clock } from '../../clock'
import type { InstanceTypeSpec } from '../../../shared/simulation'
import { DEFAULT_INSTANCE_TYPES, DEFAULT_SYNTHETIC_MARKET } from '../../simulator/catalog'
import { ProviderError } from '../errors'

export type SandboxMarketOption =
  | { kind: 'synthetic' }
  /**
   * Replays a trace file or folder (one zone per file). `binaryCapacity`: how many instances a 0/1
   * probe trace's zone holds while available (default Infinity: the probe only says "one could launch").
   */
  | { kind: 'trace'; path: string; binaryCapacity?: number }

export interface SandboxOptions {
  clock: Clock
  /** seeds ids, prices and reclaims (default 1) */
  seed?: number
  /** value of the synkti:fleet tag (default 'synkti') */
  fleetTag?: string
  /** region name; synthetic zones are region + a/b/c (default 'sandbox-1') */
  region?: string
  market?: SandboxMarketOption
  /** simulated seconds per real second (default 360: one trace hour every 10 s) */
  speed?: number
  /**
   * Simulated notice between the interruption notice and the reclaim, seconds (default 120, as on EC2).
   * In real time that is graceSeconds / speed s (0.33 s at the default speed), never less than minRealGraceMs.
   */
  graceSeconds?: number
  /** floor of the real notice, ms (default 2000), so a drain has time to run however fast the sandbox goes */
  minRealGraceMs?: number
  /** simulated pending -> running time, seconds (default 90; 0.25 s real at the default speed) */
  bootSeconds?: number
  /** synthetic hazard: reclaims per running spot instance per simulated hour (default 0.125, see below) */
  preemptionRatePerHour?: number
  /** synthetic: mean simulated length of a zone's spot outage after a reclaim, s (default 1800) */
  outageMeanSeconds?: number
  /** instance types the cloud offers (default: the simulator's catalog) */
  instanceTypes?: InstanceTypeSpec[]
  /** simulated length of one market window, s (default 30 days; a trace window is capped at the trace) */
  horizonSeconds?: number
  /** real period of the start() loop, ms (default 250) */
  tickMs?: number
  /** where a failing listener is reported (default console.error) */
  log?: (line: string) => void
}

export const DEFAULT_SPEED = 360
export const DEFAULT_GRACE_SECONDS = 120
export const DEFAULT_MIN_REAL_GRACE_MS = 2000
export const DEFAULT_BOOT_SECONDS = 90
/**
 * Why 0.125 per hour: at speed 360 one real minute is 6 simulated hours. With 4 running spot instances
 * the first reclaim is Exp(4 x 0.125 = 0.5 per simulated hour): mean 2 simulated hours = 20 real seconds,
 * and P(first reclaim within one real minute) = 1 - e^(-0.5 x 6) = 1 - e^-3 = 95%. Each instance still
 * lives 8 simulated hours (80 real seconds) on average, so the fleet churns without thrashing.
 */
export const DEFAULT_PREEMPTION_RATE_PER_HOUR = 0.125
export const DEFAULT_HORIZON_SECONDS = 30 * 86400
export const DEFAULT_TICK_MS = 250
/** share of hazard reclaims announced by a rebalance recommendation first, and how much earlier */
export const REBALANCE_SHARE = 0.5
export const REBALANCE_LEAD_SECONDS = 600

export interface ResolvedOptions {
  clock: Clock
  seed: number
  fleetTag: string
  region: string
  market: SandboxMarketOption
  speed: number
  graceSeconds: number
  minRealGraceMs: number
  bootSeconds: number
  preemptionRatePerHour: number
  outageMeanSeconds: number
  instanceTypes: InstanceTypeSpec[]
  horizonSeconds: number
  tickMs: number
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new ProviderError('invalid-parameter', `Sandbox: ${message}`)
}

export function resolveOptions(o: SandboxOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    clock: o.clock,
    seed: o.seed ?? 1,
    fleetTag: o.fleetTag ?? 'synkti',
    region: o.region ?? 'sandbox-1',
    market: o.market ?? { kind: 'synthetic' },
    speed: o.speed ?? DEFAULT_SPEED,
    graceSeconds: o.graceSeconds ?? DEFAULT_GRACE_SECONDS,
    minRealGraceMs: o.minRealGraceMs ?? DEFAULT_MIN_REAL_GRACE_MS,
    bootSeconds: o.bootSeconds ?? DEFAULT_BOOT_SECONDS,
    preemptionRatePerHour: o.preemptionRatePerHour ?? DEFAULT_PREEMPTION_RATE_PER_HOUR,
    outageMeanSeconds: o.outageMeanSeconds ?? DEFAULT_SYNTHETIC_MARKET.outageMeanSeconds,
    instanceTypes: o.instanceTypes ?? [...DEFAULT_INSTANCE_TYPES],
    horizonSeconds: o.horizonSeconds ?? DEFAULT_HORIZON_SECONDS,
    tickMs: o.tickMs ?? DEFAULT_TICK_MS
  }
  check(r.fleetTag.trim() !== '', 'fleetTag must not be empty')
  check(r.region.trim() !== '', 'region must not be empty')
  check(r.speed > 0 && Number.isFinite(r.speed), `speed must be a positive number (${r.speed})`)
  check(
    r.graceSeconds >= 0 && r.minRealGraceMs >= 0,
    'graceSeconds and minRealGraceMs must be >= 0'
  )
  check(r.bootSeconds >= 0, `bootSeconds must be >= 0 (${r.bootSeconds})`)
  check(
    r.preemptionRatePerHour >= 0,
    `preemptionRatePerHour must be >= 0 (${r.preemptionRatePerHour})`
  )
  check(r.outageMeanSeconds >= 0, `outageMeanSeconds must be >= 0 (${r.outageMeanSeconds})`)
  check(r.instanceTypes.length > 0, 'at least one instance type is needed')
  check(
    r.horizonSeconds > 0 && Number.isFinite(r.horizonSeconds),
    `horizonSeconds must be positive (${r.horizonSeconds})`
  )
  check(r.tickMs > 0, `tickMs must be positive (${r.tickMs})`)
  return r
}
