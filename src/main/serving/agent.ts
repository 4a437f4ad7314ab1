// Serving on a real cloud: the instance's boot script starts the pinned model server and the node
// agent, and the agent publishes the server's address in the `synkti:endpoint` tag. Until it has,
// the replica has no endpoint, so it is never reported ready and never routed (fail closed).
import type { ManagedInstance } from '../../shared/fleet'
import type { ServingBackend } from './serving'

export const ENDPOINT_TAG = 'synkti:endpoint'

export function agentServing(): ServingBackend {
  return {
    // the boot script (user-data) starts the model server; there is nothing to ask for here
    start: async () => undefined,
    started: (instance: ManagedInstance) => instance.state === 'running',
    endpoint: (instance: ManagedInstance) => {
      const url = instance.tags[ENDPOINT_TAG]
      return url && /^https?:\/\/[^\s/]+$/.test(url) ? url : undefined
    }
  }
}
