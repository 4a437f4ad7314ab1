import { describe, expect, it } from 'vitest'
import { memoryRouter } from '../../../test/support/memory-router'
import { createPerServiceRouter } from './elbv2-select'

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/chat/0123456789abcdef'

function routers() {
  const builtin = memoryRouter({
    declared: [
      { service: 'chat', model: 'org/chat' },
      { service: 'code', model: 'org/code' }
    ]
  })
  const group = memoryRouter({ targetGroupArn: ARN })
  const routes = createPerServiceRouter({
    builtin,
    targetGroupOf: (service) => (service === 'chat' ? ARN : undefined),
    targetGroup: () => group
  })
  return { builtin, group, routes }
}

describe('the router each service chose', () => {
  it('registers each replica with its service’s router and lists each service once, by who routes it', async () => {
    const { builtin, group, routes } = routers()
    await routes.register({
      id: 'i-1',
      service: 'chat',
      model: 'org/chat',
      baseUrl: 'http://a:8000'
    })
    await routes.register({
      id: 'i-2',
      service: 'code',
      model: 'org/code',
      baseUrl: 'http://b:8000'
    })
    expect(group.replicas().map((r) => r.id)).toEqual(['i-1'])
    expect(builtin.replicas().map((r) => r.id)).toEqual(['i-2'])
    const services = routes.stats().services
    expect(services.map((s) => [s.service, s.ready, s.targetGroupArn])).toEqual([
      ['code', 1, undefined],
      ['chat', 1, ARN]
    ])
  })

  it('after a restart (nothing remembered) a deregister asks every router', async () => {
    const { builtin, group, routes } = routers()
    await routes.register({
      id: 'i-1',
      service: 'chat',
      model: 'org/chat',
      baseUrl: 'http://a:8000'
    })
    const restarted = createPerServiceRouter({
      builtin,
      targetGroupOf: (service) => (service === 'chat' ? ARN : undefined),
      targetGroup: () => group
    })
    await restarted.register({
      id: 'i-2',
      service: 'chat',
      model: 'org/chat',
      baseUrl: 'http://b:8000'
    })
    await restarted.deregister('i-1')
    expect(group.replicas().map((r) => r.id)).toEqual(['i-2'])
    expect(builtin.deregistered).toEqual(['i-1'])
  })
})
