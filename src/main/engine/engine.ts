import type {
  EngineStatus,
  FleetInstanceView,
  OnDemandPriceView,
  Settings,
  StreamEvent
} from '../../shared/api'
import type {
  DrainResult,
  FleetEvent,
  InterruptionEvent,
  ManagedInstance
} from '../../shared/fleet'
import { parseAgentTags } from '../agent/tags'
import type { Clock } from '../clock'
import type { Controller } from '../controller/controller'
import { roleOf } from '../controller/tags'
import { createBudget, launchWithinBudget } from '../failover'
import type { LaunchResult } from '../failover/launcher'
import { HistoryWriteError, writeFailureReason, type History } from '../history'
import { createInterruptionDeduper } from '../monitors/dedupe'
import type { ProviderErrorCode } from '../providers/errors'
import type { CloudProvider, LaunchRequest } from '../providers/types'
import { diffFleet } from './fleet-diff'
import type { FleetOperations } from './operations'
import { closingRows, runningRows } from '../billing'
import { errorText } from '../../shared/errors'

/** How long stop() waits for failovers in flight before closing anyway. */
const STOP_GRACE_MS = 10_000

export interface EngineDeps {
  provider: CloudProvider
  /** what only the sandbox or only AWS can do: drain, health, live facts, interruption feed */
  operations: FleetOperations
  history: History
  clock: Clock
  settings: () => Settings
  publish: (event: StreamEvent) => void
  mode: 'sandbox' | 'aws'
  dataDir: string
  version: string
  /** one line per notable action, for the daemon's log */
  log?: (line: string) => void
  /** keeps the declared workloads running; reconciled after every fleet sync and notice */
  controller?: Controller
  /** cloud seconds per real second (the sandbox's speed; 1 on a real cloud) */
  speed?: number
  /** where the OpenAI-compatible router listens */
  routerUrl?: string
  /**
   * what the start could not use or set up as configured (a bad saved trace, a broken settings file,
   * the node agent on AWS): kept in the status line; read at each status, so later entries show too
   */
  warnings?: readonly string[]
  /** on AWS: the on-demand prices in use and their source, for the status */
  onDemandPrices?: () => OnDemandPriceView[]
}

export interface Engine {
  start(): Promise<void>
  stop(): Promise<void>
  /** provider listing → history and cockpit (also runs on its own every poll interval) */
  syncNow(): Promise<void>
  instances(): FleetInstanceView[]
  status(): EngineStatus
  launch(req: {
    instanceType: string
    market: 'spot' | 'ondemand'
    zone?: string
    model?: string
    name?: string
  }): Promise<ManagedInstance>
  terminate(instanceId: string): Promise<void>
  drain(instanceId: string): Promise<DrainResult>
  /** an interruption from any source: de-duplicated, recorded, and a notice starts a failover */
  /**
   * An interruption from any source: de-duplicated, recorded, and a notice starts a failover. With
   * mustStore (an agent's report, answered only once stored) a failed write throws HistoryWriteError
   * after acting on it, and the event is not remembered as seen, so the agent's retry is recorded.
   */
  interruption(event: InterruptionEvent, opts?: { mustStore?: boolean }): void
  /** node agents' reports (HTTP) */
  agentReport(kind: 'events' | 'heartbeat' | 'job', body: unknown): Promise<void>
  /** settles when every failover started so far has ended */
  idle(): Promise<void>
  /** notice deadlines seen from any source, by instance (a listing may not show them yet) */
  notices(): ReadonlyMap<string, number>
  /** records (and publishes) an event; a failed write is logged once per condition */
  record(event: FleetEvent): void
  /** records an event or throws HistoryWriteError: for writes that are acknowledged to a caller */
  recordStored(event: FleetEvent): void
}

/** A launch the budget cap or the provider refused; the API answers by `code` (never a 500). */
export class LaunchRefusedError extends Error {
  constructor(
    readonly code: 'budget' | ProviderErrorCode,
    message: string
  ) {
    super(message)
  }
}

/**
 * The fleet engine: keeps history and the cockpit in step with the provider, turns interruption
 * notices from every source into failovers, keeps the standby pool warm and accrues the bill.
 */
