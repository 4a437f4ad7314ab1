// Serving on a real cloud: the instance's boot script starts the pinned model server and the node
// agent, and the agent publishes the server's address in the `synkti:endpoint` tag on its own instance
// (agent/endpoint.ts) once the server is ready. Until it has, the replica has no endpoint, so it is
// never reported ready and never routed (fail closed).
import type { ManagedInstance } from '../../shared/fleet'
import { ENDPOINT_TAG_KEY } from '../providers/aws/agent-channel'
import type { ServingBackend } from './serving'

export const ENDPOINT_TAG = ENDPOINT_TAG_KEY

export function agentServing(): ServingBackend {
  return {
    // the boot script (user-data) starts the model server; there is nothing to ask for here
    start: async () => undefined,
    started: (instance: ManagedInstance) => instance.state === 'running',
    endpoint: (instance: ManagedInstance) => {
      const url = instance.tags[ENDPOINT_TAG]
      // http://host:port only, as the agent writes it: anything else is not an endpoint of ours
      return url && /^http:\/\/[A-Za-z0-9.:[\]-]+:\d{1,5}$/.test(url) ? url : undefined
    }
  }
}
