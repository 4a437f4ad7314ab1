// The sandbox cloud: an in-process, seeded imitation of a spot cloud driven by the simulator's market
// models on an accelerated clock. It is the default when no AWS is configured, so anyone can try Synkti
// offline. Simulated seconds = (clock.now() - startedAt) * speed / 1000; every event (boot, notice,
// reclaim, price step) happens at a simulated time mapped back to real ms, so the outcome depends only
// on the seed, the calls and the clock readings, never on how often advance() runs. For the same reason
// an event's observedAt is the moment it happened in the cloud, not the moment advance() noticed it.

import type { InterruptionEvent, ManagedInstance, SpotPricePoint } from '../../../shared/fleet'
import type { InstanceTypeSpec } from '../../../shared/simulation'
import { billOfLife, livedSeconds, type PriceStep } from '../../billing'
import { DEFAULT_SYNTHETIC_MARKET } from '../../simulator/catalog'
import { createRandom } from '../../../shared/random'
import { loadTrace } from '../../simulator/traces'
import { ProviderError } from '../errors'
import {
  FLEET_TAG_KEY,
  MODEL_TAG_KEY,
  type CloudProvider,
  type InstanceTypeInfo,
  type LaunchRequest,
  type SpotPriceQuery
} from '../types'
import { newInstanceId } from './ids'
import { instanceTypeInfo } from './instance-types'
import { createWindowedMarket, type MarketSource, type WindowedMarket } from './market-window'
import {
  REBALANCE_LEAD_SECONDS,
  REBALANCE_SHARE,
  resolveOptions,
  type ResolvedOptions,
  type SandboxOptions
} from './options'
import { errorText } from '../../../shared/errors'

export interface SandboxBillingRow {
  instanceId: string
  /** $ billed so far (whole life, per second, at the price in force; ended lives at least 60 s) */
  cost: number
  /** what the same life would have cost on demand */
  ondemandCost: number
  /** real ms: launch, and termination (or now while alive) */
  from: number
  to: number
}

/** An instance placed in the sandbox from outside (another fleet's, or one from an earlier session). */
export type AdoptedInstance = Pick<ManagedInstance, 'instanceType' | 'market' | 'tags'> &
  Partial<Pick<ManagedInstance, 'id' | 'zone' | 'name' | 'state' | 'launchedAt'>>

export interface SandboxProvider extends CloudProvider {
  readonly name: 'sandbox'
  readonly region: string
  readonly zones: readonly string[]
  /** simulated seconds per real second */
  readonly speed: number
  /** real ms that maps to simulated second 0 */
  readonly startedAt: number
  /** real length of an interruption notice, ms: max(graceSeconds / speed, minRealGraceMs) */
  readonly noticeMs: number
  /** rebalance recommendations, interruption notices and reclaims (state-change) of this fleet */
  onInterruption(listener: (e: InterruptionEvent) => void): () => void
  /** this fleet's live instances, after anything about them changed (state, notice, price, tags) */
  onChange(listener: (instances: ManagedInstance[]) => void): () => void
  /** processes everything due up to clock.now() */
  advance(): void
  /** calls advance() every tickMs (real) through the clock's sleep until stop() */
  start(): void
  stop(): void
  costOf(instanceId: string): number
  billing(): SandboxBillingRow[]
  /**
   * The price an instance of this cloud is billed at over real [fromMs, toMs), as steps in real ms
   * (the first one in force at fromMs); undefined for an id this sandbox never had.
   */
  pricesInForce(instanceId: string, fromMs: number, toMs: number): PriceStep[] | undefined
  /** when this sandbox ended an instance, real ms; undefined while it runs or for an unknown id */
  endedAt(instanceId: string): number | undefined
  spotPriceNow(instanceType: string, zone: string): number
  adopt(instance: AdoptedInstance): ManagedInstance
  /** simulated seconds since the start at a real time */
  simulatedSeconds(realMs: number): number
}

interface InstanceRecord {
  view: ManagedInstance
  spec: InstanceTypeSpec
  ti: number
  zi: number
  launchSim: number
  /** real ms; all Infinity when not (or no longer) due */
  runningAt: number
  rebalanceAt: number
  noticeAt: number
  deadline: number
  reclaimed: boolean
  finalBill?: SandboxBillingRow
  rebalance?: InterruptionEvent
  notice?: InterruptionEvent
  stateChange?: InterruptionEvent
}

