// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { CLIENT_KEY } from '@renderer/api/use-client'
import { useNavigationStore } from '@renderer/stores/navigation'
import { useNotificationsStore } from '@renderer/stores/notifications'
import { useSimulationsStore } from '@renderer/stores/simulations'
import {
  fakeClient,
  flush,
  instanceView,
  serviceWorkload,
  type FakeClient
} from '../../../../test/support/renderer/fake-client'
import SimulateWorkloadButton from './SimulateWorkloadButton.vue'

let pinia: Pinia
let client: FakeClient

const job = serviceWorkload('finetune', {
  kind: 'job',
  spec: {
    kind: 'job',
    name: 'finetune',
    command: ['python', 'train.py'],
    workHours: 6,
    deadlineHours: 9,
    policy: 'greedy',
    instanceTypes: ['g5.xlarge']
  }
})

function mountButton(workload = job) {
  return mount(SimulateWorkloadButton, {
    props: { workload },
    global: { plugins: [pinia], provide: { [CLIENT_KEY as symbol]: client } }
  })
}

describe('SimulateWorkloadButton', () => {
  beforeEach(() => {
    location.hash = '#/workloads' // the navigation store starts from the hash
    pinia = createPinia()
    setActivePinia(pinia)
    client = fakeClient()
    client.listInstances.mockResolvedValue([instanceView('i-a', { pricePerHour: 0.3 })])
  })

  it('reads the fleet, hands the job to What-if and opens it', async () => {
    const w = mountButton()
    expect(w.attributes('aria-label')).toBe('Simulate finetune in What-if')
    await w.trigger('click')
    await flush()
    expect(client.listInstances).toHaveBeenCalled()
    const seed = useSimulationsStore().pendingWorkload
    expect(seed).toMatchObject({
      name: 'finetune',
      instanceType: 'g5.xlarge',
      spec: { meanSpotPrice: 0.3 },
      job: { workHours: 6, deadlineHours: 9, changeoverHours: 0.1, policy: 'greedy' }
    })
    expect(useNavigationStore().current).toBe('whatif')
  })

  it('says so and stays when the spec cannot be read', async () => {
    const w = mountButton(serviceWorkload('odd', { spec: { kind: 'service' } }))
    await w.trigger('click')
    await flush()
    expect(useSimulationsStore().pendingWorkload).toBeNull()
    expect(useNavigationStore().current).not.toBe('whatif')
    expect(useNotificationsStore().toasts[0].title).toBe('Cannot simulate odd')
  })
})
