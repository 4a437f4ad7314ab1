import type { Clock } from '../clock'
import { LatencyWindow } from './latency-window'
import { RateWindow } from './rate-window'
import type { ReplicaEndpoint, ReplicaStats, ServiceStats } from './types'

/** how an attempt on one replica, or a client's request as a whole, ended */
export type Outcome =
  /** a 2xx (or any non-5xx) answer delivered in full */
  | 'ok'
  /** the replica (or the router on its behalf) answered 4xx: the client's fault, not an error */
  | 'client-error'
  /** refused, reset, timed out, a 5xx, a stream cut short, or no replica ready */
  | 'error'
  /** the client went away first: neither a success nor the replica's fault */
  | 'aborted'

export interface ReplicaState {
  endpoint: ReplicaEndpoint
  registered: boolean
  inFlight: number
  requests: number
  errors: number
  latency: LatencyWindow
  /** performance.now() until which new requests avoid this replica */
  ejectedUntil: number
}

export interface ServiceState {
  service: string
  model: string
  requests: number
  errors: number
  latency: LatencyWindow
  rate: RateWindow
  /** clock time the last replica left; null while it has one */
  emptySince: number | null
}

/** What the metrics exporter is told; the table itself stays free of Prometheus. */
export interface TableObserver {
  attemptStarted(replica: ReplicaEndpoint): void
  attemptEnded(replica: ReplicaEndpoint, outcome: Outcome, ms: number): void
  requestStarted(service: ServiceState): void
  requestEnded(service: ServiceState, outcome: Outcome, ms: number): void
  replicaForgotten(replica: ReplicaEndpoint): void
  serviceForgotten(service: ServiceState): void
}

export interface DeclaredService {
  service: string
  model: string
}

export interface ReplicaTableOptions {
  clock: Clock
  /** samples per latency ring (per replica and per service) */
  latencySamples?: number
  /** seconds in the rolling requests/s window */
  rateWindowSeconds?: number
  /** a model whose last replica left stays known (503, not 404) this long, clock ms */
  forgetAfterMs?: number
  /** services the controller expects (desired workloads): their models get 503 while none is ready */
  declaredServices?: () => Iterable<DeclaredService>
  /** monotonic ms for ejection, performance.now by default */
  monotonicNow?: () => number
  observer?: TableObserver
}

export type Route =
  | { kind: 'replica'; replica: ReplicaState; service: ServiceState }
  | { kind: 'none-ready'; service: ServiceState }
  | { kind: 'unknown-model' }

/**
 * Picks the replica for a new request: the fewest requests in flight, then the fewest requests
 * so far, then the smallest id, so equal replicas take turns and the choice is deterministic.
 * Ejected replicas are used only when every candidate is ejected (a guess beats a 503).
 */
export function pickReplica(
  candidates: Iterable<ReplicaState>,
  model: string,
  exclude: ReadonlySet<string>,
  now: number
): ReplicaState | undefined {
  let best: ReplicaState | undefined
  let bestEjected = true
  for (const candidate of candidates) {
    if (!candidate.registered || candidate.endpoint.model !== model) continue
    if (exclude.has(candidate.endpoint.id)) continue
    const ejected = candidate.ejectedUntil > now
    if (
      best === undefined ||
      (bestEjected && !ejected) ||
      (bestEjected === ejected && before(candidate, best))
    ) {
      best = candidate
      bestEjected = ejected
    }
  }
  return best
}

function before(a: ReplicaState, b: ReplicaState): boolean {
  if (a.inFlight !== b.inFlight) return a.inFlight < b.inFlight
  if (a.requests !== b.requests) return a.requests < b.requests
  return a.endpoint.id < b.endpoint.id
}

const DEFAULT_FORGET_AFTER_MS = 10 * 60_000

/**
 * The router's state without HTTP: registered and draining replicas, per-service figures, the
 * choice of replica, and the stats of the RouterPort contract. Memory is bounded by the replicas
 * and services alive (a deregistered replica is dropped when its last request ends, a service
 * `forgetAfterMs` after its last replica left) times fixed-size latency rings and rate windows.
 */
