// The workload controller: desired workloads (history) against the cloud's truth (instance tags),
// reconciled on every fleet sync and every notice. Each pass plans from what it sees and acts
// idempotently; long actions (drains) run alongside and are never started twice. Nothing it must
// remember lives only in memory: roles and links are tags, failover phases and workloads are history.
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { WorkloadView } from '../../shared/api'
import type { DrainResult, FleetEvent, ManagedInstance } from '../../shared/fleet'
import { errorText } from '../../shared/errors'
import type { Clock } from '../clock'
import { drain } from '../drain'
import { createBudget } from '../failover/budget'
import { launchWithinBudget } from '../failover/launcher'
import type { History, StoredWorkload } from '../history'
import { isProviderError } from '../providers/errors'
import { MODEL_TAG_KEY, type CloudProvider } from '../providers/types'
import type { RouterPort } from '../router/types'
import { createFailoverBook, type FailoverBook } from './failovers'
import { createJobRunner, type JobRunner, type JobRunnerDeps } from './job'
import { checkReady, type ServingBackend } from '../serving/serving'
import {
  planService,
  SPOT_RETRY_SECONDS,
  ZONE_COOL_DOWN_SECONDS,
  type ReplicaView,
  type ServiceAction
} from '../policies/service-plan'
import {
  FALLBACK_TAG,
  REPLACES_TAG,
  ROLE_TAG,
  launchTags,
  roleOf,
  workloadOf,
  type Role
} from './tags'
import type { ServiceSpec } from './types'

/** Tag of an instance being retired on purpose (drained, then terminated). */
export const RETIRING_TAG = 'synkti:retiring'

export interface ControllerDeps {
  provider: CloudProvider
  history: History
  clock: Clock
  router: RouterPort
  serving: ServingBackend
  record: (e: FleetEvent) => void
  log?: (line: string) => void
  /** cloud seconds per real second: 1 on a real cloud, the sandbox's speed there */
  timeScale?: number
  /** zones the cloud offers (new spot replicas spread over them); absent: the cloud picks */
  zones?: readonly string[]
  /** $/h of an instance type on a market, for budgets; undefined when unknown */
  priceOf: (instanceType: string, market: 'spot' | 'ondemand') => number | undefined
  /** drain stops this long (real ms) before the notice deadline */
  drainMarginMs?: () => number
  /** a planned retirement waits at most this long (real ms) for in-flight requests */
  retireDrainMs?: number
  /** jobs off spot look whether it is back this often, cloud seconds (default 60) */
  spotProbeSeconds?: number
  /** identifies this controller in the fleet lease (default pid@host) */
  holder?: string
  /** boot script for a replica of this service (the same as a user launch gets); absent: none */
  userData?: (spec: ServiceSpec) => string | undefined
  /** a real cloud: boot script of a job's launch (job.ts JobRunnerDeps.bootScript); absent: the sandbox's clock model */
  jobBootScript?: JobRunnerDeps['bootScript']
  /** notice deadlines other sources reported (agents, EventBridge) that the listing may not show yet */
  notices?: () => ReadonlyMap<string, number>
}

/** What the controller knows of a workload; the API adds the spec, the router's figures and the clock. */
export type WorkloadStatus = Omit<WorkloadView, 'spec' | 'speed' | 'router'>

export interface Controller {
  /** takes the fleet lease; refuses with one clear line when another controller holds it */
  start(): void
  stop(): Promise<void>
  /**
   * One reconcile pass (the engine's fleet sync and every notice call it). Each pass lists the cloud
   * afresh: planning from an older listing would launch again what was just launched.
   */
  reconcile(): Promise<void>
  /** the same, for callers that do not wait: failures are logged */
  poke(): void
  status(listed: readonly ManagedInstance[]): WorkloadStatus[]
  /** settles when drains and retirements in flight have ended */
  idle(): Promise<void>
}

export class LeaseRefused extends Error {
  override readonly name = 'LeaseRefused'
}

