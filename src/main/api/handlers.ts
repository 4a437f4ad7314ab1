import type { ApiErrorCode, ApiInput, ApiMethod, ApiOutputs, StreamEvent } from '../../shared/api'
import { API_ERROR_STATUS, validateApiInput } from '../../shared/api'
import { errorText } from '../../shared/errors'
import { LaunchRefusedError } from '../engine/engine'
import { isProviderError, type ProviderErrorCode } from '../providers/errors'

/** The engine side of the contract: one function per method, given already validated input. */
export type ApiHandlers = { [M in ApiMethod]: (input: ApiInput<M>) => Promise<ApiOutputs[M]> }

/** Refusals the transports turn into their error payloads (the code fixes the HTTP status). */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string
  ) {
    super(message)
  }
}

/** How each provider refusal reaches a caller: its own mistakes 4xx, the cloud's state 5xx (not 500). */
const PROVIDER_CODES: Record<ProviderErrorCode, ApiErrorCode> = {
  'invalid-parameter': 'bad-request',
  'not-found': 'not-found',
  'not-owned': 'forbidden',
  'dry-run-ok': 'bad-request',
  capacity: 'unavailable',
  'not-ready': 'unavailable',
  throttled: 'unavailable',
  credentials: 'unavailable',
  unauthorized: 'unavailable',
  unknown: 'upstream'
}

/**
 * The one mapping from a thrown error to a refusal: ApiErrors as they are, provider errors by kind,
 * errors that mark themselves (`badRequest: true`, or an `apiCode` of the contract) by that; anything
 * else is a bug, 'failed' (500), which the transport logs once with its context.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  if (isProviderError(error)) return new ApiError(PROVIDER_CODES[error.code], error.message)
  // over the budget cap is a conflict with the settings, not a fault
  if (error instanceof LaunchRefusedError)
    return new ApiError(
      error.code === 'budget' ? 'conflict' : PROVIDER_CODES[error.code],
      error.message
    )
  const tagged = error as { badRequest?: unknown; apiCode?: unknown } | null
  if (tagged?.badRequest === true) return new ApiError('bad-request', errorText(error))
  if (typeof tagged?.apiCode === 'string' && tagged.apiCode in API_ERROR_STATUS)
    return new ApiError(tagged.apiCode as ApiErrorCode, errorText(error))
  return new ApiError('failed', errorText(error))
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
    throw new ApiError('not-found', `unknown method "${method.slice(0, 64)}"`)
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