export function createEngine(deps: EngineDeps): Engine {
  const { provider, history, clock, operations } = deps
  const log = deps.log ?? (() => {})
  const startedAt = clock.now()
  const known = new Map<string, ManagedInstance>()
  const notices = new Map<string, number>()
  const accruedUntil = new Map<string, number>()
  /** what the ledger has billed each shown instance; refreshed whenever the engine accrues */
  let billedSoFar = new Map<string, number>()
  const deduper = createInterruptionDeduper({ now: clock.now })
  let message = 'starting'
  let loop: AbortController | undefined
  let loopDone: Promise<void> | undefined
  let lastPriceAt = clock.now() - 3_600_000
  let syncing: Promise<void> | undefined
  let resync: Promise<void> | undefined
  /** set by stop() once failovers have settled: history is about to close */
  let stopped = false

  // 'running' is seen both by the launcher's wait and by the fleet sync; history gets it once.
  const runningRecorded = new Set<string>()
  const terminatedRecorded = new Set<string>()
  /**
   * Why history cannot write now (a full disk, a read-only file), shown in the status line; logged
   * once when it starts and once when writes work again, not at every event.
   */
  let writeProblem: string | undefined
  const write = <T>(what: string, work: () => T): T => {
    let result: T
    try {
      result = work()
    } catch (error) {
      const reason = writeFailureReason(error)
      if (reason !== writeProblem) log(`history cannot write (${what} and later writes): ${reason}`)
      writeProblem = reason
      throw new HistoryWriteError(what, reason)
    }
    if (writeProblem !== undefined) {
      log('history writes again')
      writeProblem = undefined
    }
    return result
  }
  /** like write, for writes nobody waits on: a failure was logged (once) and is dropped here */
  const tryWrite = (what: string, work: () => void): boolean => {
    try {
      write(what, work)
      return true
    } catch (error) {
      if (error instanceof HistoryWriteError) return false
      throw error
    }
  }

  const recordStored = (event: FleetEvent): void => {
    if (event.kind === 'running' && event.instanceId && runningRecorded.has(event.instanceId))
      return
    write(`a ${event.kind} event`, () => history.recordEvent(event))
    if (event.kind === 'running' && event.instanceId) runningRecorded.add(event.instanceId)
    deps.publish({ type: 'event', event })
  }
  const record = (event: FleetEvent): void => {
    try {
      recordStored(event)
    } catch (error) {
      if (!(error instanceof HistoryWriteError)) throw error
    }
  }

  // user launches (the Fleet view's Launch) are checked against the settings' fleet-wide cap
  let budget = createBudget(deps.settings().budgetPerHour)
  const launchDeps = () => {
    if (budget.capPerHour !== deps.settings().budgetPerHour)
      budget = createBudget(deps.settings().budgetPerHour)
    return { provider, clock, record, budget }
  }
  const priceOf = (instanceType: string, market: 'spot' | 'ondemand'): number | undefined =>
    operations.priceOf(instanceType, market)

  const view = (instance: ManagedInstance, now: number): FleetInstanceView => {
    const deadline = notices.get(instance.id)
    const draining = deadline !== undefined && instance.state !== 'terminated'
    return {
      ...instance,
      state: draining ? 'draining' : instance.state,
      noticeDeadline: deadline ?? instance.noticeDeadline,
      standby: roleOf(instance) === 'standby' || instance.standby,
      costSoFar: billedSoFar.get(instance.id) ?? 0,
      uptimeSeconds: Math.max(0, (now - instance.launchedAt) / 1000),
      load: operations.load(instance),
      owned: instance.tags['synkti:fleet'] === provider.fleetTag
    }
  }

  const instances = (): FleetInstanceView[] => {
    const now = clock.now()
    return [...known.values()]
      .sort((a, b) => a.launchedAt - b.launchedAt || a.id.localeCompare(b.id))
      .map((i) => view(i, now))
  }

  /**
   * Bills every known and newly listed instance up to `now` into the ledger with the billing core, at
   * the price the cloud had in force. A known instance missing from `listed` has ended: its ledger is
   * closed with the rest of its bill (whole seconds, the one-minute minimum), so the ledger total is
   * its whole bill.
   */
  const accrue = (now: number, listed?: readonly ManagedInstance[]): void => {
    const listedIds = listed && new Set(listed.map((i) => i.id))
    const newcomers = listed?.filter((i) => !known.has(i.id)) ?? []
    for (const instance of [...known.values(), ...newcomers]) {
      // after a restart the ledger says how far an instance was already billed
      const from =
        accruedUntil.get(instance.id) ?? history.billedUntil(instance.id) ?? instance.launchedAt
      const ended = listedIds !== undefined && !listedIds.has(instance.id)
      if (!ended && !(now > from)) continue
      const context = {
        prices: (a: number, b: number) => operations.pricesInForce(instance, a, b),
        onDemandPricePerHour: instance.onDemandPricePerHour,
        timeScale: operations.billingRate
      }
      const endedMs = ended
        ? Math.max(instance.launchedAt, operations.endedAt(instance.id) ?? now)
        : now
      let rows: ReturnType<typeof runningRows>
      try {
        rows = ended
          ? closingRows({ launchedMs: instance.launchedAt, endedMs }, from, context)
          : runningRows(from, now, context)
      } catch (error) {
        log(`billing of ${instance.id} skipped: ${errorText(error)}`)
        continue
      }
      const billed = tryWrite('the ledger', () => {
        for (const r of rows)
          history.accrue(
            instance.id,
            r.fromMs,
            r.toMs,
            r.pricePerHour,
            r.onDemandPricePerHour,
            r.timeScale
          )
      })
      // not billed: the next accrual bills from where the ledger ends
      if (!billed) continue
      if (ended) accruedUntil.delete(instance.id)
      else accruedUntil.set(instance.id, now)
    }
  }

  /** the Fleet's cost so far is the ledger's, so it matches the Costs view at every instant */
  const refreshBilledSoFar = (instances: Iterable<ManagedInstance>, now: number): void => {
    let from = now
    for (const i of instances) from = Math.min(from, i.launchedAt)
    billedSoFar = new Map(history.costBy('instance', from, now + 1).map((r) => [r.key, r.cost]))
  }

  const recordPrices = async (now: number): Promise<void> => {
    if (now - lastPriceAt < operations.priceIntervalMs) return
    const types = [
      ...new Set([
        deps.settings().fleet.instanceType,
        ...[...known.values()].map((i) => i.instanceType)
      ])
    ]
    try {
      const points = await provider.spotPriceHistory({
        instanceTypes: types,
        from: lastPriceAt,
        to: now
      })
      if (tryWrite('spot prices', () => history.recordSpotPrices(points))) lastPriceAt = now
    } catch (error) {
      log(`spot prices not recorded: ${errorText(error)}`)
    }
  }

  const syncOnce = async (): Promise<void> => {
    // an instance listed as running was running when the listing started: bill it up to there
    const listedAt = clock.now()
    const listed = await provider.listInstances()
    const now = clock.now()
    const events = diffFleet(known, listed, now, (id) => history.getInstance(id) !== undefined)
    // bill up to the listing before an instance leaves the known set
    accrue(listedAt, listed)
    for (const e of events) {
      if (e.kind === 'terminate' && e.instanceId) {
        const id = e.instanceId
        tryWrite('a termination', () => history.markTerminated(id, now))
        notices.delete(e.instanceId)
        if (terminatedRecorded.has(e.instanceId)) continue
        terminatedRecorded.add(e.instanceId)
      }
      record(e)
    }
    known.clear()
    for (const instance of listed) known.set(instance.id, instance)
    refreshBilledSoFar(listed, now)
    for (const instance of listed)
      for (const tagged of parseAgentTags(instance.tags, instance.id)) interruption(tagged.event)
    await recordPrices(now)
    if (deps.controller)
      await deps.controller
        .reconcile()
        .catch((error) => log(`reconcile failed: ${errorText(error)}`))
    message = `${deps.mode}: ${known.size} instance${known.size === 1 ? '' : 's'}, ${notices.size} under notice`
    deps.publish({ type: 'fleet', instances: instances() })
  }

  const syncNow = (): Promise<void> => {
    if (stopped) return Promise.resolve()
    // One sync at a time: a slow provider call must not stack up overlapping syncs. A caller that
    // comes while one runs gets the next one (shared by all who wait), which starts after it: a
    // sync that began earlier would not show the fleet as it is now.
    if (!syncing) {
      syncing = syncOnce().finally(() => {
        syncing = undefined
      })
      return syncing
    }
    resync ??= syncing
      .catch((error: unknown) => log(`sync failed: ${errorText(error)}`))
      .then(() => {
        resync = undefined
        return syncNow()
      })
    return resync
  }

  const interruption = (event: InterruptionEvent, opts?: { mustStore?: boolean }): void => {
    // EventBridge delivers the whole account's events: one about an instance this fleet never
    // launched is not ours to record (a foreign instance is never touched, in history neither)
    if (
      event.source === 'eventbridge' &&
      !known.has(event.instanceId) &&
      history.getInstance(event.instanceId) === undefined
    )
      return
    if (!deduper.accept(event)) return
    let failed: HistoryWriteError | undefined
    const store = (e: FleetEvent): boolean => {
      try {
        recordStored(e)
        return true
      } catch (error) {
        if (!(error instanceof HistoryWriteError)) throw error
        failed = error
        // not remembered as seen: a repeat (the agent's retry, the next poll) is recorded then
        deduper.forget(event.instanceId)
        return false
      }
    }
    const done = (): void => {
      if (failed && opts?.mustStore) throw failed
    }
    const kind =
      event.kind === 'interruption-notice'
        ? 'notice'
        : event.kind === 'rebalance-recommendation'
          ? 'rebalance'
          : undefined
    if (!kind) {
      // a reclaim seen after the fact: recorded with its reason; the sync then knows it is gone
      if (!terminatedRecorded.has(event.instanceId)) {
        const stored = store({
          at: event.observedAt,
          kind: 'terminate',
          instanceId: event.instanceId,
          data: { reason: event.detail, source: event.source }
        })
        if (stored) terminatedRecorded.add(event.instanceId)
      }
      return done()
    }
    const subject = known.get(event.instanceId)
    store({
      at: event.observedAt,
      kind,
      instanceId: event.instanceId,
      data: {
        action: event.action,
        deadline: event.deadline,
        source: event.source,
        zone: subject?.zone,
        instanceType: subject?.instanceType
      }
    })
    if (kind === 'notice') {
      // acted on even when it could not be stored: the failover must not wait for the disk
      notices.set(event.instanceId, event.deadline ?? event.observedAt + 120_000)
      log(`notice for ${event.instanceId} (${event.source})`)
      deps.controller?.poke()
    }
    done()
  }

  const launch: Engine['launch'] = async (req) => {
    const s = deps.settings()
    const request: LaunchRequest = {
      instanceType: req.instanceType,
      market: req.market,
      zones: req.zone ? [req.zone] : undefined,
      name: req.name ?? `synkti-${req.market}-${(clock.now() % 1e6).toString(36)}`,
      model: req.model ?? (s.fleet.model || undefined),
      userData: operations.userData(req.model ?? s.fleet.model)
    }
    const result: LaunchResult = await launchWithinBudget(
      launchDeps(),
      request,
      // an unknown price is NaN, which the budget blocks under a cap (fail closed), never $0
      priceOf(req.instanceType, req.market) ?? Number.NaN,
      { by: 'user' }
    )
    if (!result.ok) throw new LaunchRefusedError(result.code, result.reason)
    await syncNow()
    return result.instance
  }

  const runLoop = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      try {
        await syncNow()
      } catch (error) {
        message = `${deps.mode}: ${errorText(error)}`
        log(`sync failed: ${errorText(error)}`)
      }
      deps.publish({ type: 'status', status: status() })
      await clock.sleep(operations.syncIntervalMs(deps.settings()), signal).catch(() => {})
    }
  }

  const status = (): EngineStatus => ({
    mode: deps.mode,
    startedAt,
    now: clock.now(),
    message: [
      message,
      ...(writeProblem ? [`history cannot write: ${writeProblem}`] : []),
      ...(deps.warnings ?? [])
    ].join('; '),
    version: deps.version,
    dataDir: deps.dataDir,
    speed: deps.speed ?? 1,
    ...(deps.routerUrl ? { routerUrl: deps.routerUrl } : {}),
    ...(deps.onDemandPrices ? { onDemandPrices: deps.onDemandPrices() } : {})
  })

  return {
    record,
    recordStored,
    syncNow,
    instances,
    status,
    interruption,
    launch,
    async start() {
      for (const instance of history.fleetAt(clock.now())) {
        known.set(instance.id, instance)
        if (instance.state !== 'pending') runningRecorded.add(instance.id)
        if (instance.state === 'draining' && instance.noticeDeadline)
          notices.set(instance.id, instance.noticeDeadline)
      }
      operations.start({ interruption, record, recordStored, known: () => [...known.values()] })
      // the controller takes its lease first, so the first sync already re-adopts and routes
      deps.controller?.start()
      await syncNow().catch((error) => log(`first sync failed: ${errorText(error)}`))
      loop = new AbortController()
      loopDone = runLoop(loop.signal)
    },
    async stop() {
      loop?.abort()
      await loopDone
      // let failovers in flight finish (and be recorded) while the provider still runs, but not forever
      const settled = (deps.controller?.stop() ?? Promise.resolve()).then(() => true)
      const gaveUp = new Promise<boolean>((resolve) =>
        setTimeout(() => resolve(false), STOP_GRACE_MS).unref()
      )
      if (!(await Promise.race([settled, gaveUp]))) log('stopping with drains still in flight')
      // no sync after this one, and the one in flight (or queued) records what it saw before the
      // caller closes history: a sync then would write to a closed database and lose its events
      stopped = true
      await (resync ?? syncing)?.catch((error: unknown) =>
        log(`last sync failed: ${errorText(error)}`)
      )
      operations.stop()
      accrue(clock.now())
    },
    async terminate(instanceId) {
      await provider.terminate(instanceId)
      await syncNow()
    },
    async drain(instanceId) {
      const instance = known.get(instanceId)
      if (!instance) throw new Error(`instance ${instanceId} is not in this fleet`)
      record({ at: clock.now(), kind: 'drain-start', instanceId, data: { by: 'user' } })
      const result = await operations.drain(
        instance,
        clock.now() + 120_000 - operations.drainMarginMs(deps.settings())
      )
      record({ at: clock.now(), kind: 'drain-end', instanceId, data: { ...result, by: 'user' } })
      return result
    },
    agentReport: (kind, body) => operations.agentReport(kind, body),
    idle: () => deps.controller?.idle() ?? Promise.resolve(),
    notices: () => notices
  }
}