const LEASE_TTL_MS = 30_000
// ZONE_COOL_DOWN_SECONDS and SPOT_RETRY_SECONDS (cloud time) come with the service plan: the
// simulator's service mode applies the same ones

const ALIVE = new Set(['pending', 'running', 'draining'])
/** how often a loading model server is looked at, real ms */
const READY_POLL_MS = 50
/** the last part of a notice that belongs to the drain: at least this long (real ms)... */
const MIN_DRAIN_WINDOW_MS = 250
/** ...and at least this share of what is left of the notice */
const DRAIN_SHARE = 0.25
/** a GPU instance's boot and model load before the controller has seen one (cloud seconds) */
const DEFAULT_READY_AFTER_SECONDS = 300
/** rebalance recommendations read back after a restart (real ms): older ones have become notices */
const AT_RISK_LOOKBACK_MS = 60 * 60_000
const AT_RISK_OVERLAP_MS = 60_000

export function createController(deps: ControllerDeps): Controller {
  const { provider, history, clock, router, serving } = deps
  const log = deps.log ?? (() => {})
  /** per workload, the last reason its launches were deferred (logged when it changes) */
  const deferred = new Map<string, string>()
  const timeScale = deps.timeScale ?? 1
  const cloudMs = (seconds: number): number => (seconds * 1000) / timeScale
  const holder = deps.holder ?? `${process.pid}@${hostname()}#${randomUUID().slice(0, 8)}`
  const leaseName = `controller:${provider.name}:${provider.fleetTag}`
  const book: FailoverBook = createFailoverBook(history, deps.record, clock.now())
  const busy = new Map<string, Promise<void>>()
  const readiness = new Map<string, boolean>()
  /**
   * How long a launch takes to serve (launch to ready), learned from the replicas seen becoming
   * ready (a moving average); an estimate for choosing spares, so it may start from a guess.
   */
  let readyAfterMs = cloudMs(DEFAULT_READY_AFTER_SECONDS)
  const timedToReady = new Set<string>()
  const coolingUntil = new Map<string, number>()
  const spotOutUntil = new Map<string, number>()
  const budgets = new Map<string, ReturnType<typeof createBudget>>()
  /** instances of workloads as last seen, to catch reclaims that came without a notice */
  const seen = new Map<string, { workload: string; role: Role; noticed: boolean; zone: string }>()
  let started = false
  let running: Promise<void> | undefined
  let again = false
  const stopping = new AbortController()
  /** instances under notice or being retired, as the last pass saw them */
  let leavingIds = new Set<string>()
  /** serving replicas of a service the router sends traffic to, not counting leaving ones */
  const readyStaying = (service: string): number =>
    router.replicas().filter((r) => r.service === service && !leavingIds.has(r.id)).length
  let launches = 0
  /** real instants a job asked to be looked at again (one timer each) */
  const wakeups = new Set<number>()
  const jobs: JobRunner = createJobRunner({
    provider,
    history,
    clock,
    record: deps.record,
    log,
    timeScale,
    priceOf: deps.priceOf,
    spotProbeSeconds: deps.spotProbeSeconds,
    bootScript: deps.jobBootScript,
    wakeAt: (at) => {
      // whole ms, a ms late rather than early: the rule must see its line crossed
      const when = Math.ceil(at)
      if (wakeups.has(when) || stopping.signal.aborted) return
      wakeups.add(when)
      clock
        .sleep(Math.max(0, when - clock.now()), stopping.signal)
        .then(
          () => reconcile(),
          (error) => {
            if (!stopping.signal.aborted) throw error
          }
        )
        .catch((error) => log(`job wake-up failed: ${errorText(error)}`))
        .finally(() => wakeups.delete(when))
    }
  })

  // seed what was alive before a restart, so a reclaim during the downtime is still noticed
  for (const i of history.fleetAt(clock.now())) {
    const workload = workloadOf(i)
    const role = roleOf(i)
    if (workload && role && i.state !== 'terminated')
      seen.set(i.id, {
        workload,
        role,
        // a notice, or a retirement of our own: either way its going is no surprise
        noticed: i.noticeDeadline !== undefined || i.tags[RETIRING_TAG] === '1',
        zone: i.zone
      })
  }

  const renewLease = (): void => {
    const result = history.leases.acquire(leaseName, holder, clock.now(), LEASE_TTL_MS)
    if (result.ok) return
    if (staleLocalHolder(result.holder)) {
      history.leases.release(leaseName, result.holder)
      if (history.leases.acquire(leaseName, holder, clock.now(), LEASE_TTL_MS).ok) return
    }
    throw new LeaseRefused(
      `another Synkti controller (${result.holder}) manages fleet "${provider.fleetTag}" on ${provider.name} ` +
        `until ${new Date(result.expiresAt).toISOString()}; stop it first, or use another fleet tag`
    )
  }

  const workloads = (): StoredWorkload[] => history.workloads.list({ includeCancelled: true })

  const track = (id: string, what: string, work: () => Promise<void>): void => {
    if (busy.has(id)) return
    const p = work()
      .catch((error) => {
        // cut short by stop() is expected; anything else is worth a line
        if (!stopping.signal.aborted) log(`${what} of ${id} failed: ${errorText(error)}`)
      })
      .finally(() => busy.delete(id))
    busy.set(id, p)
  }

  /**
   * A model server loading: look at it often and reconcile the moment it answers, rather than at
   * the next sync. Bounded by the service's ready timeout; one watcher per instance.
   */
  const watching = new Set<string>()
  const watchUntilReady = (i: ManagedInstance, spec: ServiceSpec): void => {
    if (watching.has(i.id)) return
    watching.add(i.id)
    const until = clock.now() + spec.health.readyTimeoutSeconds * 1000
    const look = async (): Promise<void> => {
      while (!stopping.signal.aborted && clock.now() < until) {
        const base = serving.endpoint(i)
        if (base && (await checkReady(base, modelOf(i, spec), { timeoutMs: 500 })).ready) {
          readiness.set(i.id, true)
          void reconcile().catch((error) => log(`reconcile failed: ${errorText(error)}`))
          return
        }
        await clock.sleep(READY_POLL_MS, stopping.signal)
      }
    }
    look()
      .catch((error) => {
        if (!stopping.signal.aborted) log(`watching ${i.id} load its model: ${errorText(error)}`)
      })
      .finally(() => watching.delete(i.id))
  }

  const metricsUrl = (i: ManagedInstance): string | undefined => {
    const base = serving.endpoint(i)
    return base ? `${base}/metrics` : undefined
  }

  /** stop routing, wait for in-flight requests (fail-closed), then terminate */
  const drainAndTerminate = async (
    i: ManagedInstance,
    deadline: number,
    failover?: string,
    reason?: string
  ): Promise<void> => {
    const at = clock.now()
    deps.record({
      at,
      kind: 'drain-start',
      instanceId: i.id,
      data: { deadline, ...(reason ? { reason } : {}) }
    })
    if (failover) book.mark(failover, 'draining', at)
    const url = metricsUrl(i)
    let result: DrainResult
    if (!url) {
      await router.deregister(i.id)
      result = {
        outcome: 'drained',
        startedAt: at,
        endedAt: clock.now(),
        deregisterMs: 0,
        lastRunning: 0,
        lastWaiting: 0,
        reason: 'no model server was started: nothing to drain'
      }
    } else {
      result = await drain({
        metricsUrl: url,
        deregister: () => router.deregister(i.id),
        // whole ms: timers take integers, and a sandbox deadline can fall between two
        deadline: Math.floor(deadline),
        clock,
        signal: stopping.signal,
        pollMs: Math.max(50, Math.min(1000, (deadline - at) / 20))
      })
    }
    if (stopping.signal.aborted) return // cut by stop(): the next controller drains it again
    deps.record({ at: clock.now(), kind: 'drain-end', instanceId: i.id, data: { ...result } })
    if (failover) book.mark(failover, 'drained', clock.now(), { outcome: result.outcome })
    try {
      await provider.terminate(i.id)
    } catch (error) {
      // already gone (the reclaim came first) is the expected race; anything else is worth a line
      if (!isProviderError(error, 'not-found')) throw error
    }
  }

  /** the spec the pass is planning for, so a view can tell an older spec's replica */
  let planning: ServiceSpec | undefined
  const outdatedFor = (i: ManagedInstance): boolean =>
    planning !== undefined && modelOf(i, planning) !== planning.model

  const viewOf = (i: ManagedInstance): ReplicaView => ({
    id: i.id,
    role: roleOf(i)!,
    market: i.market,
    zone: i.zone,
    state: i.state,
    launchedAt: i.launchedAt,
    leaving: i.noticeDeadline !== undefined || i.tags[RETIRING_TAG] === '1',
    ready: readiness.get(i.id) === true,
    serving: serving.started(i),
    routed: router.replicas().some((r) => r.id === i.id),
    fallback: i.tags[FALLBACK_TAG] === '1',
    replaces: i.tags[REPLACES_TAG] || undefined,
    outdated: outdatedFor(i),
    atRisk: atRisk.has(i.id)
  })

  const refreshReadiness = async (
    spec: ServiceSpec,
    instances: ManagedInstance[]
  ): Promise<void> => {
    await Promise.all(
      instances.map(async (i) => {
        const base = serving.endpoint(i)
        if (!base || i.state !== 'running' || !serving.started(i)) {
          readiness.set(i.id, false)
          return
        }
        // each replica is ready for the model it was launched with (an older spec's may differ)
        const ready = (await checkReady(base, modelOf(i, spec), { timeoutMs: 1500 })).ready
        // learned from the first time each replica is seen becoming ready (a flap is no sample)
        if (ready && readiness.get(i.id) === false && !timedToReady.has(i.id)) {
          timedToReady.add(i.id)
          readyAfterMs = 0.8 * readyAfterMs + 0.2 * Math.max(0, clock.now() - i.launchedAt)
        }
        readiness.set(i.id, ready)
      })
    )
  }

  const launch = async (
    w: StoredWorkload,
    spec: ServiceSpec,
    a: Extract<ServiceAction, { kind: 'launch' }>,
    mine: ManagedInstance[]
  ): Promise<void> => {
    const budget = budgetFor(w.name, spec.budgetPerHour ?? 0)
    const spend = mine.filter((i) => ALIVE.has(i.state)).reduce((sum, i) => sum + i.pricePerHour, 0)
    let userData: string | undefined
    try {
      userData = deps.userData?.(spec)
    } catch (error) {
      // no boot script, no launch: a node that cannot boot its agent never serves (a later pass retries)
      if (!isProviderError(error)) throw error
      const line = `${w.name}: launches deferred: ${error.message}`
      if (deferred.get(w.name) !== line) log(line) // once, not every pass
      deferred.set(w.name, line)
      return
    }
    deferred.delete(w.name)
    let allSpotFull = a.market === 'spot'
    for (const instanceType of spec.instanceTypes) {
      const price = deps.priceOf(instanceType, a.market)
      const result = await launchWithinBudget(
        { provider, clock, record: deps.record, budget, spendPerHour: () => spend },
        {
          instanceType,
          market: a.market,
          zones: a.zones.length > 0 ? a.zones : undefined,
          name: `${w.name}-${a.role === 'standby' ? 'spare' : 'replica'}-${(++launches).toString(36)}${clock.now().toString(36).slice(-4)}`,
          model: spec.model,
          userData,
          rootVolumeGiB: spec.diskGiB,
          tags: launchTags({
            workload: w.name,
            role: a.role,
            generation: w.generation,
            replaces: a.replaces,
            fallback: a.fallback
          })
        },
        price ?? Number.NaN,
        { by: 'controller', workload: w.name, role: a.role, reason: a.reason }
      )
      if (result.ok) {
        if (a.replaces)
          book.mark(a.replaces, 'replacement-chosen', clock.now(), {
            replacement: result.instance.id,
            how: `launch ${a.market}`
          })
        return
      }
      if (result.code === 'budget') {
        log(`${w.name}: ${result.reason}`)
        return
      }
      if (result.code !== 'capacity') allSpotFull = false
    }
    if (allSpotFull) {
      spotOutUntil.set(w.name, clock.now() + cloudMs(SPOT_RETRY_SECONDS))
      again = true // plan once more now: the on-demand fallback should not wait for the next sync
      log(`${w.name}: no spot capacity in any zone; spot retried in ${SPOT_RETRY_SECONDS / 60} min`)
    }
  }

  const budgetFor = (name: string, cap: number): ReturnType<typeof createBudget> => {
    const existing = budgets.get(name)
    if (existing && existing.capPerHour === cap) return existing
    const b = createBudget(cap)
    budgets.set(name, b)
    return b
  }

  const execute = async (
    w: StoredWorkload,
    spec: ServiceSpec,
    a: ServiceAction,
    byId: Map<string, ManagedInstance>,
    mine: ManagedInstance[]
  ): Promise<void> => {
    switch (a.kind) {
      case 'launch':
        return launch(w, spec, a, mine)
      case 'promote': {
        const retag = {
          [ROLE_TAG]: 'serving',
          ...(a.replaces ? { [REPLACES_TAG]: a.replaces } : {})
        }
        await provider.tagInstance(a.instanceId, retag)
        // the rest of this pass (registering it) must see it as the cloud now does
        const promoted = byId.get(a.instanceId)
        if (promoted) byId.set(a.instanceId, { ...promoted, tags: { ...promoted.tags, ...retag } })
        deps.record({
          at: clock.now(),
          kind: 'standby',
          instanceId: a.instanceId,
          data: { action: 'promoted', workload: w.name, reason: a.reason }
        })
        if (a.replaces)
          book.mark(a.replaces, 'replacement-chosen', clock.now(), {
            replacement: a.instanceId,
            how: 'promote standby'
          })
        return
      }
      case 'start-serving': {
        const i = byId.get(a.instanceId)
        if (!i) return
        await serving.start(i, { model: modelOf(i, spec), service: w.name })
        watchUntilReady(i, spec)
        return
      }
      case 'register': {
        const i = byId.get(a.instanceId)
        const baseUrl = i && serving.endpoint(i)
        if (!i || !baseUrl) return
        await router.register({ id: i.id, service: w.name, model: modelOf(i, spec), baseUrl })
        const replaces = i.tags[REPLACES_TAG]
        if (replaces && book.get(replaces)) {
          book.mark(replaces, 'replacement-ready', clock.now(), { replacement: i.id })
          book.mark(replaces, 'routed', clock.now(), { replacement: i.id })
        }
        return
      }
      case 'retire': {
        const i = byId.get(a.instanceId)
        if (!i) return
        await provider.tagInstance(i.id, { [RETIRING_TAG]: '1' })
        log(`${w.name}: retiring ${i.id} (${a.reason})`)
        track(i.id, 'retirement', () =>
          drainAndTerminate(i, clock.now() + (deps.retireDrainMs ?? 30_000), undefined, a.reason)
        )
        return
      }
    }
  }

  /** notices and reclaims without one: open failovers, drain what is still there */
  const handleLeaving = (
    w: StoredWorkload,
    mine: ManagedInstance[],
    listedIds: Set<string>
  ): void => {
    const now = clock.now()
    for (const i of mine) {
      if (i.noticeDeadline === undefined || !ALIVE.has(i.state)) continue
      const role = roleOf(i)!
      book.open({
        instanceId: i.id,
        workload: w.name,
        role,
        at: now,
        missed: false,
        deadline: i.noticeDeadline
      })
      coolingUntil.set(i.zone, now + cloudMs(ZONE_COOL_DOWN_SECONDS))
      // a notice whose deadline has passed is not replayed: the reclaim has taken the instance
      const deadline = i.noticeDeadline - (deps.drainMarginMs?.() ?? 0)
      if (i.noticeDeadline > now) {
        // A noticed replica keeps its traffic while the service has too few other ready replicas,
        // but only until the last part of the notice, which is the drain's: then routing stops and
        // the requests in flight finish. Requests are never sent where they could not finish.
        const drainWindow = Math.max(MIN_DRAIN_WINDOW_MS, (deadline - now) * DRAIN_SHARE)
        const routeUntil = deadline - drainWindow
        const spec = w.spec as ServiceSpec
        track(i.id, 'drain', async () => {
          // after a restart the new router does not know it yet: while it may still serve, route it
          const base = serving.endpoint(i)
          if (base && clock.now() < routeUntil && readyStaying(w.name) < spec.replicas) {
            const routed = router.replicas().some((r) => r.id === i.id)
            if (!routed && (await checkReady(base, modelOf(i, spec), { timeoutMs: 500 })).ready)
              await router.register({
                id: i.id,
                service: w.name,
                model: modelOf(i, spec),
                baseUrl: base
              })
          }
          while (clock.now() < routeUntil && readyStaying(w.name) < spec.replicas)
            await clock.sleep(Math.min(50, Math.max(1, routeUntil - clock.now())), stopping.signal)
          await drainAndTerminate(i, Math.max(clock.now(), deadline), i.id)
        })
      }
    }
    for (const [id, s] of seen) {
      if (s.workload !== w.name || listedIds.has(id)) continue
      seen.delete(id)
      readiness.delete(id)
      timedToReady.delete(id)
      router.deregister(id).catch((error) => log(`deregister ${id}: ${errorText(error)}`))
      if (s.noticed || book.get(id)) continue
      // gone without a notice: recorded as a missed notice, and replaced like any other
      deps.record({
        at: now,
        kind: 'notice',
        instanceId: id,
        data: {
          missed: true,
          workload: w.name,
          role: s.role,
          reason: 'instance gone without a notice'
        }
      })
      coolingUntil.set(s.zone, now + cloudMs(ZONE_COOL_DOWN_SECONDS))
      book.open({ instanceId: id, workload: w.name, role: s.role, at: now, missed: true })
    }
  }

  /** ends failovers whose replacement serves and whose old instance is drained or gone */
  const settleFailovers = (w: StoredWorkload, listedIds: Set<string>): void => {
    const now = clock.now()
    for (const f of book.all()) {
      if (f.workload !== w.name) continue
      const oldGone = !listedIds.has(f.instanceId) || f.marks.has('drained')
      if (!oldGone) continue
      if (f.role !== 'serving') {
        book.end(f.instanceId, 'ok', now, `${f.role} replaced as ${f.role}`)
        continue
      }
      if (f.marks.has('routed')) {
        book.end(f.instanceId, 'ok', now)
        continue
      }
      // its replacement may have answered another notice first: what matters is the service
      if (readyStaying(w.name) >= (w.spec as ServiceSpec).replicas) {
        book.end(f.instanceId, 'ok', now, 'service back to full strength')
        continue
      }
      // a replacement that died before serving frees the failover to take another one
      if (f.replacement && !listedIds.has(f.replacement)) f.replacement = undefined
    }
  }

  /** zone and deadline of each unanswered notice; one gone without a notice is due now */
  const noticeDetails = (
    ids: readonly string[],
    mine: ManagedInstance[],
    now: number
  ): Map<string, { zone: string; deadline: number }> => {
    const details = new Map<string, { zone: string; deadline: number }>()
    for (const id of ids) {
      const i = mine.find((m) => m.id === id)
      const zone = i?.zone ?? seen.get(id)?.zone
      if (zone !== undefined) details.set(id, { zone, deadline: i?.noticeDeadline ?? now })
    }
    return details
  }

  const reconcileService = async (
    w: StoredWorkload,
    spec: ServiceSpec,
    mine: ManagedInstance[],
    listedIds: Set<string>
  ): Promise<void> => {
    handleLeaving(w, mine, listedIds)
    const alive = mine.filter((i) => ALIVE.has(i.state))
    await refreshReadiness(spec, alive)
    const now = clock.now()
    const cooling = new Set([...coolingUntil].filter(([, until]) => until > now).map(([z]) => z))
    const zones = spec.zones?.length ? spec.zones : (deps.zones ?? [])
    planning = spec
    const unanswered = book.unanswered(w.name)
    const actions = planService(
      {
        name: w.name,
        replicas: spec.replicas,
        standby: spec.standby,
        market: spec.market,
        overProvision: spec.overProvision ?? 0,
        replaceAtRisk: spec.rebalance === 'replace'
      },
      alive.map(viewOf),
      {
        zones,
        coolingZones: cooling,
        spotUnavailable: (spotOutUntil.get(w.name) ?? 0) > now,
        unansweredNotices: unanswered,
        spareChoice: { now, readyAfterMs, notices: noticeDetails(unanswered, mine, now) }
      }
    )
    const byId = new Map(mine.map((i) => [i.id, i]))
    for (const a of actions) {
      try {
        await execute(w, spec, a, byId, mine)
      } catch (error) {
        log(
          `${w.name}: ${a.kind} ${'instanceId' in a ? a.instanceId : ''} failed: ${errorText(error)}`
        )
      }
    }
    // a replica routed but no longer ready stops getting traffic until it is again
    for (const i of alive)
      if (readiness.get(i.id) === false && router.replicas().some((r) => r.id === i.id))
        await router.deregister(i.id)
    settleFailovers(w, listedIds)
  }

  const retireAll = (w: StoredWorkload, mine: ManagedInstance[]): void => {
    for (const i of mine) {
      if (!ALIVE.has(i.state)) continue
      track(i.id, 'cancellation', async () => {
        if (i.tags[RETIRING_TAG] !== '1') await provider.tagInstance(i.id, { [RETIRING_TAG]: '1' })
        await drainAndTerminate(i, clock.now() + (deps.retireDrainMs ?? 30_000))
      })
    }
    for (const f of book.all())
      if (f.workload === w.name) book.end(f.instanceId, 'failed', clock.now(), 'workload cancelled')
  }

  const listFresh = async (): Promise<ManagedInstance[]> => {
    const notices = deps.notices?.() ?? new Map<string, number>()
    return (await provider.listInstances()).map((i) =>
      i.noticeDeadline === undefined && notices.has(i.id)
        ? { ...i, noticeDeadline: notices.get(i.id) }
        : i
    )
  }

  /** instances under a rebalance recommendation, read from history (so a restart keeps them) */
  const atRisk = new Set<string>()
  let atRiskReadUntil = clock.now() - AT_RISK_LOOKBACK_MS
  const refreshAtRisk = (listedIds: ReadonlySet<string>): void => {
    const now = clock.now()
    // from a little before the last read: an event is stored with the time it was observed
    const since = atRiskReadUntil - AT_RISK_OVERLAP_MS
    for (const e of history.eventsBetween(since, now + 1, { kinds: ['rebalance'], limit: 1000 }))
      if (e.instanceId) atRisk.add(e.instanceId)
    atRiskReadUntil = now + 1
    for (const id of atRisk) if (!listedIds.has(id)) atRisk.delete(id)
  }

  const pass = async (): Promise<void> => {
    renewLease()
    const listed = await listFresh()
    const all = workloads()
    const byWorkload = new Map<string, ManagedInstance[]>()
    for (const i of listed) {
      const name = workloadOf(i)
      if (!name || !roleOf(i)) continue
      const list = byWorkload.get(name) ?? []
      list.push(i)
      byWorkload.set(name, list)
    }
    const listedIds = new Set(listed.filter((i) => i.state !== 'terminated').map((i) => i.id))
    refreshAtRisk(listedIds)
    leavingIds = new Set(
      listed
        .filter((i) => i.noticeDeadline !== undefined || i.tags[RETIRING_TAG] === '1')
        .map((i) => i.id)
    )
    for (const w of all) {
      const mine = byWorkload.get(w.name) ?? []
      byWorkload.delete(w.name)
      if (w.cancelledAt !== undefined) {
        retireAll(w, mine)
        continue
      }
      if (w.kind === 'service') await reconcileService(w, w.spec as ServiceSpec, mine, listedIds)
      else if (w.kind === 'job') await jobs.reconcile(w, mine)
    }
    // instances of workloads nobody declared (deleted from history, or another tool's) are left
    // alone but said once per pass
    for (const [name, mine] of byWorkload)
      if (mine.some((i) => ALIVE.has(i.state)))
        log(
          `instances tagged for unknown workload "${name}" left alone: ${mine.map((i) => i.id).join(', ')}`
        )
    for (const i of listed) {
      const workload = workloadOf(i)
      const role = roleOf(i)
      if (!workload || !role || !ALIVE.has(i.state)) continue
      seen.set(i.id, {
        workload,
        role,
        // a notice, or a retirement of our own: either way its going is no surprise
        noticed: i.noticeDeadline !== undefined || i.tags[RETIRING_TAG] === '1',
        zone: i.zone
      })
    }
  }

  const reconcile: Controller['reconcile'] = async () => {
    if (!started) return
    if (running) {
      again = true
      return running
    }
    running = (async () => {
      try {
        do {
          again = false
          await pass()
        } while (again)
      } finally {
        running = undefined
      }
    })()
    return running
  }

  return {
    start() {
      renewLease()
      started = true
    },
    async stop() {
      started = false
      // drains in flight are cut, not waited for: every phase so far is in history, and the next
      // controller sees the same notices and drains again what is still there
      stopping.abort(new Error('controller stopping'))
      await running
      await Promise.allSettled([...busy.values()])
      history.leases.release(leaseName, holder)
    },
    reconcile,
    poke() {
      void reconcile().catch((error) => log(`reconcile failed: ${errorText(error)}`))
    },
    status(listed) {
      return workloads()
        .filter((w) => w.cancelledAt === undefined)
        .map((w) => {
          const status = statusOf(w, listed, readiness, book)
          const job = w.kind === 'job' ? jobs.view(w) : undefined
          return job ? { ...status, job } : status
        })
    },
    async idle() {
      while (busy.size > 0 || running) {
        await Promise.allSettled([...busy.values(), running])
      }
    }
  }
}

