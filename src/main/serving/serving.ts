// How a replica serves: the node agent on a real cloud, the sandbox's own model servers there. The
// controller only asks for a model server and reads its endpoint; readiness is checked over HTTP
// the same way everywhere (/health answers 200 and /v1/models lists the model).
import type { ManagedInstance } from '../../shared/fleet'
import { errorText } from '../../shared/errors'

export interface ServeRequest {
  model: string
  /** the workload the replica belongs to (for logs and metrics labels) */
  service: string
}

export interface ServingBackend {
  /** asks the instance to start its model server; idempotent, and safe after a restart */
  start(instance: ManagedInstance, request: ServeRequest): Promise<void>
  /** whether the instance was asked to serve (and still is) */
  started(instance: ManagedInstance): boolean
  /** http://host:port of the instance's OpenAI-compatible server, once known */
  endpoint(instance: ManagedInstance): string | undefined
}

export interface ReadinessOptions {
  timeoutMs?: number
  fetch?: typeof fetch
}

/** Ready = /health answers 200 and /v1/models lists the model. Anything else (or no answer) is not. */
export async function checkReady(
  baseUrl: string,
  model: string,
  o: ReadinessOptions = {}
): Promise<{ ready: boolean; reason?: string }> {
  const doFetch = o.fetch ?? fetch
  const signal = AbortSignal.timeout(o.timeoutMs ?? 2000)
  try {
    const health = await doFetch(`${baseUrl}/health`, { signal })
    await health.arrayBuffer() // free the connection
    if (health.status !== 200) return { ready: false, reason: `/health answered ${health.status}` }
    const res = await doFetch(`${baseUrl}/v1/models`, { signal })
    if (res.status !== 200) {
      await res.arrayBuffer()
      return { ready: false, reason: `/v1/models answered ${res.status}` }
    }
    const body = (await res.json()) as { data?: { id?: unknown }[] }
    const listed = Array.isArray(body.data) && body.data.some((m) => m?.id === model)
    return listed ? { ready: true } : { ready: false, reason: `${model} not listed at /v1/models` }
  } catch (error) {
    return { ready: false, reason: `not answering (${errorText(error)})` }
  }
}
