// Serving on the sandbox cloud: what a node agent does on a real instance, played in-process. Each
// instance asked to serve gets a real loopback OpenAI-compatible model server (sandbox replica) that
// loads its model for a while, answers, exposes vLLM's metrics, and dies with the instance.
import type { ManagedInstance } from '../../shared/fleet'
import { errorText } from '../../shared/errors'
import type { Clock } from '../clock'
import type { SandboxProvider } from '../providers/sandbox'
import { startSandboxReplica, type SandboxReplica } from '../providers/sandbox/replica-server'
import type { ServeRequest, ServingBackend } from './serving'

export interface SandboxServingOptions {
  /** simulated seconds to load a model once the instance runs (default 300: 0.83 s at x360) */
  loadSeconds?: number
  /** real ms one request takes to serve (default 20) */
  requestMs?: number
  log?: (line: string) => void
}

export interface SandboxServing extends ServingBackend {
  /** kills every model server (the sandbox cloud is going away) */
  stopAll(): Promise<void>
}

export function createSandboxServing(
  sandbox: SandboxProvider,
  clock: Clock,
  o: SandboxServingOptions = {}
): SandboxServing {
  const log = o.log ?? (() => {})
  const servers = new Map<string, SandboxReplica>()
  const starting = new Map<string, Promise<void>>()
  const loadMs = Math.max(50, ((o.loadSeconds ?? 300) * 1000) / sandbox.speed)

  // a reclaimed or terminated instance takes its model server with it, mid-request or not
  sandbox.onChange((instances) => {
    const alive = new Set(instances.filter((i) => i.state !== 'terminated').map((i) => i.id))
    for (const [id, server] of servers) {
      if (alive.has(id)) continue
      servers.delete(id)
      server.kill()
    }
  })

  return {
    async start(instance: ManagedInstance, request: ServeRequest) {
      if (servers.has(instance.id)) return
      const pending = starting.get(instance.id)
      if (pending) return pending
      const work = startSandboxReplica({
        model: request.model,
        clock,
        loadDelayMs: loadMs,
        requestMs: o.requestMs ?? 20
      })
        .then((server) => {
          servers.set(instance.id, server)
        })
        .catch((error) =>
          log(`sandbox: model server for ${instance.id} did not start: ${errorText(error)}`)
        )
        .finally(() => starting.delete(instance.id))
      starting.set(instance.id, work)
      return work
    },
    started: (instance) => servers.has(instance.id) || starting.has(instance.id),
    endpoint: (instance) => servers.get(instance.id)?.url,
    async stopAll() {
      await Promise.allSettled([...starting.values()])
      for (const server of servers.values()) server.kill()
      servers.clear()
    }
  }
}
