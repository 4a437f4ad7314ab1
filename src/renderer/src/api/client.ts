// The renderer's one way to the engine: the shared contract over the Electron bridge when it is
// there, over the daemon's HTTP API otherwise. Views never know which.
import {
  API_METHODS,
  type ApiEnvelope,
  type ApiMethod,
  type StreamEvent,
  type SynktiBridge,
  type SynktiClient
} from '@shared/api'

import { errorText } from '@shared/errors'
/** A refused call, with the engine's code and one-line message. */
export class ClientError extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

function unwrap<T>(envelope: ApiEnvelope): T {
  if ('error' in envelope) throw new ClientError(envelope.error.code, envelope.error.message)
  return envelope.result as T
}

function buildClient(
  invoke: (method: ApiMethod, input: unknown) => Promise<ApiEnvelope>,
  subscribe: SynktiClient['subscribe']
): SynktiClient {
  const client = { subscribe } as Record<string, unknown>
  for (const method of API_METHODS)
    client[method] = async (input: unknown) => unwrap(await invoke(method, input ?? {}))
  return client as unknown as SynktiClient
}

export function createBridgeClient(bridge: SynktiBridge): SynktiClient {
  return buildClient(
    (method, input) => bridge.invoke(method, input),
    (listener) => bridge.subscribe(listener)
  )
}

/** The daemon's token arrives in the URL fragment (never sent to a server) and is kept for the tab's life. */
export function daemonToken(location: Location, storage: Storage): string {
  const match = /(?:^|[#&])token=([^&]+)/.exec(location.hash)
  if (match) {
    const token = decodeURIComponent(match[1])
    storage.setItem('synkti-token', token)
    return token
  }
  return storage.getItem('synkti-token') ?? ''
}

export function createHttpClient(
  baseUrl: string,
  token: string,
  fetchImpl: typeof fetch = fetch.bind(globalThis)
): SynktiClient {
  const invoke = async (method: ApiMethod, input: unknown): Promise<ApiEnvelope> => {
    let response: Response
    try {
      response = await fetchImpl(`${baseUrl}/api/rpc/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(input)
      })
    } catch {
      return { error: { code: 'failed', message: 'the Synkti daemon is not reachable' } }
    }
    try {
      return (await response.json()) as ApiEnvelope
    } catch {
      return {
        error: {
          code: 'failed',
          message: `the daemon answered HTTP ${response.status} without a JSON body`
        }
      }
    }
  }
  const subscribe = (listener: (event: StreamEvent) => void): (() => void) => {
    const source = new EventSource(`${baseUrl}/api/stream?token=${encodeURIComponent(token)}`)
    source.onmessage = (message) => {
      try {
        listener(JSON.parse(message.data) as StreamEvent)
      } catch (error) {
        // a malformed frame is dropped; the next one carries the full state again
        console.warn(`synkti: dropped a malformed live update (${errorText(error)})`)
      }
    }
    return () => source.close()
  }
  return buildClient(invoke, subscribe)
}

/** Electron bridge inside the desktop app, the daemon's HTTP API in a browser. */
export function createClient(): SynktiClient {
  const bridge = (globalThis as { synkti?: SynktiBridge }).synkti
  if (bridge && typeof bridge.invoke === 'function') return createBridgeClient(bridge)
  return createHttpClient(location.origin, daemonToken(location, sessionStorage))
}
