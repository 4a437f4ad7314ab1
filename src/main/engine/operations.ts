import type { Settings } from '../../shared/api'
import type {
  DrainResult,
  FleetEvent,
  InterruptionEvent,
  ManagedInstance
} from '../../shared/fleet'
import type { PriceStep } from '../billing'
import type { JobSpec } from '../controller/types'

/** What the engine hands an operations backend when it starts. */
export interface OperationsContext {
  /** mustStore: throw HistoryWriteError when the event could not be stored (after acting on it) */
  interruption(event: InterruptionEvent, opts?: { mustStore?: boolean }): void
  record(event: FleetEvent): void
  /** record, or throw HistoryWriteError: for what a caller is answered as stored */
  recordStored(event: FleetEvent): void
  known(): ManagedInstance[]
}

/**
 * What differs between the sandbox cloud and a real AWS fleet: where interruptions come from, how
 * an instance is drained and health-checked, what it costs so far. The engine is the same above it.
 */
export interface FleetOperations {
  start(ctx: OperationsContext): void
  stop(): void
  drain(instance: ManagedInstance, deadline: number): Promise<DrainResult>
  load(instance: ManagedInstance): number | undefined
  /**
   * The price an instance is billed at over real [fromMs, toMs), as steps in real ms (the first in force
   * at fromMs). The sandbox knows its exact price path; on AWS it is the price the listing reports.
   */
  pricesInForce(instance: ManagedInstance, fromMs: number, toMs: number): PriceStep[]
  /** when the cloud ended an instance it no longer lists, real ms; undefined: the engine's sync time */
  endedAt(instanceId: string): number | undefined
  priceOf(instanceType: string, market: 'spot' | 'ondemand'): number | undefined
  /** boot script for a launch (AWS: starts the pinned vLLM image); `server` as the workload sets it */
  userData(
    model: string | undefined,
    server?: {
      image?: string
      port?: number
      args?: readonly string[]
      env?: Readonly<Record<string, string>>
      hfTokenParameter?: string
    }
  ): string | undefined
  /**
   * A real cloud: the boot script of a deadline job's launch (runs its command, keeps its checkpoint,
   * and the node agent reports its exit); undefined while none can be made. Absent on the sandbox,
   * whose instances play the job by its clock.
   */
  jobUserData?(workload: string, job: JobSpec): string | undefined
  agentReport(kind: 'events' | 'heartbeat' | 'job', body: unknown): Promise<void>
  syncIntervalMs(settings: Settings): number
  /** drain stops this long before the notice deadline (the sandbox scales it with its clock) */
  drainMarginMs(settings: Settings): number
  priceIntervalMs: number
  /**
   * Billed time per real time: 1 on a real cloud; the sandbox's speed there, since its clock runs that
   * many times faster and its instances are billed in simulated time.
   */
  billingRate: number
  /** zones replacements may use (spot goes to the others than the noticed one first); absent: the cloud picks */
  zones?: string[]
  launchPollMs?: number
  readyTimeoutMs?: number
  health?: { retries?: number; intervalMs?: number }
}
