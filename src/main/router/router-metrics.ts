import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Outcome, ReplicaTable, TableObserver } from './replica-table'

/** why a request was answered by the router itself without reaching a replica */
export type RejectReason =
  | 'unauthorized'
  | 'bad_request'
  | 'too_large'
  | 'unknown_model'
  | 'no_ready_replica'
  | 'not_found'
  | 'method_not_allowed'

// LLM answers take from tens of milliseconds (a short completion) to minutes (a long one).
const LATENCY_BUCKETS_SECONDS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

export interface RouterMetrics {
  readonly registry: Registry
  readonly observer: TableObserver
  rejected(reason: RejectReason): void
  /** a retry on another replica after a failure before the response began */
  retried(service: string): void
}

/**
 * Prometheus metrics of one router, in a registry of its own (never prom-client's global one, so
 * two routers in one process, or a test and the daemon, do not mix). Label sets of a replica are
 * removed when the replica is forgotten, so cardinality follows the live fleet, not its history.
 * Gauges are read from the table at scrape time, so they cannot drift from it.
 */
export function createRouterMetrics(table: () => ReplicaTable): RouterMetrics {
  const registry = new Registry()
  const registers = [registry]
  const replicaLabels = ['service', 'replica'] as const
  const replicaRequests = new Counter({
    name: 'synkti_router_replica_requests_total',
    help: 'Requests sent to a replica (a retried client request counts on each replica it tried).',
    labelNames: replicaLabels,
    registers
  })
  const replicaErrors = new Counter({
    name: 'synkti_router_replica_errors_total',
    help: 'Requests to a replica that failed: refused, reset, timed out, 5xx or cut short.',
    labelNames: replicaLabels,
    registers
  })
  const replicaLatency = new Histogram({
    name: 'synkti_router_replica_request_duration_seconds',
    help: 'Duration of successful requests to a replica, from sending to the last byte.',
    labelNames: replicaLabels,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers
  })
  new Gauge({
    name: 'synkti_router_replica_in_flight',
    help: 'Requests a replica is serving through the router now.',
    labelNames: replicaLabels,
    registers,
    collect() {
      this.reset()
      for (const state of table().replicaStatesView())
        this.set({ service: state.endpoint.service, replica: state.endpoint.id }, state.inFlight)
    }
  })
  const serviceRequests = new Counter({
    name: 'synkti_router_requests_total',
    help: 'Client requests for a service (whatever the retries).',
    labelNames: ['service'],
    registers
  })
  const serviceErrors = new Counter({
    name: 'synkti_router_errors_total',
    help: 'Client requests for a service answered with a 5xx (503 no replica ready included) or cut short.',
    labelNames: ['service'],
    registers
  })
  const serviceLatency = new Histogram({
    name: 'synkti_router_request_duration_seconds',
    help: 'Duration of successful client requests through the router, end to end.',
    labelNames: ['service'],
    buckets: LATENCY_BUCKETS_SECONDS,
    registers
  })
  const retries = new Counter({
    name: 'synkti_router_retries_total',
    help: 'Client requests retried on another replica after a failure before any byte was sent.',
    labelNames: ['service'],
    registers
  })
  new Gauge({
    name: 'synkti_router_in_flight',
    help: 'Client requests of a service being served now.',
    labelNames: ['service'],
    registers,
    collect() {
      this.reset()
      const byService = new Map<string, number>()
      for (const service of table().services()) byService.set(service.service, 0)
      for (const state of table().replicaStatesView()) {
        const service = state.endpoint.service
        byService.set(service, (byService.get(service) ?? 0) + state.inFlight)
      }
      for (const [service, inFlight] of byService) this.set({ service }, inFlight)
    }
  })
  new Gauge({
    name: 'synkti_router_ready_replicas',
    help: 'Replicas registered (ready) for a service and the model they serve.',
    labelNames: ['service', 'model'],
    registers,
    collect() {
      this.reset()
      for (const service of table().services())
        this.set(
          { service: service.service, model: service.model },
          table().readyCount(service.service)
        )
    }
  })
  const rejected = new Counter({
    name: 'synkti_router_rejected_total',
    help: 'Requests the router answered itself, by reason.',
    labelNames: ['reason'],
    registers
  })

  const observer: TableObserver = {
    attemptStarted(replica) {
      replicaRequests.inc({ service: replica.service, replica: replica.id })
    },
    attemptEnded(replica, outcome: Outcome, ms) {
      const labels = { service: replica.service, replica: replica.id }
      if (outcome === 'error') replicaErrors.inc(labels)
      if (outcome === 'ok') replicaLatency.observe(labels, ms / 1000)
    },
    requestStarted(service) {
      serviceRequests.inc({ service: service.service })
    },
    requestEnded(service, outcome: Outcome, ms) {
      const labels = { service: service.service }
      if (outcome === 'error') serviceErrors.inc(labels)
      if (outcome === 'ok') serviceLatency.observe(labels, ms / 1000)
    },
    replicaForgotten(replica) {
      const labels = { service: replica.service, replica: replica.id }
      for (const metric of [replicaRequests, replicaErrors, replicaLatency]) metric.remove(labels)
    },
    serviceForgotten(service) {
      const labels = { service: service.service }
      for (const metric of [serviceRequests, serviceErrors, serviceLatency, retries])
        metric.remove(labels)
    }
  }

  return {
    registry,
    observer,
    rejected: (reason) => rejected.inc({ reason }),
    retried: (service) => retries.inc({ service })
  }
}
