// Fleet events received live on the stream, newest last, capped so a long session stays small.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { FleetEvent } from '@shared/fleet'

export const MAX_LIVE_EVENTS = 2000

export const useEventsStore = defineStore('events', () => {
  const items = shallowRef<FleetEvent[]>([])
  /** total received this session (keeps counting past the cap; views watch it to refresh) */
  const received = ref(0)

  function append(event: FleetEvent): void {
    const next =
      items.value.length >= MAX_LIVE_EVENTS
        ? items.value.slice(items.value.length - MAX_LIVE_EVENTS + 1)
        : items.value.slice()
    next.push(event)
    items.value = next
    received.value++
  }

  function clear(): void {
    items.value = []
  }

  return { items, received, append, clear }
})
