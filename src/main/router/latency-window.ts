/**
 * The last `capacity` latencies in a fixed ring, for p50/p99 without unbounded memory: older
 * samples are overwritten, so the quantiles describe recent behaviour (a replica that was slow an
 * hour ago is not slow now).
 */
export class LatencyWindow {
  private readonly samples: Float64Array
  private next = 0
  private filled = 0

  constructor(readonly capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`latency window capacity must be a positive integer, got ${capacity}`)
    this.samples = new Float64Array(capacity)
  }

  get size(): number {
    return this.filled
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return
    this.samples[this.next] = ms
    this.next = (this.next + 1) % this.capacity
    if (this.filled < this.capacity) this.filled++
  }

  /** nearest-rank quantiles (q in [0, 1]) of the samples held; null when there are none */
  quantiles(qs: readonly number[]): (number | null)[] {
    if (this.filled === 0) return qs.map(() => null)
    const sorted = this.samples.slice(0, this.filled).sort()
    return qs.map((q) => sorted[nearestRank(q, this.filled)])
  }
}

/** index of the nearest-rank q-quantile in a sorted array of n values */
export function nearestRank(q: number, n: number): number {
  const rank = Math.ceil(Math.min(1, Math.max(0, q)) * n)
  return Math.min(n - 1, Math.max(0, rank - 1))
}
