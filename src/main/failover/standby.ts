// Warm spares: N instances booted and waiting, so a reclaimed instance's work can move in seconds
// instead of a launch's minutes. Taking one triggers a refill; refills go through the budget.
import type { CapacityMarket, ManagedInstance } from '../../shared/fleet'
import { errorText } from '../../shared/errors'
import { launchWithinBudget, safeRecord, waitRunning, type LaunchDeps } from './launcher'

export interface StandbyConfig {
  /** spares to keep; 0 disables the pool */
  size: number
  instanceType: string
  market: CapacityMarket
  /** preferred zones, tried in order by the provider */
  zones?: string[]
  /** model the spares are launched for (tagged); take() prefers a spare with the wanted model */
  model?: string
  /** $/h of one spare, for the budget check (spot estimate or on-demand list price) */
  pricePerHour: number
  namePrefix?: string
  /** poll interval while a spare boots; default 5 s */
  pollMs?: number
  /** give up on a spare that is not running after this long; default 10 min */
  readyTimeoutMs?: number
}

export interface StandbyStatus {
  size: number
  ready: number
  pending: number
  /** why the last refill attempt did not produce a spare, if it did not */
  lastError?: string
}

export interface StandbyPool {
  readonly size: number
  /** spares running and free to take */
  ready(): ManagedInstance[]
  status(): StandbyStatus
  owns(instanceId: string): boolean
  /** a spare with at least this much GPU memory (the model's own first), removed from the pool; refill starts */
  take(model: string, gpuMemoryGiB: number): ManagedInstance | undefined
  /** drop a spare that is going away (e.g. got an interruption notice); refill starts */
  discard(instanceId: string): boolean
  /** launch spares until the pool is full; one refill at a time, later calls join it */
  refill(): Promise<void>
}

export function createStandbyPool(deps: LaunchDeps, config: StandbyConfig): StandbyPool {
  const ready: ManagedInstance[] = []
  let pending = 0
  let seq = 0
  let lastError: string | undefined
  let refilling: Promise<void> | undefined

  const record = (instanceId: string, data: Record<string, unknown>): void =>
    safeRecord(deps.record, { at: deps.clock.now(), kind: 'standby', instanceId, data })

  async function launchOne(): Promise<boolean> {
    pending++
    try {
      const name = `${config.namePrefix ?? 'synkti'}-standby-${++seq}`
      const req = {
        instanceType: config.instanceType,
        market: config.market,
        zones: config.zones,
        name,
        model: config.model
      }
      const launched = await launchWithinBudget(deps, req, config.pricePerHour, {
        purpose: 'standby'
      })
      if (!launched.ok) return fail(launched.reason)
      const up = await waitRunning(deps, launched.instance.id, {
        pollMs: config.pollMs ?? 5000,
        timeoutMs: config.readyTimeoutMs ?? 600_000
      })
      if (!up.ok) return abandon(launched.instance.id, up.reason)
      ready.push({ ...up.instance, standby: true })
      record(up.instance.id, { standby: true, action: 'ready' })
      return true
    } finally {
      pending--
    }
  }

  function fail(reason: string): false {
    lastError = reason
    return false
  }

  /** a spare that never came up is paid for and useless: terminate it, best effort */
  async function abandon(instanceId: string, reason: string): Promise<false> {
    safeRecord(deps.record, {
      at: deps.clock.now(),
      kind: 'launch-failed',
      instanceId,
      data: { purpose: 'standby', reason }
    })
    await deps.provider.terminate(instanceId).catch((e: unknown) => {
      reason += `; terminating it failed too: ${errorText(e)}`
    })
    return fail(reason)
  }

  async function fillLoop(): Promise<void> {
    // a failed round stops the loop (no hot retry against a capacity or budget wall); the next
    // take() or refill() tries again
    while (ready.length + pending < config.size) {
      const deficit = config.size - ready.length - pending
      lastError = undefined // a round tells afresh; a failure in it sets this again
      const results = await Promise.all(Array.from({ length: deficit }, launchOne))
      if (results.includes(false)) return
    }
  }

  function refill(): Promise<void> {
    refilling ??= fillLoop()
      .catch((e: unknown) => void fail(errorText(e)))
      .finally(() => {
        refilling = undefined
      })
    return refilling
  }

  function take(model: string, gpuMemoryGiB: number): ManagedInstance | undefined {
    const fitting = ready.filter((i) => i.gpuMemoryGiB >= gpuMemoryGiB)
    const chosen = fitting.find((i) => i.model === model) ?? fitting[0]
    if (!chosen) return undefined
    ready.splice(ready.indexOf(chosen), 1)
    record(chosen.id, { standby: false, action: 'promoted', model })
    void refill()
    return { ...chosen, standby: false }
  }

  function discard(instanceId: string): boolean {
    const k = ready.findIndex((i) => i.id === instanceId)
    if (k < 0) return false
    ready.splice(k, 1)
    record(instanceId, { standby: false, action: 'discarded' })
    void refill()
    return true
  }

  return {
    size: config.size,
    ready: () => ready.map((i) => ({ ...i })),
    status: () => ({
      size: config.size,
      ready: ready.length,
      pending,
      ...(lastError ? { lastError } : {})
    }),
    owns: (id) => ready.some((i) => i.id === id),
    take,
    discard,
    refill
  }
}
