import type { ApiInput, ApiMethod, ApiOutputs, StreamEvent } from '../../shared/api'
import { validateApiInput } from '../../shared/api'
import { errorText } from '../../shared/errors'

/** The engine side of the contract: one function per method, given already validated input. */
export type ApiHandlers = { [M in ApiMethod]: (input: ApiInput<M>) => Promise<ApiOutputs[M]> }

/** Refusals the transports turn into their error payloads. */
export class ApiError extends Error {
  constructor(
    readonly code: 'bad-request' | 'not-found' | 'unauthorized' | 'failed',
    message: string
  ) {
    super(message)
  }
}

/**
 * The one entry point both transports (HTTP and the Electron bridge) call: validates the input
 * against the shared schema, then runs the handler. A bad payload becomes an ApiError with a clear
 * message, never a crash.
 */
export async function dispatchApiCall(
  handlers: ApiHandlers,
  method: string,
  input: unknown
): Promise<unknown> {
  if (!Object.prototype.hasOwnProperty.call(handlers, method))
    throw new ApiError('not-found', `unknown method "${method}"`)
  const checked = validateApiInput(method as ApiMethod, input)
  if (!checked.ok) throw new ApiError('bad-request', `${method}: ${checked.message}`)
  const handler = handlers[method as ApiMethod] as (input: unknown) => Promise<unknown>
  return handler(checked.input)
}

/** Fan-out of live engine events to every connected cockpit. */
export interface StreamHub {
  publish(event: StreamEvent): void
  subscribe(listener: (event: StreamEvent) => void): () => void
}

export function createStreamHub(log: (line: string) => void = console.error): StreamHub {
  const listeners = new Set<(event: StreamEvent) => void>()
  return {
    publish: (event) => {
      for (const listener of [...listeners]) {
        try {
          listener(event)
        } catch (error) {
          // one broken subscriber must not stop the others
          log(`stream: a subscriber failed on ${event.type}: ${errorText(error)}`)
        }
      }
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
