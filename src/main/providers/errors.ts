// The one error type providers raise. `code` is for the engine to decide (retry, fall back, give up);
// `message` is for the operator: one line saying what failed and what to do about it.

export const PROVIDER_ERROR_CODES = [
  'credentials',
  'unauthorized',
  'throttled',
  'capacity',
  'invalid-parameter',
  'not-owned',
  'not-found',
  'dry-run-ok',
  /** Synkti itself cannot launch yet or as configured (e.g. the node agent is not set up) */
  'not-ready',
  'unknown'
] as const
export type ProviderErrorCode = (typeof PROVIDER_ERROR_CODES)[number]

export interface ProviderErrorOptions {
  cause?: unknown
  /** machine-readable extras, e.g. { zonesTried, awsCode, action } */
  details?: Record<string, unknown>
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError'
  readonly code: ProviderErrorCode
  readonly details: Record<string, unknown>

  constructor(code: ProviderErrorCode, message: string, options: ProviderErrorOptions = {}) {
    // one line, whatever the cloud's own message looked like
    super(oneLine(message), options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details ?? {}
  }
}

export function isProviderError(err: unknown, code?: ProviderErrorCode): err is ProviderError {
  return err instanceof ProviderError && (code === undefined || err.code === code)
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}
