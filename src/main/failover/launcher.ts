// Launching through the provider the way failover and the standby pool both need it: checked
// against the budget first, every outcome written to history, then waited on until running.
import type { FleetEvent, ManagedInstance } from '../../shared/fleet'
import { errorText } from '../../shared/errors'
import type { Clock } from '../clock'
import { isProviderError, type ProviderErrorCode } from '../providers/errors'
import type { CloudProvider, LaunchRequest } from '../providers/types'
import { fleetSpendPerHour, type Budget } from './budget'

export interface LaunchDeps {
  provider: CloudProvider
  clock: Clock
  record: (e: FleetEvent) => void
  budget: Budget
  /** instances whose spend should not count against the cap (being replaced) */
  excludeFromSpend?: () => ReadonlySet<string>
}

export type LaunchResult =
  | { ok: true; instance: ManagedInstance }
  | { ok: false; code: 'budget' | ProviderErrorCode; reason: string }

/** Calls the recorder without letting a history failure break a failover in progress. */
export function safeRecord(record: (e: FleetEvent) => void, e: FleetEvent): void {
  try {
    record(e)
  } catch (error) {
    // the failover itself matters more than its history line: say so and carry on
    console.error(
      `failover: ${e.kind} not recorded (${e.instanceId ?? 'fleet'}): ${errorText(error)}`
    )
  }
}

/** One launch: budget check, provider call, 'budget-blocked' / 'launch' / 'launch-failed' event. */
export async function launchWithinBudget(
  deps: LaunchDeps,
  req: LaunchRequest,
  pricePerHour: number,
  context: Record<string, unknown> = {}
): Promise<LaunchResult> {
  const what = {
    instanceType: req.instanceType,
    market: req.market,
    zones: req.zones ?? [],
    pricePerHour,
    ...context
  }
  let spend: number
  try {
    spend = await currentSpend(deps)
  } catch (error) {
    const reason = `launch of ${req.instanceType} not attempted: fleet spend unknown for the budget check (${errorText(error)})`
    safeRecord(deps.record, {
      at: deps.clock.now(),
      kind: 'launch-failed',
      data: { ...what, code: 'unknown', reason }
    })
    return { ok: false, code: 'unknown', reason }
  }
  const decision = deps.budget.reserve({ instanceType: req.instanceType, pricePerHour }, spend)
  const at = deps.clock.now()
  if (!decision.ok) {
    safeRecord(deps.record, {
      at,
      kind: 'budget-blocked',
      data: { ...what, capPerHour: deps.budget.capPerHour, reason: decision.reason }
    })
    return { ok: false, code: 'budget', reason: decision.reason }
  }
  try {
    const instance = await deps.provider.launch(req)
    safeRecord(deps.record, {
      at: deps.clock.now(),
      kind: 'launch',
      instanceId: instance.id,
      data: { instance, ...context }
    })
    return { ok: true, instance }
  } catch (error) {
    const code = isProviderError(error) ? error.code : 'unknown'
    const reason = errorText(error)
    safeRecord(deps.record, {
      at: deps.clock.now(),
      kind: 'launch-failed',
      data: { ...what, code, reason }
    })
    return { ok: false, code, reason }
  } finally {
    decision.release() // the instance now shows in listInstances, or there is none
  }
}

async function currentSpend(deps: LaunchDeps): Promise<number> {
  if (deps.budget.capPerHour === 0) return 0 // no cap: no need to ask the cloud
  const instances = await deps.provider.listInstances()
  return fleetSpendPerHour(instances, deps.excludeFromSpend?.() ?? new Set())
}

export interface WaitOptions {
  pollMs: number
  timeoutMs: number
}

const GONE = new Set<ManagedInstance['state']>(['stopping', 'stopped', 'terminated'])

/** Polls until the instance is running (records 'running'); fails if it dies or the time runs out. */
export async function waitRunning(
  deps: Pick<LaunchDeps, 'provider' | 'clock' | 'record'>,
  instanceId: string,
  o: WaitOptions
): Promise<{ ok: true; instance: ManagedInstance } | { ok: false; reason: string }> {
  const { clock } = deps
  const deadline = clock.now() + o.timeoutMs
  let lastError: string
  // bounded: each pass sleeps until at most the deadline, which never moves
  for (;;) {
    try {
      const found = (await deps.provider.listInstances()).find((i) => i.id === instanceId)
      if (!found || GONE.has(found.state)) {
        return {
          ok: false,
          reason: `${instanceId} ${found ? `went ${found.state}` : 'disappeared'} before it was running`
        }
      }
      if (found.state === 'running') {
        safeRecord(deps.record, { at: clock.now(), kind: 'running', instanceId })
        return { ok: true, instance: found }
      }
      lastError = ''
    } catch (error) {
      lastError = `; last listing error: ${errorText(error)}`
    }
    const left = deadline - clock.now()
    if (left <= 0)
      return {
        ok: false,
        reason: `${instanceId} still not running after ${o.timeoutMs / 1000} s${lastError}`
      }
    await clock.sleep(Math.min(o.pollMs, left))
  }
}