type DueKind = 'running' | 'rebalance' | 'notice' | 'terminate'
interface Due {
  at: number
  kind: DueKind
  rec: InstanceRecord
}

const STREAM_IDS = 1
const STREAM_MARKET = 2
const STREAM_HAZARD = 3
const STREAM_CHOICE = 4
/** price steps returned per (type, zone) by one spotPriceHistory call, newest kept */
const MAX_PRICE_STEPS = 20_000
/** EC2's state reason for a spot reclaim */
const RECLAIM_REASON = 'Server.SpotInstanceTermination'

function invalid(message: string): ProviderError {
  return new ProviderError('invalid-parameter', message)
}

function copyInstance(v: ManagedInstance): ManagedInstance {
  return { ...v, tags: { ...v.tags } }
}

function buildMarket(o: ResolvedOptions): WindowedMarket {
  const random = createRandom(o.seed).fork(STREAM_MARKET)
  let source: MarketSource
  if (o.market.kind === 'synthetic') {
    const config = {
      ...DEFAULT_SYNTHETIC_MARKET,
      zones: ['a', 'b', 'c'].map((s) => `${o.region}${s}`),
      hazard: { kind: 'fixed' as const, perHour: o.preemptionRatePerHour },
      outageMeanSeconds: o.outageMeanSeconds
    }
    source = { kind: 'synthetic', config, random }
  } else {
    source = {
      kind: 'trace',
      trace: loadTraceOrThrow(o.market.path),
      binaryCapacity: o.market.binaryCapacity ?? Infinity
    }
  }
  return createWindowedMarket(source, o.instanceTypes, o.horizonSeconds)
}

function loadTraceOrThrow(path: string) {
  try {
    return loadTrace(path)
  } catch (err) {
    throw new ProviderError(
      'invalid-parameter',
      `Sandbox: cannot replay trace: ${errorText(err)}`,
      { cause: err }
    )
  }
}

