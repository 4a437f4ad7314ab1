/**
 * A binary min-heap of events ordered by (time, insertion order), stored in parallel typed arrays so
 * the hot loop allocates nothing. Ties break by insertion order, never by anything hash-dependent,
 * which keeps runs byte-for-byte reproducible.
 *
 * Events are never removed from the middle: a scheduled event carries an epoch of the thing it
 * concerns, and the engine ignores it when the epoch has moved on (that is how a preempted task's
 * completion is cancelled).
 */
export class EventQueue {
  private times: Float64Array
  private order: Float64Array
  private kinds: Uint8Array
  private subjects: Int32Array
  private epochs: Int32Array
  private heap: Int32Array
  private free: Int32Array
  private freeCount = 0
  private size = 0
  private used = 0
  private sequence = 0

  // The popped event, read through these fields to avoid allocating a result object.
  time = 0
  kind = 0
  subject = 0
  epoch = 0

  constructor(capacity = 1024) {
    this.times = new Float64Array(capacity)
    this.order = new Float64Array(capacity)
    this.kinds = new Uint8Array(capacity)
    this.subjects = new Int32Array(capacity)
    this.epochs = new Int32Array(capacity)
    this.heap = new Int32Array(capacity)
    this.free = new Int32Array(capacity)
  }

  get length(): number {
    return this.size
  }

  push(time: number, kind: number, subject: number, epoch = 0): void {
    if (!(time >= 0) || !Number.isFinite(time))
      throw new Error(`event time must be finite and >= 0, got ${time}`)
    const slot = this.allocate()
    this.times[slot] = time
    this.order[slot] = this.sequence++
    this.kinds[slot] = kind
    this.subjects[slot] = subject
    this.epochs[slot] = epoch
    let i = this.size++
    const heap = this.heap
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(slot, heap[parent])) break
      heap[i] = heap[parent]
      i = parent
    }
    heap[i] = slot
  }

  /** Earliest event's time, or Infinity when empty. */
  peekTime(): number {
    return this.size === 0 ? Infinity : this.times[this.heap[0]]
  }

  /** Removes the earliest event into time/kind/subject/epoch; false when empty. */
  pop(): boolean {
    if (this.size === 0) return false
    const heap = this.heap
    const top = heap[0]
    this.time = this.times[top]
    this.kind = this.kinds[top]
    this.subject = this.subjects[top]
    this.epoch = this.epochs[top]
    this.free[this.freeCount++] = top
    const last = heap[--this.size]
    let i = 0
    const n = this.size
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      const child = right < n && this.before(heap[right], heap[left]) ? right : left
      if (!this.before(heap[child], last)) break
      heap[i] = heap[child]
      i = child
    }
    if (n > 0) heap[i] = last
    return true
  }

  private before(a: number, b: number): boolean {
    const ta = this.times[a]
    const tb = this.times[b]
    return ta < tb || (ta === tb && this.order[a] < this.order[b])
  }

  private allocate(): number {
    if (this.freeCount > 0) return this.free[--this.freeCount]
    if (this.used === this.times.length) this.grow()
    return this.used++
  }

  private grow(): void {
    const capacity = this.times.length * 2
    const extend = <T extends Float64Array | Int32Array | Uint8Array>(
      a: T,
      make: (n: number) => T
    ): T => {
      const b = make(capacity)
      b.set(a)
      return b
    }
    this.times = extend(this.times, (n) => new Float64Array(n))
    this.order = extend(this.order, (n) => new Float64Array(n))
    this.kinds = extend(this.kinds, (n) => new Uint8Array(n))
    this.subjects = extend(this.subjects, (n) => new Int32Array(n))
    this.epochs = extend(this.epochs, (n) => new Int32Array(n))
    this.heap = extend(this.heap, (n) => new Int32Array(n))
    this.free = extend(this.free, (n) => new Int32Array(n))
  }
}