export class ReplicaTable {
  private readonly replicaStates = new Map<string, ReplicaState>()
  private readonly serviceStates = new Map<string, ServiceState>()
  private readonly clock: Clock
  private readonly latencySamples: number
  private readonly rateWindowSeconds: number
  private readonly forgetAfterMs: number
  private readonly monotonicNow: () => number
  private readonly declared: () => Iterable<DeclaredService>
  private readonly observer?: TableObserver

  constructor(options: ReplicaTableOptions) {
    this.clock = options.clock
    this.latencySamples = options.latencySamples ?? 1024
    this.rateWindowSeconds = options.rateWindowSeconds ?? 60
    this.forgetAfterMs = options.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS
    this.monotonicNow = options.monotonicNow ?? (() => performance.now())
    this.declared = options.declaredServices ?? (() => [])
    this.observer = options.observer
    // fail at construction, not at the first request
    new LatencyWindow(this.latencySamples)
    new RateWindow(this.clock, this.rateWindowSeconds)
  }

  register(endpoint: ReplicaEndpoint): void {
    const copy = { ...endpoint }
    const existing = this.replicaStates.get(copy.id)
    if (existing) {
      const movedService = existing.endpoint.service !== copy.service
      if (movedService) this.observer?.replicaForgotten(existing.endpoint)
      existing.endpoint = copy
      existing.registered = true
    } else {
      this.replicaStates.set(copy.id, {
        endpoint: copy,
        registered: true,
        inFlight: 0,
        requests: 0,
        errors: 0,
        latency: new LatencyWindow(this.latencySamples),
        ejectedUntil: 0
      })
    }
    const service = this.serviceState(copy.service, copy.model)
    service.model = copy.model
    this.refreshEmptiness()
  }

  deregister(id: string): void {
    const state = this.replicaStates.get(id)
    if (!state) return
    state.registered = false
    this.dropIfIdle(state)
    this.refreshEmptiness()
  }

  inFlight(id: string): number {
    return this.replicaStates.get(id)?.inFlight ?? 0
  }

  replicas(): ReplicaEndpoint[] {
    return [...this.replicaStates.values()]
      .filter((state) => state.registered)
      .map((state) => ({ ...state.endpoint }))
      .sort((a, b) => compare(a.id, b.id))
  }

  /** registered replicas and their models, for gauges */
  replicaStatesView(): Iterable<ReplicaState> {
    return this.replicaStates.values()
  }

  /** where a new request for `model` goes, excluding replicas already tried */
  route(model: string, exclude: ReadonlySet<string> = new Set()): Route {
    const replica = pickReplica(this.replicaStates.values(), model, exclude, this.monotonicNow())
    if (replica) {
      const service = this.serviceState(replica.endpoint.service, replica.endpoint.model)
      return { kind: 'replica', replica, service }
    }
    const service = this.serviceOfModel(model)
    return service ? { kind: 'none-ready', service } : { kind: 'unknown-model' }
  }

  /** a request was sent to this replica */
  attemptStarted(replica: ReplicaState): void {
    replica.inFlight++
    replica.requests++
    this.observer?.attemptStarted(replica.endpoint)
  }

  attemptEnded(replica: ReplicaState, outcome: Outcome, ms: number): void {
    replica.inFlight = Math.max(0, replica.inFlight - 1)
    if (outcome === 'error') replica.errors++
    if (outcome === 'ok') replica.latency.record(ms)
    this.observer?.attemptEnded(replica.endpoint, outcome, ms)
    this.dropIfIdle(replica)
  }

  /** keep new requests away from a replica that just failed at the connection level */
  eject(replica: ReplicaState, forMs: number): void {
    if (forMs > 0) replica.ejectedUntil = this.monotonicNow() + forMs
  }

  /** a client request for this service arrived (counted on arrival, like the rate) */
  requestStarted(service: ServiceState): void {
    service.requests++
    service.rate.record()
    this.observer?.requestStarted(service)
  }