export function createSandboxProvider(options: SandboxOptions): SandboxProvider {
  const o = resolveOptions(options)
  const { clock, fleetTag, region, speed } = o
  const market = buildMarket(o)
  const zones = market.zones
  const root = createRandom(o.seed)
  const idStream = root.fork(STREAM_IDS)
  const hazardStream = root.fork(STREAM_HAZARD)
  const choiceStream = root.fork(STREAM_CHOICE)
  const startedAt = clock.now()
  const noticeMs = Math.max((o.graceSeconds * 1000) / speed, o.minRealGraceMs)

  const records = new Map<string, InstanceRecord>()
  /** not terminated, in launch order */
  const live = new Set<InstanceRecord>()
  /** synthetic: simulated second until which a zone has no spot capacity (after a reclaim) */
  const outageUntil = zones.map(() => -Infinity)
  /** simulated second up to which trace capacity has been enforced */
  let capacityCursor = 0
  let launches = 0

  const interruptionListeners = new Set<(e: InterruptionEvent) => void>()
  const changeListeners = new Set<(instances: ManagedInstance[]) => void>()
  const queued: InterruptionEvent[] = []
  let dirty = false
  let flushing = false
  let advancing = false
  let loop: AbortController | undefined

  const toSim = (realMs: number): number => ((realMs - startedAt) * speed) / 1000
  const toReal = (sim: number): number => startedAt + (sim * 1000) / speed
  const isOwned = (rec: InstanceRecord): boolean => rec.view.tags[FLEET_TAG_KEY] === fleetTag

  // ---- notifications ----

  function emit(rec: InstanceRecord, e: InterruptionEvent): void {
    if (isOwned(rec)) queued.push(e)
  }

  /** delivers queued events, then one change snapshot; listeners run after the state is consistent */
  function flush(): void {
    if (flushing) return
    flushing = true
    try {
      while (queued.length > 0 || dirty) {
        const e = queued.shift()
        if (e) {
          for (const l of [...interruptionListeners]) safely(() => l({ ...e }))
          continue
        }
        dirty = false
        const snapshot = fleetSnapshot()
        for (const l of [...changeListeners]) safely(() => l(snapshot.map(copyInstance)))
      }
    } finally {
      flushing = false
    }
  }

  function safely(fn: () => void, what = 'a sandbox listener'): void {
    try {
      fn()
    } catch (error) {
      // a failing listener must not leave the cloud half-updated or starve the other listeners
      ;(options.log ?? console.error)(`sandbox: ${what} failed: ${errorText(error)}`)
    }
  }

  function fleetSnapshot(): ManagedInstance[] {
    return [...live].filter(isOwned).map((r) => copyInstance(r.view))
  }

  // ---- the event loop ----

  function advance(): void {
    if (advancing) return
    advancing = true
    try {
      runDue(clock.now())
    } finally {
      advancing = false
    }
    flush()
  }

  function runDue(now: number): void {
    const nowSim = toSim(now)
    for (;;) {
      const next = nextDue()
      const capSim = nextCapacityStep()
      const capDue = capSim <= nowSim
      if (next && next.at <= now && (!capDue || next.at <= toReal(capSim))) apply(next)
      else if (capDue) enforceCapacity(capSim)
      else break
    }
    capacityCursor = Math.max(capacityCursor, nowSim)
    refreshPrices(nowSim)
  }

  /** the earliest pending instance event; ties go to the earlier launch */
  function nextDue(): Due | undefined {
    let best: Due | undefined
    const consider = (at: number, kind: DueKind, rec: InstanceRecord): void => {
      if (at < Infinity && (!best || at < best.at)) best = { at, kind, rec }
    }
    for (const rec of live) {
      if (rec.view.state === 'pending') consider(rec.runningAt, 'running', rec)
      consider(rec.rebalanceAt, 'rebalance', rec)
      if (rec.deadline < Infinity) consider(rec.deadline, 'terminate', rec)
      else consider(rec.noticeAt, 'notice', rec)
    }
    return best
  }

  function apply(d: Due): void {
    const { rec, at } = d
    if (d.kind === 'running') {
      rec.view.state = 'running'
      dirty = true
    } else if (d.kind === 'rebalance') {
      rec.rebalanceAt = Infinity
      rec.rebalance = {
        instanceId: rec.view.id,
        kind: 'rebalance-recommendation',
        source: 'sandbox',
        observedAt: at
      }
      emit(rec, rec.rebalance)
    } else if (d.kind === 'notice') {
      issueNotice(rec, at)
      // a hazard reclaim empties the zone's spot pool for a while (the simulator's outage model)
      const outage = market.drawOutageSeconds(rec.zi, () => hazardStream.next())
      outageUntil[rec.zi] = Math.max(outageUntil[rec.zi], toSim(at) + outage)
    } else {
      finish(rec, at, true)
    }
  }

  function issueNotice(rec: InstanceRecord, at: number): void {
    rec.noticeAt = at
    rec.deadline = at + noticeMs
    rec.rebalanceAt = Infinity
    rec.view.noticeDeadline = rec.deadline
    rec.notice = {
      instanceId: rec.view.id,
      kind: 'interruption-notice',
      action: 'terminate',
      deadline: rec.deadline,
      source: 'sandbox',
      observedAt: at
    }
    emit(rec, rec.notice)
    dirty = true
  }

  function finish(rec: InstanceRecord, at: number, reclaimed: boolean): void {
    rec.view.state = 'terminated'
    rec.view.terminatedAt = at
    delete rec.view.noticeDeadline
    rec.reclaimed = reclaimed
    rec.runningAt = rec.rebalanceAt = rec.noticeAt = rec.deadline = Infinity
    live.delete(rec)
    if (reclaimed) {
      rec.stateChange = {
        instanceId: rec.view.id,
        kind: 'state-change',
        action: 'terminate',
        source: 'sandbox',
        observedAt: at,
        detail: RECLAIM_REASON
      }
      emit(rec, rec.stateChange)
    }
    dirty = true
  }

  function refreshPrices(nowSim: number): void {
    for (const rec of live) {
      if (rec.view.market !== 'spot') continue
      const price = market.spotPrice(rec.ti, rec.zi, nowSim)
      if (price !== rec.view.pricePerHour) {
        rec.view.pricePerHour = price
        dirty = true
      }
    }
  }

  // ---- trace capacity: a drop below the spot instances running in a zone reclaims the excess ----

  /** spot instances holding capacity in a zone: live, any fleet, not already under notice */
  function holding(zi: number): InstanceRecord[] {
    return [...live].filter(
      (r) => r.zi === zi && r.view.market === 'spot' && r.deadline === Infinity
    )
  }

  /** next capacity step of a zone that has spot instances to lose; Infinity when none matters */
  function nextCapacityStep(): number {
    if (market.kind === 'synthetic') return Infinity
    let best = Infinity
    zones.forEach((_, zi) => {
      if (holding(zi).length > 0) best = Math.min(best, market.nextCapacityStep(zi, capacityCursor))
    })
    return best
  }

  function enforceCapacity(s: number): void {
    capacityCursor = s
    const at = toReal(s)
    zones.forEach((_, zi) => {
      const candidates = holding(zi)
      let excess = candidates.length - market.capacity(zi, s)
      // running instances go first (a trace counts running ones), pending ones only if still over
      const running = candidates.filter((r) => r.view.state === 'running')
      const pending = candidates.filter((r) => r.view.state !== 'running')
      for (const pool of [running, pending]) {
        while (excess > 0 && pool.length > 0) {
          const [victim] = pool.splice(Math.floor(choiceStream.next() * pool.length), 1)
          issueNotice(victim, at)
          excess--
        }
      }
    })
  }

  // ---- lookups ----

  function typeIndex(name: string, what: string): number {
    const ti = market.instanceTypes.findIndex((t) => t.name === name)
    if (ti < 0) {
      const known = market.instanceTypes.map((t) => t.name).join(', ')
      throw invalid(
        `${what} failed: the sandbox has no instance type "${name}" (it offers ${known})`
      )
    }
    return ti
  }

  function zoneIndex(zone: string, what: string): number {
    const zi = zones.indexOf(zone)
    if (zi < 0)
      throw invalid(
        `${what} failed: the sandbox has no zone "${zone}" (zones: ${zones.join(', ')})`
      )
    return zi
  }

  function ownedRecord(instanceId: string, what: string): InstanceRecord {
    const rec = records.get(instanceId)
    if (!rec)
      throw new ProviderError(
        'not-found',
        `${what} failed: instance ${instanceId} not found in ${region}`
      )
    if (!isOwned(rec)) {
      const found = rec.view.tags[FLEET_TAG_KEY]
      throw new ProviderError(
        'not-owned',
        `${what} refused: instance ${instanceId} is not tagged ${FLEET_TAG_KEY}=${fleetTag}; Synkti only changes its own instances`,
        { details: { instanceId, fleetTagFound: found ?? null } }
      )
    }
    return rec
  }

  // ---- launching ----

  interface NewInstance {
    id?: string
    ti: number
    zi: number
    market: ManagedInstance['market']
    name: string
    tags: Record<string, string>
    launchedAt: number
    running: boolean
  }

  function createRecord(n: NewInstance): InstanceRecord {
    const spec = market.instanceTypes[n.ti]
    const id =
      n.id ??
      newInstanceId(
        () => idStream.next(),
        (x) => records.has(x)
      )
    const now = clock.now()
    const runningAt = n.running
      ? Math.min(n.launchedAt, now)
      : n.launchedAt + (o.bootSeconds * 1000) / speed
    const hazard =
      n.market === 'spot'
        ? drawHazard(n.ti, n.zi, Math.max(runningAt, now))
        : { noticeAt: Infinity, rebalanceAt: Infinity }
    const launchSim = toSim(n.launchedAt)
    const view: ManagedInstance = {
      id,
      name: n.name,
      provider: 'sandbox',
      region,
      zone: zones[n.zi],
      instanceType: spec.name,
      market: n.market,
      state: n.running ? 'running' : 'pending',
      gpus: spec.gpus,
      gpuMemoryGiB: spec.gpuMemoryGiB,
      pricePerHour:
        n.market === 'spot' ? market.spotPrice(n.ti, n.zi, toSim(now)) : spec.onDemandPrice,
      onDemandPricePerHour: spec.onDemandPrice,
      launchedAt: n.launchedAt,
      tags: n.tags,
      ...(n.tags[MODEL_TAG_KEY] ? { model: n.tags[MODEL_TAG_KEY] } : {})
    }
    const rec: InstanceRecord = {
      view,
      spec,
      ti: n.ti,
      zi: n.zi,
      launchSim,
      runningAt,
      ...hazard,
      deadline: Infinity,
      reclaimed: false
    }
    records.set(id, rec)
    live.add(rec)
    dirty = true
    return rec
  }

  /** synthetic hazard: when the notice comes, and (for some) a rebalance recommendation before it */
  function drawHazard(
    ti: number,
    zi: number,
    fromReal: number
  ): { noticeAt: number; rebalanceAt: number } {
    const from = toSim(fromReal)
    const notice = market.drawReclaimTime(ti, zi, from, () => hazardStream.next())
    // drawn every time so the stream stays aligned whatever the outcome
    const u = hazardStream.next()
    const rebalance = notice - REBALANCE_LEAD_SECONDS
    const rebalanceAt =
      notice < Infinity && u < REBALANCE_SHARE && rebalance > from ? toReal(rebalance) : Infinity
    return { noticeAt: toReal(notice), rebalanceAt }
  }

  /** why a spot launch cannot go to this zone now, or undefined when it can */
  function spotRefusal(zi: number, nowSim: number): string | undefined {
    if (market.kind === 'synthetic')
      return nowSim < outageUntil[zi] ? 'no spot capacity after a reclaim' : undefined
    const cap = market.capacity(zi, nowSim)
    return holding(zi).length >= cap ? `spot capacity ${cap} reached` : undefined
  }

  /** zones to try when the request names none: cheapest spot first; on-demand spread round-robin */
  function defaultZones(req: LaunchRequest, ti: number, nowSim: number): number[] {
    const all = zones.map((_, zi) => zi)
    if (req.market === 'ondemand') return [all[launches % all.length]]
    const price = (zi: number): number => market.spotPrice(ti, zi, nowSim)
    return all.sort((a, b) => price(a) - price(b) || a - b)
  }

  function checkRequest(req: LaunchRequest): number {
    const what = `Launching ${req.instanceType} (${req.market})`
    if (req.market !== 'spot' && req.market !== 'ondemand')
      throw invalid(`${what} failed: market must be 'spot' or 'ondemand'`)
    if (typeof req.name !== 'string') throw invalid(`${what} failed: a name is required`)
    return typeIndex(req.instanceType, what)
  }

  async function launch(req: LaunchRequest): Promise<ManagedInstance> {
    advance()
    const ti = checkRequest(req)
    const nowSim = toSim(clock.now())
    const what = `Launching ${req.instanceType} (${req.market})`
    const tried = req.zones?.length
      ? req.zones.map((z) => zoneIndex(z, what))
      : defaultZones(req, ti, nowSim)
    if (req.dryRun) {
      throw new ProviderError(
        'dry-run-ok',
        `Dry run: launching ${req.instanceType} (${req.market}) in ${region} would have been accepted; nothing was launched`
      )
    }
    const misses: { zone: string; reason: string }[] = []
    for (const zi of tried) {
      const refusal = req.market === 'spot' ? spotRefusal(zi, nowSim) : undefined
      if (refusal) {
        misses.push({ zone: zones[zi], reason: refusal })
        continue
      }
      launches++
      const tags = {
        ...req.tags,
        Name: req.name,
        [FLEET_TAG_KEY]: fleetTag,
        ...(req.model ? { [MODEL_TAG_KEY]: req.model } : {})
      }
      const rec = createRecord({
        ti,
        zi,
        market: req.market,
        name: req.name,
        tags,
        launchedAt: clock.now(),
        running: false
      })
      flush()
      return copyInstance(rec.view)
    }
    throw capacityError(req, misses)
  }

  function capacityError(
    req: LaunchRequest,
    misses: { zone: string; reason: string }[]
  ): ProviderError {
    const tried = misses.map((m) => `${m.zone} (${m.reason})`).join(', ')
    return new ProviderError(
      'capacity',
      `No spot capacity for ${req.instanceType} in ${tried}: try other zones or instance types, or on-demand`,
      {
        details: { zonesTried: misses.map((m) => m.zone), misses }
      }
    )
  }

  function adopt(a: AdoptedInstance): ManagedInstance {
    advance()
    const what = `Adopting ${a.id ?? 'an instance'}`
    const ti = typeIndex(a.instanceType, what)
    const zi = a.zone ? zoneIndex(a.zone, what) : 0
    if (a.id !== undefined && records.has(a.id))
      throw invalid(`${what} failed: the id is already in use`)
    if (a.state !== undefined && a.state !== 'pending' && a.state !== 'running')
      throw invalid(`${what} failed: only pending or running instances can be adopted`)
    const tags = { ...a.tags }
    const name = a.name ?? tags.Name ?? a.id ?? ''
    const rec = createRecord({
      id: a.id,
      ti,
      zi,
      market: a.market,
      name,
      tags,
      launchedAt: a.launchedAt ?? clock.now(),
      running: a.state === 'running'
    })
    if (!rec.view.name) rec.view.name = rec.view.id
    flush()
    return copyInstance(rec.view)
  }

  // ---- the rest of the contract ----

  async function terminate(instanceId: string): Promise<void> {
    advance()
    const rec = ownedRecord(instanceId, `Terminating ${instanceId}`)
    if (rec.view.state === 'terminated') return // idempotent, as on EC2
    finish(rec, clock.now(), false)
    flush()
  }

  async function tagInstance(instanceId: string, tags: Record<string, string>): Promise<void> {
    const what = `Tagging ${instanceId}`
    if (FLEET_TAG_KEY in tags)
      throw invalid(
        `${what} refused: the ${FLEET_TAG_KEY} tag marks ownership and cannot be changed`
      )
    advance()
    const rec = ownedRecord(instanceId, what)
    if (Object.keys(tags).length === 0) return
    Object.assign(rec.view.tags, tags)
    if (tags.Name !== undefined) rec.view.name = tags.Name
    if (tags[MODEL_TAG_KEY] !== undefined) rec.view.model = tags[MODEL_TAG_KEY]
    dirty = true
    flush()
  }

  async function interruptionStatus(instanceIds: string[]): Promise<InterruptionEvent[]> {
    advance()
    const out: InterruptionEvent[] = []
    for (const id of new Set(instanceIds)) {
      const rec = records.get(id)
      // like EC2's filters: ids of other fleets or unknown ids are simply absent
      if (!rec || !isOwned(rec)) continue
      const events =
        rec.view.state === 'terminated' ? [rec.stateChange] : [rec.rebalance, rec.notice]
      for (const e of events) if (e) out.push({ ...e })
    }
    return out
  }

  async function spotPriceHistory(q: SpotPriceQuery): Promise<SpotPricePoint[]> {
    if (!(q.to >= q.from)) return []
    const s0 = toSim(q.from)
    const s1 = toSim(q.to)
    const wanted = q.zones?.length ? zones.filter((z) => q.zones!.includes(z)) : zones
    const points: SpotPricePoint[] = []
    for (const instanceType of new Set(q.instanceTypes)) {
      // types the cloud does not offer have no history, as with EC2
      const ti = market.instanceTypes.findIndex((t) => t.name === instanceType)
      if (ti < 0) continue
      for (const zone of wanted) {
        const zi = zones.indexOf(zone)
        // the first step is the one in force at `from` (EC2 also reports it, stamped with its own start)
        for (const p of market.priceSteps(ti, zi, s0, s1, MAX_PRICE_STEPS)) {
          points.push({ at: Math.round(toReal(p.at)), region, zone, instanceType, price: p.price })
        }
      }
    }
    return points.sort(
      (a, b) =>
        a.at - b.at || a.zone.localeCompare(b.zone) || a.instanceType.localeCompare(b.instanceType)
    )
  }

  async function describeInstanceTypes(types: string[]): Promise<InstanceTypeInfo[]> {
    const wanted = [...new Set(types)]
    const unknown = wanted.filter((t) => !market.instanceTypes.some((s) => s.name === t))
    if (unknown.length > 0) {
      const known = market.instanceTypes.map((t) => t.name).join(', ')
      throw invalid(
        `Describing instance types failed: the sandbox has no ${unknown.join(', ')} (it offers ${known})`
      )
    }
    return wanted.map((t) => instanceTypeInfo(market.instanceTypes.find((s) => s.name === t)!))
  }

  async function listInstances(): Promise<ManagedInstance[]> {
    advance()
    return fleetSnapshot()
  }

  // ---- billing ----

  function billOf(rec: InstanceRecord): SandboxBillingRow {
    if (rec.finalBill) return rec.finalBill
    const now = clock.now()
    const { launchedAt, terminatedAt } = rec.view
    const ended = terminatedAt !== undefined
    // the life's length from real ms, as the engine's ledger measures it, so both round alike
    const bill = billOfLife(
      {
        start: rec.launchSim,
        lived: ended ? livedSeconds(launchedAt, terminatedAt, speed) : undefined
      },
      toSim(now),
      rec.spec.onDemandPrice,
      rec.view.market === 'spot' ? (t0, t1) => market.spotCost(rec.ti, rec.zi, t0, t1) : undefined
    )
    const row = {
      instanceId: rec.view.id,
      cost: bill.cost,
      ondemandCost: bill.ondemandCost,
      from: launchedAt,
      to: terminatedAt ?? Math.max(launchedAt, now)
    }
    // an ended life never changes: keep its bill so old market windows need not be rebuilt
    if (ended) rec.finalBill = row
    return { ...row }
  }

  function costOf(instanceId: string): number {
    advance()
    const rec = records.get(instanceId)
    if (!rec)
      throw new ProviderError(
        'not-found',
        `Billing failed: instance ${instanceId} not found in ${region}`
      )
    return billOf(rec).cost
  }

  function billing(): SandboxBillingRow[] {
    advance()
    return [...records.values()].filter(isOwned).map(billOf)
  }

  function pricesInForce(
    instanceId: string,
    fromMs: number,
    toMs: number
  ): PriceStep[] | undefined {
    const rec = records.get(instanceId)
    if (!rec) return undefined
    if (rec.view.market !== 'spot') return [{ at: fromMs, pricePerHour: rec.spec.onDemandPrice }]
    // every tick of the span (no cap): the bill must see each price it was charged at
    return market
      .priceSteps(rec.ti, rec.zi, toSim(fromMs), toSim(Math.max(fromMs, toMs)), Infinity)
      .map((p, i) => ({ at: i === 0 ? fromMs : toReal(p.at), pricePerHour: p.price }))
  }

  function endedAt(instanceId: string): number | undefined {
    return records.get(instanceId)?.view.terminatedAt
  }

  function spotPriceNow(instanceType: string, zone: string): number {
    const what = 'Reading the spot price'
    const ti = typeIndex(instanceType, what)
    return market.spotPrice(ti, zoneIndex(zone, what), toSim(clock.now()))
  }

  // ---- the timer loop ----

  function start(): void {
    if (loop) return
    const controller = new AbortController()
    loop = controller
    void (async () => {
      while (!controller.signal.aborted) {
        try {
          await clock.sleep(o.tickMs, controller.signal)
        } catch (aborted) {
          if (controller.signal.aborted) break // stop() ended the loop
          throw aborted
        }
        if (controller.signal.aborted) break
        safely(advance)
      }
    })()
  }

  function stop(): void {
    loop?.abort()
    loop = undefined
  }

  function subscribe<T>(set: Set<T>, listener: T): () => void {
    set.add(listener)
    return () => {
      set.delete(listener)
    }
  }

  /** the sandbox knows its market: spot capacity for a type in a zone (or any zone) right now */
  function spotCapacityNow(instanceType: string, zone?: string): boolean {
    typeIndex(instanceType, 'spot capacity query')
    const nowSim = toSim(clock.now())
    const zis =
      zone === undefined ? zones.map((_, zi) => zi) : [zoneIndex(zone, 'spot capacity query')]
    return zis.some((zi) => spotRefusal(zi, nowSim) === undefined)
  }

  return {
    spotCapacityNow,
    name: 'sandbox',
    fleetTag,
    region,
    zones,
    speed,
    startedAt,
    noticeMs,
    listInstances,
    launch,
    terminate,
    spotPriceHistory,
    describeInstanceTypes,
    interruptionStatus,
    tagInstance,
    onInterruption: (l) => subscribe(interruptionListeners, l),
    onChange: (l) => subscribe(changeListeners, l),
    advance,
    start,
    stop,
    costOf,
    billing,
    pricesInForce,
    endedAt,
    spotPriceNow,
    adopt,
    simulatedSeconds: toSim
  }
}
