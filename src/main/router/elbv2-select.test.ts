import { describe, expect, it } from 'vitest'
import { memoryRouter } from '../../../test/support/memory-router'
import { createPerServiceRouter } from './elbv2-select'

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/chat/0123456789abcdef'

const replica = (id: string, service: string) => ({
  id,
  service,
  model: `org/${service}`,
  baseUrl: `http://${id}:8000`
})

function routers() {
  const builtin = memoryRouter({
    declared: [
      { service: 'chat', model: 'org/chat' },
      { service: 'code', model: 'org/code' }
    ]
  })
  const group = memoryRouter({ targetGroupArn: ARN })
  /** a per-service router over the same ports: what a restarted daemon builds */
  const start = () =>
    createPerServiceRouter({
      builtin,
      targetGroupOf: (service) => (service === 'chat' ? ARN : undefined),
      targetGroup: () => group
    })
  return { builtin, group, routes: start(), restart: start }
}

describe('the router each service chose', () => {
  it('registers each replica with its service’s router and lists each service once, by who routes it', async () => {
    const { builtin, group, routes } = routers()
    await routes.register(replica('i-1', 'chat'))
    await routes.register(replica('i-2', 'code'))
    expect(group.replicas().map((r) => r.id)).toEqual(['i-1'])
    expect(builtin.replicas().map((r) => r.id)).toEqual(['i-2'])
    const services = routes.stats().services
    expect(services.map((s) => [s.service, s.ready, s.targetGroupArn])).toEqual([
      ['code', 1, undefined],
      ['chat', 1, ARN]
    ])
  })

  it('after a restart (nothing remembered) a deregister asks every router', async () => {
    const { builtin, group, routes, restart } = routers()
    await routes.register(replica('i-1', 'chat'))
    const restarted = restart()
    await restarted.register(replica('i-2', 'chat'))
    await restarted.deregister('i-1')
    expect(group.replicas().map((r) => r.id)).toEqual(['i-2'])
    expect(builtin.deregistered).toEqual(['i-1'])
  })
})
