// The router contract the workload controller drives. Free of HTTP details: the loopback HTTP
// proxy (http-router.ts) implements it today, AWS ELBv2 target groups will implement it next.

export interface ReplicaEndpoint {
  /** the instance id */
  id: string
  /** workload (service) name */
  service: string
  /** model name as served at /v1/models, e.g. meta-llama/Llama-3.1-8B-Instruct */
  model: string
  /** http://host:port of the replica's OpenAI-compatible server */
  baseUrl: string
}

/**
 * One replica as the router saw it. Counts are attempts sent to this replica (a retried client
 * request counts once on each replica it tried); an error is an attempt that failed (refused,
 * reset, timed out, a 5xx, or a response cut short). Latencies are of attempts that succeeded.
 */
export interface ReplicaStats {
  id: string
  service: string
  requests: number
  errors: number
  inFlight: number
  p50Ms: number | null
  p99Ms: number | null
  /** false once deregistered; a deregistered replica is listed until its in-flight requests end */
  registered: boolean
  /** skipped for new requests for a short while after a connection-level failure */
  ejected: boolean
}

/**
 * One service as its clients saw it: one request per client request (whatever the retries), an
 * error when the client's answer was a 5xx (503 no replica ready included) or was cut short.
 * Latencies are of successful client requests, end to end through the router.
 */
export interface ServiceStats {
  service: string
  model: string
  /** registered (ready) replicas */
  ready: number
  requests: number
  errors: number
  /** client requests per second over the rolling window (by the router's clock) */
  requestsPerSecond: number
  p50Ms: number | null
  p99Ms: number | null
  /** routed by this ELBv2 target group: the load balancer holds the request figures (CloudWatch) */
  targetGroupArn?: string
}

export interface RouterPort {
  /** idempotent: registering a registered replica updates it */
  register(replica: ReplicaEndpoint): Promise<void>
  /** idempotent; once it resolves no new request is sent to the replica (in-flight ones finish) */
  deregister(id: string): Promise<void>
  /** requests currently being served by that replica through the router */
  inFlight(id: string): number
  replicas(): ReplicaEndpoint[]
  stats(): { replicas: ReplicaStats[]; services: ServiceStats[] }
}
