import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { manualClock } from '../../../test/support/manual-clock'
import { createElbv2Router } from './elbv2'
import { createPerServiceRouter } from './elbv2-select'
import type { ReplicaEndpoint, RouterPort } from './types'

const elb = mockClient(ElasticLoadBalancingV2Client)
const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/llama/0123456789abcdef'
const replica: ReplicaEndpoint = {
  id: 'i-0aaaaaaaaaaaaaaa1',
  service: 'llama',
  model: 'org/m',
  baseUrl: 'http://10.0.0.5:8000'
}

beforeEach(() => elb.reset())

/** lets the mocked AWS calls (each a few promise hops) run before time moves */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
}

function router(clock = manualClock(0), log: string[] = [], delaySeconds = '30') {
  elb.on(DescribeTargetGroupAttributesCommand).resolves({
    Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: delaySeconds }]
  })
  return createElbv2Router({
    client: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
    targetGroupArn: ARN,
    clock,
    pollMs: 1000,
    log: (l) => log.push(l)
  })
}

describe('ELBv2 target group router', () => {
  it('registers the instance on its model port and lists it', async () => {
    const r = router()
    await r.register(replica)
    expect(elb.commandCalls(RegisterTargetsCommand)[0].args[0].input).toEqual({
      TargetGroupArn: ARN,
      Targets: [{ Id: replica.id, Port: 8000 }]
    })
    expect(r.replicas()).toEqual([replica])
    expect(r.stats().services).toMatchObject([{ service: 'llama', ready: 1 }])
  })

  it('deregister returns once the target has stopped draining, not before', async () => {
    const clock = manualClock(0)
    const r = router(clock)
    await r.register(replica)
    elb
      .on(DescribeTargetHealthCommand)
      .resolvesOnce({ TargetHealthDescriptions: [{ TargetHealth: { State: 'draining' } }] })
      .resolvesOnce({ TargetHealthDescriptions: [{ TargetHealth: { State: 'draining' } }] })
      .resolves({ TargetHealthDescriptions: [] })
    let endedAt: number | undefined
    const p = r.deregister(replica.id).then(() => (endedAt = clock.now()))
    await settle()
    expect(elb.commandCalls(DeregisterTargetsCommand)[0].args[0].input.Targets).toEqual([
      { Id: replica.id, Port: 8000 }
    ])
    expect(endedAt).toBeUndefined()
    for (let t = 0; t < 10 && endedAt === undefined; t++) {
      await clock.advance(1000)
      await settle()
    }
    await p
    // draining at 0 s and 1 s, gone at 2 s
    expect(endedAt).toBe(2000)
    expect(elb.commandCalls(DescribeTargetHealthCommand)).toHaveLength(3)
    expect(r.replicas()).toEqual([])
  })

  it('waits at most the bounded drain time, and says when the delay is too long for a notice', async () => {
    const clock = manualClock(0)
    const log: string[] = []
    const r = router(clock, log, '300')
    await r.register(replica)
    elb
      .on(DescribeTargetHealthCommand)
      .resolves({ TargetHealthDescriptions: [{ TargetHealth: { State: 'draining' } }] })
    let endedAt: number | undefined
    const p = r.deregister(replica.id).then(() => (endedAt = clock.now()))
    for (let t = 0; t < 100 && endedAt === undefined; t++) {
      await settle()
      await clock.advance(1000)
    }
    await p
    expect(endedAt).toBe(90_000)
    expect(log[0]).toContain('deregistration delay is 300 s')
    expect(log.at(-1)).toContain('still draining after 90 s')
  })

  it('a replica registered before a restart is found in the target group and deregistered', async () => {
    const r = router()
    elb
      .on(DescribeTargetHealthCommand)
      .resolvesOnce({ TargetHealthDescriptions: [{ Target: { Id: replica.id, Port: 9000 } }] })
      .resolves({ TargetHealthDescriptions: [] })
    await r.deregister(replica.id)
    expect(elb.commandCalls(DeregisterTargetsCommand)[0].args[0].input.Targets).toEqual([
      { Id: replica.id, Port: 9000 }
    ])
  })
})

function fakePort(name: string, calls: string[]): RouterPort {
  const reg = new Map<string, ReplicaEndpoint>()
  return {
    register: (r) => (calls.push(`${name} +${r.id}`), reg.set(r.id, r), Promise.resolve()),
    deregister: (id) => (calls.push(`${name} -${id}`), reg.delete(id), Promise.resolve()),
    inFlight: () => 0,
    replicas: () => [...reg.values()],
    stats: () => ({ replicas: [], services: [] })
  }
}

describe('router chosen per service', () => {
  it('sends each service to its router and moves a replica when its service changes router', async () => {
    const calls: string[] = []
    let arn: string | undefined = ARN
    const builtin = fakePort('builtin', calls)
    const routes = createPerServiceRouter({
      builtin,
      targetGroupOf: (s) => (s === 'llama' ? arn : undefined),
      targetGroup: (a) => fakePort(a.split('/')[1], calls)
    })
    await routes.register(replica)
    await routes.register({ ...replica, id: 'i-0bbbbbbbbbbbbbbb2', service: 'chat' })
    arn = undefined
    await routes.register(replica)
    await routes.deregister('i-0bbbbbbbbbbbbbbb2')
    expect(calls).toEqual([
      `llama +${replica.id}`,
      'builtin +i-0bbbbbbbbbbbbbbb2',
      `llama -${replica.id}`,
      `builtin +${replica.id}`,
      'builtin -i-0bbbbbbbbbbbbbbb2'
    ])
    expect(routes.replicas().map((r) => r.id)).toEqual([replica.id])
  })
})
