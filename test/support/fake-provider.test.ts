import { describe, expect, it } from 'vitest'
import { manualClock } from './manual-clock'
import { isProviderError, type ProviderError } from '../../src/main/providers/errors'
import { FLEET_TAG_KEY, MODEL_TAG_KEY } from '../../src/main/providers/types'
import { FakeProvider } from './fake-provider'

const zones = ['z-a', 'z-b', 'z-c']

describe('fake provider', () => {
  it('tries zones in order, skipping scripted capacity failures, and boots on the clock', async () => {
    const clock = manualClock(1000)
    const p = new FakeProvider({ clock, zones, bootMs: 10_000 })
    p.failCapacity({ zone: 'z-a', market: 'spot', times: 1 })
    const i = await p.launch({
      instanceType: 'g5.xlarge',
      market: 'spot',
      zones,
      name: 'n',
      model: 'm'
    })
    expect(i).toMatchObject({
      zone: 'z-b',
      state: 'pending',
      market: 'spot',
      pricePerHour: 0.45,
      model: 'm'
    })
    expect(i.tags).toMatchObject({ [FLEET_TAG_KEY]: p.fleetTag, [MODEL_TAG_KEY]: 'm', Name: 'n' })
    expect(p.attempts.map((a) => [a.zone, a.ok])).toEqual([
      ['z-a', false],
      ['z-b', true]
    ])
    await clock.advance(10_000)
    expect((await p.listInstances()).find((x) => x.id === i.id)?.state).toBe('running')
    // the failure was used up
    expect(
      (await p.launch({ instanceType: 'g5.xlarge', market: 'spot', zones, name: 'n2' })).zone
    ).toBe('z-a')
  })

  it("raises 'capacity' naming every zone tried", async () => {
    const p = new FakeProvider({ clock: manualClock(), zones })
    p.failCapacity({ market: 'spot' })
    const err = await p
      .launch({ instanceType: 'g5.xlarge', market: 'spot', zones: ['z-c', 'z-a'], name: 'n' })
      .catch((e: unknown) => e)
    expect(isProviderError(err, 'capacity')).toBe(true)
    expect((err as ProviderError).message).toBe(
      'No spot capacity for g5.xlarge in z-c, z-a: try other zones or instance types, or on-demand'
    )
    expect((err as ProviderError).details.zonesTried).toEqual(['z-c', 'z-a'])
    // on-demand is unaffected
    expect(
      (await p.launch({ instanceType: 'g5.xlarge', market: 'ondemand', name: 'n' })).pricePerHour
    ).toBe(1.01)
  })

  it('only touches its own instances; dry runs launch nothing', async () => {
    const p = new FakeProvider({ clock: manualClock(), zones })
    p.add({ id: 'i-foreign', tags: { [FLEET_TAG_KEY]: 'someone-else' } })
    p.add({ id: 'i-mine' })
    expect((await p.listInstances()).map((i) => i.id)).toEqual(['i-mine'])
    await expect(p.terminate('i-foreign')).rejects.toMatchObject({ code: 'not-owned' })
    await expect(p.tagInstance('i-mine', { [FLEET_TAG_KEY]: 'x' })).rejects.toMatchObject({
      code: 'invalid-parameter'
    })
    await p.terminate('i-mine')
    expect(await p.listInstances()).toEqual([])
    await expect(
      p.launch({ instanceType: 'g5.xlarge', market: 'spot', name: 'd', dryRun: true })
    ).rejects.toMatchObject({ code: 'dry-run-ok' })
    expect(p.launched).toEqual([])
  })
})
