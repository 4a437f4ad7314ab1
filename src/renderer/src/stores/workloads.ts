// The declared workloads with what the cloud shows of them. The engine's stream carries no workload
// event, so the Workloads view polls listWorkloads (every few seconds while it is shown).
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { SynktiClient, WorkloadView } from '@shared/api'
import { errorText } from '@shared/errors'

export const WORKLOADS_POLL_MS = 3000

export const useWorkloadsStore = defineStore('workloads', () => {
  const workloads = shallowRef<WorkloadView[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref<string | null>(null)

  /** Loads the list; rethrows so the caller decides whether to tell the user (the store keeps it). */
  async function load(client: SynktiClient): Promise<void> {
    loading.value = true
    try {
      const next = await client.listWorkloads({})
      workloads.value = [...next].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      loaded.value = true
      error.value = null
    } catch (err) {
      error.value = errorText(err)
      throw err
    } finally {
      loading.value = false
    }
  }

  return { workloads, loaded, loading, error, load }
})
