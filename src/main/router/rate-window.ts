import type { Clock } from '../clock'

/**
 * Events per second over a rolling window, in fixed one-second buckets by the injected clock
 * (the sandbox's accelerated clock makes "per second" sandbox seconds, like every other rate).
 */
export class RateWindow {
  private readonly counts: Float64Array
  /** the second each bucket currently holds; a stale bucket is treated as empty */
  private readonly seconds: Float64Array
  private readonly startedAt: number

  constructor(
    private readonly clock: Clock,
    readonly windowSeconds = 60
  ) {
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1)
      throw new RangeError(`rate window must be a positive whole number of seconds`)
    this.counts = new Float64Array(windowSeconds)
    this.seconds = new Float64Array(windowSeconds).fill(-Infinity)
    this.startedAt = clock.now()
  }

  record(count = 1): void {
    const second = Math.floor(this.clock.now() / 1000)
    const slot = mod(second, this.windowSeconds)
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second
      this.counts[slot] = 0
    }
    this.counts[slot] += count
  }

  /**
   * Events in the last `windowSeconds` whole seconds (the current one included) divided by the
   * time they span; a window younger than its length divides by its age, so early rates are
   * not understated.
   */
  perSecond(): number {
    const now = this.clock.now()
    const current = Math.floor(now / 1000)
    let total = 0
    for (let slot = 0; slot < this.windowSeconds; slot++) {
      const second = this.seconds[slot]
      if (second > current - this.windowSeconds && second <= current) total += this.counts[slot]
    }
    const spanSeconds = Math.min(this.windowSeconds, Math.max(1, (now - this.startedAt) / 1000))
    return total / spanSeconds
  }
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n
}
