// Routes the engine's live stream into the stores. App.vue subscribes once and hands every event here.
import type { StreamEvent, SynktiClient } from '@shared/api'
import { useEventsStore } from './events'
import { useFleetStore } from './fleet'
import { useNotificationsStore } from './notifications'
import { useSimulationsStore } from './simulations'
import { useStatusStore } from './status'

/** Applies one stream event: fleet -> replace instances, event -> append (+ notify), status, simulation. */
export function dispatchStreamEvent(event: StreamEvent): void {
  const status = useStatusStore()
  status.markLive()
  switch (event.type) {
    case 'fleet':
      useFleetStore().replace(event.instances)
      return
    case 'event': {
      useEventsStore().append(event.event)
      const fleet = useFleetStore()
      void useNotificationsStore().notifyFleetEvent(event.event, fleet.label)
      return
    }
    case 'status':
      status.setStatus(event.status)
      return
    case 'simulation':
      useSimulationsStore().upsertJob(event.status)
      return
    default:
      // a newer engine may send types this cockpit does not know yet: ignore them
      return
  }
}

/** Subscribes to the client's stream; returns the unsubscribe. */
export function connectStream(client: SynktiClient): () => void {
  return client.subscribe((event) => {
    try {
      dispatchStreamEvent(event)
    } catch (err) {
      useNotificationsStore().error(err, 'Could not apply a live update')
    }
  })
}