/** the model a replica was launched with (its tag), else the spec's */
function modelOf(i: ManagedInstance, spec: ServiceSpec): string {
  return i.tags[MODEL_TAG_KEY] || spec.model
}

function statusOf(
  w: StoredWorkload,
  listed: readonly ManagedInstance[],
  readiness: Map<string, boolean>,
  book: FailoverBook
): WorkloadStatus {
  const spec = w.spec as ServiceSpec
  const mine = listed.filter((i) => workloadOf(i) === w.name && ALIVE.has(i.state))
  const leaving = mine.filter((i) => i.noticeDeadline !== undefined || i.tags[RETIRING_TAG] === '1')
  const staying = mine.filter((i) => !leaving.includes(i))
  const serving = staying.filter((i) => roleOf(i) === 'serving')
  return {
    name: w.name,
    kind: w.kind,
    generation: w.generation,
    desired: { replicas: spec.replicas ?? 0, standby: spec.standby ?? 0 },
    serving: serving.length,
    ready: serving.filter((i) => readiness.get(i.id) === true).length,
    standby: staying.filter((i) => roleOf(i) === 'standby').length,
    leaving: leaving.length,
    recoveries: book.recoveries(w.name),
    openFailovers: book.all().filter((f) => f.workload === w.name).length,
    costPerHour: mine.reduce((s, i) => s + i.pricePerHour, 0),
    ondemandCostPerHour: mine.reduce((s, i) => s + i.onDemandPricePerHour, 0),
    instances: mine.map((i) => ({
      id: i.id,
      role: roleOf(i)!,
      state: i.state,
      market: i.market,
      zone: i.zone,
      ready: readiness.get(i.id) === true
    }))
  }
}

/** a lease left by a process of this host that is no longer running */
function staleLocalHolder(holder: string): boolean {
  const m = /^(\d+)@([^#]+)#/.exec(holder)
  if (!m || m[2] !== hostname()) return false
  try {
    process.kill(Number(m[1]), 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
