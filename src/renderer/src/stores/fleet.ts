// The live fleet: loaded with listInstances, then replaced wholesale by every 'fleet' stream event.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { FleetInstanceView, SynktiClient } from '@shared/api'
import { errorText } from '@shared/errors'

export const useFleetStore = defineStore('fleet', () => {
  const instances = shallowRef<FleetInstanceView[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const updatedAt = ref<number | null>(null)

  const byId = computed(() => new Map(instances.value.map((i) => [i.id, i])))
  /** what the fleet costs per hour right now (live instances only) */
  const burnPerHour = computed(() =>
    instances.value.filter(isLive).reduce((sum, i) => sum + i.pricePerHour, 0)
  )
  const onDemandPerHour = computed(() =>
    instances.value.filter(isLive).reduce((sum, i) => sum + i.onDemandPricePerHour, 0)
  )

  function replace(next: FleetInstanceView[]): void {
    instances.value = [...next].sort(
      (a, b) => a.launchedAt - b.launchedAt || (a.id < b.id ? -1 : 1)
    )
    loaded.value = true
    error.value = null
    updatedAt.value = Date.now()
  }

  /** Loads the fleet; rethrows so the caller can show the error (the store keeps it too). */
  async function load(client: SynktiClient): Promise<void> {
    loading.value = true
    try {
      replace(await client.listInstances({}))
    } catch (err) {
      error.value = errorText(err)
      throw err
    } finally {
      loading.value = false
    }
  }

  function label(id: string | undefined): string {
    if (!id) return 'fleet'
    const instance = byId.value.get(id)
    return instance && instance.name && instance.name !== id ? `${instance.name} (${id})` : id
  }

  return {
    instances,
    loaded,
    loading,
    error,
    updatedAt,
    byId,
    burnPerHour,
    onDemandPerHour,
    replace,
    load,
    label
  }
})

function isLive(i: FleetInstanceView): boolean {
  return i.state !== 'terminated' && i.state !== 'stopped'
}
