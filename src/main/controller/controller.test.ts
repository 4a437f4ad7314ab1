// The controller against a fake cloud and a real router: one controller per fleet, and a workload
// re-adopted from its tags after a restart instead of launched twice.
import { afterEach, describe, expect, it } from 'vitest'
import { FakeProvider } from '../../../test/support/fake-provider'
import { manualClock, type ManualClock } from '../../../test/support/manual-clock'
import type { FleetEvent } from '../../shared/fleet'
import { serviceWorkloadSchema } from '../../shared/workload'
import { openHistory, type History } from '../history'
import { startHttpRouter, type HttpRouter } from '../router'
import { agentServing } from '../serving/agent'
import { createController, LeaseRefused } from './controller'
import { ROLE_TAG, WORKLOAD_TAG } from './tags'

const T0 = Date.UTC(2026, 11, 1)

describe('the workload controller', () => {
  const routers: HttpRouter[] = []
  afterEach(async () => {
    for (const r of routers.splice(0)) await r.close()
  })

  async function controllerOn(
    history: History,
    provider: FakeProvider,
    holder: string,
    clock: ManualClock
  ) {
    const router = await startHttpRouter({ port: 0, clock })
    routers.push(router)
    return createController({
      provider,
      history,
      clock,
      router,
      serving: agentServing(),
      record: (e: FleetEvent) => void history.recordEvent(e),
      priceOf: () => 1,
      holder
    })
  }

  it('refuses a second controller on the same fleet with one clear line', async () => {
    const clock = manualClock(T0)
    const history = openHistory(':memory:', { clock: clock.now })
    const provider = new FakeProvider({ clock })
    const first = await controllerOn(history, provider, '111@host-a#one', clock)
    first.start()
    const second = await controllerOn(history, provider, '222@host-b#two', clock)
    expect(() => second.start()).toThrow(LeaseRefused)
    expect(() => second.start()).toThrow(
      /another Synkti controller \(111@host-a#one\) manages fleet/
    )
    await first.stop()
    // released at stop: the next one may start
    expect(() => second.start()).not.toThrow()
    await second.stop()
  })

  it('launches a service once and re-adopts it after a restart', async () => {
    const clock = manualClock(T0)
    const history = openHistory(':memory:', { clock: clock.now })
    const provider = new FakeProvider({ clock, bootMs: 0 })
    const spec = serviceWorkloadSchema.parse({
      kind: 'service',
      name: 'llama',
      model: 'm/llama',
      replicas: 2,
      standby: 1,
      instanceTypes: ['g5.xlarge'],
      market: 'spot'
    })
    history.workloads.apply('llama', 'service', spec, T0)
    const first = await controllerOn(history, provider, '1@h#a', clock)
    first.start()
    await first.reconcile()
    await first.reconcile()
    const roles = async () =>
      (await provider.listInstances())
        .filter((i) => i.tags[WORKLOAD_TAG] === 'llama')
        .map((i) => i.tags[ROLE_TAG])
        .sort()
    expect(await roles()).toEqual(['serving', 'serving', 'standby'])
    await first.stop()
    const second = await controllerOn(history, provider, '1@h#b', clock)
    second.start()
    await second.reconcile()
    expect(await roles()).toEqual(['serving', 'serving', 'standby'])
    expect(provider.launchRequests).toHaveLength(3)
    await second.stop()
  })
})
