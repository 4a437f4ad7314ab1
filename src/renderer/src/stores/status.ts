// Engine status, live connection state and the engine's clock as the cockpit estimates it. The engine
// stamps everything in wall-clock ms (the sandbox maps its faster simulated clock onto real time), so
// the rate is 1; estimating from the engine's own `now` keeps countdowns right when the clocks differ.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { EngineStatus } from '@shared/api'

export type ConnectionState = 'connecting' | 'live' | 'offline'

export const useStatusStore = defineStore('status', () => {
  const status = ref<EngineStatus | null>(null)
  const connection = ref<ConnectionState>('connecting')
  const connectionMessage = ref('')
  /** wall time of the last sign of life (stream event or answered status call) */
  const lastSeenAt = ref<number | null>(null)
  /** engine time = syncEngine + (wall - syncWall) */
  const syncEngine = ref<number | null>(null)
  const syncWall = ref(0)

  const mode = computed(() => status.value?.mode ?? null)
  const message = computed(() => status.value?.message ?? '')
  /** cloud seconds per real second: the sandbox runs its clock (and bills) this much faster */
  const speed = computed(() => Math.max(1, status.value?.speed ?? 1))

  /** A duration measured in real seconds, in the cloud's seconds (the clock costs are billed on). */
  function cloudSeconds(realSeconds: number): number {
    return realSeconds * speed.value
  }

  function setStatus(next: EngineStatus, wallNow = Date.now()): void {
    status.value = next
    syncEngine.value = next.now
    syncWall.value = wallNow
    markLive(wallNow)
  }

  function markLive(wallNow = Date.now()): void {
    connection.value = 'live'
    connectionMessage.value = ''
    lastSeenAt.value = wallNow
  }

  function markOffline(reason: string): void {
    connection.value = 'offline'
    connectionMessage.value = reason
  }

  /** The engine's clock now, estimated from the last status; the wall clock before any status. */
  function engineNow(wallNow = Date.now()): number {
    if (syncEngine.value === null) return wallNow
    return syncEngine.value + (wallNow - syncWall.value)
  }

  return {
    status,
    connection,
    connectionMessage,
    lastSeenAt,
    mode,
    message,
    speed,
    cloudSeconds,
    setStatus,
    markLive,
    markOffline,
    engineNow
  }
})
