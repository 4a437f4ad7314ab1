// The agent's HTTP client for the cockpit: bearer-token JSON POSTs with bounded retries.
import type { Clock } from '../clock'
import { errorText } from '../../shared/errors'

export interface RetryPolicy {
  /** total tries, first included */
  attempts: number
  /** wait before the second try; doubles each time */
  baseMs: number
  maxMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 250, maxMs: 2000 }

export type Delivery =
  { ok: true; attempts: number } | { ok: false; attempts: number; reason: string }

export interface CockpitClientOptions {
  cockpitUrl: string
  token: string
  clock: Clock
  fetch?: typeof fetch
  retry?: RetryPolicy
  requestTimeoutMs?: number
}

export interface PostOptions {
  /** overrides the policy's attempts */
  attempts?: number
  /** no further retries once this aborts (the try in flight completes) */
  stop?: AbortSignal
}

export interface CockpitClient {
  /** POST JSON with the bearer token, retrying network errors, 5xx, 408 and 429 with backoff */
  post(path: string, body: unknown, options?: PostOptions): Promise<Delivery>
}

type Attempt = { ok: true } | { ok: false; reason: string; retryable: boolean }

export function createCockpitClient(options: CockpitClientOptions): CockpitClient {
  const base = options.cockpitUrl.replace(/\/+$/, '')
  const policy = options.retry ?? DEFAULT_RETRY
  const doFetch = options.fetch ?? fetch
  const timeoutMs = options.requestTimeoutMs ?? 3000

  const attempt = async (path: string, body: string): Promise<Attempt> => {
    try {
      const res = await doFetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body,
        signal: AbortSignal.timeout(timeoutMs)
      })
      await res.arrayBuffer().catch(() => undefined) // free the connection
      if (res.ok) return { ok: true }
      // 4xx other than timeout/throttle will not change on retry (bad token, bad body)
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429
      return { ok: false, reason: `HTTP ${res.status}`, retryable }
    } catch (error) {
      return { ok: false, reason: errorText(error), retryable: true }
    }
  }

  return {
    post: async (path, payload, { attempts = policy.attempts, stop } = {}) => {
      const body = JSON.stringify(payload)
      const tries = Math.max(1, attempts)
      // bounded: at most `tries` requests, each with its own timeout
      for (let i = 1; ; i++) {
        const last = await attempt(path, body)
        if (last.ok) return { ok: true, attempts: i }
        if (!last.retryable || i >= tries || stop?.aborted)
          return { ok: false, attempts: i, reason: last.reason }
        const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** (i - 1))
        const stopped = await options.clock.sleep(backoff, stop).then(
          () => false,
          () => true
        )
        if (stopped) return { ok: false, attempts: i, reason: last.reason }
      }
    }
  }
}
