// The same interruption reaches Synkti several ways (EC2 API poll, EventBridge, IMDS, every poll while
// the notice is pending). The engine must act once per (instanceId, kind): the first report passes,
// later ones are dropped. Memory stays bounded: entries expire after ttlMs and at most maxEntries are kept.

import type { InterruptionEvent } from '../../shared/fleet'

export interface InterruptionDeduper {
  /** true the first time (instanceId, kind) is seen (within ttlMs); false for repeats */
  accept(event: InterruptionEvent): boolean
  /** forget an instance, e.g. once it is replaced, so a reused id is not silenced */
  forget(instanceId: string): void
  readonly size: number
}

export interface DeduperOptions {
  /** injected clock, ms */
  now?: () => number
  /** how long a key is remembered (default one day: far beyond any notice's life) */
  ttlMs?: number
  /** hard cap on remembered keys; the oldest go first (default 10,000) */
  maxEntries?: number
}

export const DEFAULT_DEDUPE_TTL_MS = 24 * 60 * 60 * 1000

export function dedupeKey(e: Pick<InterruptionEvent, 'instanceId' | 'kind'>): string {
  return `${e.instanceId}\u0000${e.kind}`
}

export function createInterruptionDeduper(opts: DeduperOptions = {}): InterruptionDeduper {
  const now = opts.now ?? Date.now
  const ttlMs = opts.ttlMs ?? DEFAULT_DEDUPE_TTL_MS
  const maxEntries = Math.max(1, opts.maxEntries ?? 10_000)
  // insertion order == first-seen order, so expiry and eviction only ever look at the front
  const seen = new Map<string, number>()

  function dropExpired(t: number): void {
    for (const [key, at] of seen) {
      if (t - at < ttlMs) break
      seen.delete(key)
    }
  }

  function makeRoom(): void {
    for (const key of seen.keys()) {
      if (seen.size < maxEntries) break
      seen.delete(key)
    }
  }

  return {
    accept(event) {
      const t = now()
      dropExpired(t)
      const key = dedupeKey(event)
      if (seen.has(key)) return false
      makeRoom()
      seen.set(key, t)
      return true
    },
    forget(instanceId) {
      for (const key of [...seen.keys()])
        if (key.startsWith(`${instanceId}\u0000`)) seen.delete(key)
    },
    get size() {
      return seen.size
    }
  }
}