  requestEnded(service: ServiceState, outcome: Outcome, ms: number): void {
    if (outcome === 'error') service.errors++
    if (outcome === 'ok') service.latency.record(ms)
    this.observer?.requestEnded(service, outcome, ms)
  }

  /** models with at least one registered replica, sorted */
  readyModels(): string[] {
    const models = new Set<string>()
    for (const state of this.replicaStates.values())
      if (state.registered) models.add(state.endpoint.model)
    return [...models].sort(compare)
  }

  readyCount(service: string): number {
    let ready = 0
    for (const state of this.replicaStates.values())
      if (state.registered && state.endpoint.service === service) ready++
    return ready
  }

  stats(): { replicas: ReplicaStats[]; services: ServiceStats[] } {
    const now = this.monotonicNow()
    const replicas = [...this.replicaStates.values()]
      .sort((a, b) => compare(a.endpoint.id, b.endpoint.id))
      .map((state): ReplicaStats => {
        const [p50Ms, p99Ms] = state.latency.quantiles([0.5, 0.99])
        return {
          id: state.endpoint.id,
          service: state.endpoint.service,
          requests: state.requests,
          errors: state.errors,
          inFlight: state.inFlight,
          p50Ms,
          p99Ms,
          registered: state.registered,
          ejected: state.ejectedUntil > now
        }
      })
    return { replicas, services: this.services().map((service) => this.serviceStats(service)) }
  }

  /** every known service (registered, draining, declared or recently emptied), sorted */
  services(): ServiceState[] {
    for (const { service, model } of this.declared()) {
      const state = this.serviceState(service, model)
      // with no replica to say otherwise, the declared model is the service's model
      if (state.emptySince !== null) state.model = model
    }
    this.forgetStaleServices()
    return [...this.serviceStates.values()].sort((a, b) => compare(a.service, b.service))
  }

  private serviceStats(service: ServiceState): ServiceStats {
    const [p50Ms, p99Ms] = service.latency.quantiles([0.5, 0.99])
    return {
      service: service.service,
      model: service.model,
      ready: this.readyCount(service.service),
      requests: service.requests,
      errors: service.errors,
      requestsPerSecond: service.rate.perSecond(),
      p50Ms,
      p99Ms
    }
  }

  private serviceOfModel(model: string): ServiceState | undefined {
    return this.services().find((service) => service.model === model)
  }

  private serviceState(name: string, model: string): ServiceState {
    let state = this.serviceStates.get(name)
    if (!state) {
      state = {
        service: name,
        model,
        requests: 0,
        errors: 0,
        latency: new LatencyWindow(this.latencySamples),
        rate: new RateWindow(this.clock, this.rateWindowSeconds),
        emptySince: null
      }
      this.serviceStates.set(name, state)
      this.refreshEmptiness()
    }
    return state
  }

  private dropIfIdle(state: ReplicaState): void {
    if (state.registered || state.inFlight > 0) return
    if (this.replicaStates.get(state.endpoint.id) !== state) return
    this.replicaStates.delete(state.endpoint.id)
    this.observer?.replicaForgotten(state.endpoint)
    this.refreshEmptiness()
  }

  /** stamp services that just lost their last replica, clear the stamp of those that got one */
  private refreshEmptiness(): void {
    const occupied = new Set<string>()
    for (const state of this.replicaStates.values()) occupied.add(state.endpoint.service)
    for (const service of this.serviceStates.values()) {
      if (occupied.has(service.service)) service.emptySince = null
      else service.emptySince ??= this.clock.now()
    }
  }

  private forgetStaleServices(): void {
    const declared = new Set<string>()
    for (const { service } of this.declared()) declared.add(service)
    const now = this.clock.now()
    for (const service of this.serviceStates.values()) {
      if (declared.has(service.service) || service.emptySince === null) continue
      if (now - service.emptySince < this.forgetAfterMs) continue
      this.serviceStates.delete(service.service)
      this.observer?.serviceForgotten(service)
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
