// RouterPort over an AWS ELBv2 (ALB/NLB) target group: a ready replica is registered as a target
// (its instance and model port), a draining one is deregistered and deregister() returns only once
// the target group has finished draining it (its deregistration delay), bounded so a drain never
// outlives the notice. The load balancer does the routing, so per-request counts live in CloudWatch,
// not here: stats() lists the replicas with no request counts.

import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
  type TargetHealthDescription
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { TARGET_GROUP_ARN } from '../../shared/workload'
import type { Clock } from '../clock'
import type { ReplicaEndpoint, ReplicaStats, RouterPort, ServiceStats } from './types'

/** ELBv2's own default */
export const DEFAULT_DEREGISTRATION_DELAY_S = 300
/** the longest deregister() waits: a spot notice is 120 s and the drain needs the rest */
export const MAX_DRAIN_WAIT_MS = 90_000

export interface Elbv2RouterOptions {
  client: ElasticLoadBalancingV2Client
  targetGroupArn: string
  clock: Clock
  maxDrainWaitMs?: number
  pollMs?: number
  log?: (line: string) => void
}

export interface Elbv2Router extends RouterPort {
  readonly targetGroupArn: string
  /** the target group's view of its targets, as DescribeTargetHealth reports it */
  targetHealth(): Promise<{ id: string; port?: number; state: string; reason?: string }[]>
}

function portOf(baseUrl: string): number {
  const url = new URL(baseUrl)
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80
}

export function createElbv2Router(o: Elbv2RouterOptions): Elbv2Router {
  const arn = o.targetGroupArn
  if (!TARGET_GROUP_ARN.test(arn)) throw new Error(`not an ELBv2 target group ARN: "${arn}"`)
  const maxWait = o.maxDrainWaitMs ?? MAX_DRAIN_WAIT_MS
  const pollMs = o.pollMs ?? 2000
  const registered = new Map<string, ReplicaEndpoint & { port: number }>()
  let delayMs: number | undefined

  async function describe(
    targets?: { Id: string; Port?: number }[]
  ): Promise<TargetHealthDescription[]> {
    const out = await o.client.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: arn,
        ...(targets ? { Targets: targets } : {})
      })
    )
    return out.TargetHealthDescriptions ?? []
  }

  async function deregistrationDelayMs(): Promise<number> {
    if (delayMs === undefined) {
      const out = await o.client.send(
        new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn })
      )
      const raw = out.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')
      const seconds = Number(raw?.Value ?? DEFAULT_DEREGISTRATION_DELAY_S)
      delayMs = (Number.isFinite(seconds) ? seconds : DEFAULT_DEREGISTRATION_DELAY_S) * 1000
      if (delayMs > maxWait)
        o.log?.(
          `router ${arn}: deregistration delay is ${seconds} s, longer than a drain may wait (${maxWait / 1000} s): set deregistration_delay.timeout_seconds to 60 or less`
        )
    }
    return delayMs
  }

  async function portFor(id: string): Promise<number | undefined> {
    const known = registered.get(id)?.port
    if (known !== undefined) return known
    // registered before a restart: the target group remembers it
    return (await describe()).find((d) => d.Target?.Id === id)?.Target?.Port
  }

  return {
    targetGroupArn: arn,
    async register(replica) {
      const port = portOf(replica.baseUrl)
      await o.client.send(
        new RegisterTargetsCommand({
          TargetGroupArn: arn,
          Targets: [{ Id: replica.id, Port: port }]
        })
      )
      registered.set(replica.id, { ...replica, port })
    },
    async deregister(id) {
      const port = await portFor(id)
      if (port === undefined) {
        registered.delete(id)
        return // not a target: nothing routes to it
      }
      const target = { Id: id, Port: port }
      await o.client.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [target] }))
      registered.delete(id)
      // the load balancer keeps sending in-flight connections for the delay; wait it out (bounded)
      const until = o.clock.now() + Math.min(await deregistrationDelayMs(), maxWait)
      while (o.clock.now() < until) {
        const state = (await describe([target]))[0]?.TargetHealth?.State
        if (state !== 'draining') return
        await o.clock.sleep(Math.min(pollMs, Math.max(0, until - o.clock.now())))
      }
      o.log?.(`router ${arn}: ${id} still draining after ${maxWait / 1000} s; going on`)
    },
    // the load balancer holds the connections: in-flight requests are read from vLLM's gauges instead
    inFlight: () => 0,
    replicas: () => [...registered.values()].map(({ port: _port, ...r }) => r),
    stats() {
      const replicas: ReplicaStats[] = [...registered.values()].map((r) => ({
        id: r.id,
        service: r.service,
        requests: 0,
        errors: 0,
        inFlight: 0,
        p50Ms: null,
        p99Ms: null,
        registered: true,
        ejected: false
      }))
      const services = new Map<string, ServiceStats>()
      for (const r of registered.values()) {
        const s = services.get(r.service) ?? {
          service: r.service,
          model: r.model,
          ready: 0,
          requests: 0,
          errors: 0,
          requestsPerSecond: 0,
          p50Ms: null,
          p99Ms: null,
          targetGroupArn: arn
        }
        s.ready++
        services.set(r.service, s)
      }
      return { replicas, services: [...services.values()] }
    },
    async targetHealth() {
      return (await describe()).map((d) => ({
        id: d.Target?.Id ?? '',
        port: d.Target?.Port,
        state: d.TargetHealth?.State ?? 'unknown',
        ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {})
      }))
    }
  }
}
