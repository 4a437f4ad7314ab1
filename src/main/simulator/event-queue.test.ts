import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EventQueue } from './event-queue'

interface Popped {
  time: number
  kind: number
  subject: number
  epoch: number
}

function drain(q: EventQueue): Popped[] {
  const out: Popped[] = []
  while (q.pop()) out.push({ time: q.time, kind: q.kind, subject: q.subject, epoch: q.epoch })
  return out
}

describe('EventQueue', () => {
  it('pops in time order and carries kind, subject and epoch with each event', () => {
    const q = new EventQueue(8)
    q.push(30, 3, 300, 7)
    q.push(10, 1, 100)
    q.push(20, 2, 200, 5)
    expect(q.length).toBe(3)
    expect(q.peekTime()).toBe(10)
    expect(drain(q)).toEqual([
      { time: 10, kind: 1, subject: 100, epoch: 0 },
      { time: 20, kind: 2, subject: 200, epoch: 5 },
      { time: 30, kind: 3, subject: 300, epoch: 7 }
    ])
    expect(q.length).toBe(0)
  })

  it('breaks ties at the same time by insertion order', () => {
    const q = new EventQueue(4)
    for (let s = 0; s < 10; s++) q.push(5, 1, s)
    q.push(1, 2, 99)
    for (let s = 10; s < 20; s++) q.push(5, 1, s)
    const out = drain(q)
    expect(out[0].subject).toBe(99)
    expect(out.slice(1).map((e) => e.subject)).toEqual(Array.from({ length: 20 }, (_, i) => i))
  })

  it('keeps insertion order for ties even for events pushed after others were popped', () => {
    const q = new EventQueue(2)
    q.push(5, 1, 0)
    q.push(5, 1, 1)
    q.pop()
    q.push(5, 1, 2)
    q.push(5, 1, 3)
    expect(drain(q).map((e) => e.subject)).toEqual([1, 2, 3])
  })

  it('grows past its initial capacity without losing or reordering events', () => {
    const q = new EventQueue(2)
    const n = 1000
    for (let i = 0; i < n; i++) q.push((i * 7919) % n, 1, i)
    expect(q.length).toBe(n)
    const times = drain(q).map((e) => e.time)
    expect(times).toEqual(Array.from({ length: n }, (_, i) => i))
  })

  it('reuses popped slots: a long push/pop stream at constant size never grows unboundedly and stays ordered', () => {
    const q = new EventQueue(4)
    let last = -Infinity
    for (let i = 0; i < 4; i++) q.push(i, 1, i)
    for (let i = 4; i < 10_000; i++) {
      expect(q.pop()).toBe(true)
      expect(q.time).toBeGreaterThanOrEqual(last)
      last = q.time
      q.push(i, 1, i)
    }
    expect(q.length).toBe(4)
  })

  it('pop on an empty queue returns false and peekTime is Infinity', () => {
    const q = new EventQueue(1)
    expect(q.pop()).toBe(false)
    expect(q.peekTime()).toBe(Infinity)
    q.push(0, 1, 1)
    expect(q.pop()).toBe(true)
    expect(q.pop()).toBe(false)
  })

  it('rejects a negative, NaN or infinite time', () => {
    const q = new EventQueue()
    expect(() => q.push(-1, 1, 0)).toThrow(/finite and >= 0/)
    expect(() => q.push(NaN, 1, 0)).toThrow(/finite and >= 0/)
    expect(() => q.push(Infinity, 1, 0)).toThrow(/finite and >= 0/)
    expect(q.length).toBe(0)
  })

  it('matches a stable-sorted reference under random interleaved pushes and pops', () => {
    type Op = { push: true; time: number } | { push: false }
    const op: fc.Arbitrary<Op> = fc.oneof(
      // few distinct times so ties are common
      fc.record({ push: fc.constant(true as const), time: fc.integer({ min: 0, max: 20 }) }),
      fc.record({
        push: fc.constant(true as const),
        time: fc.double({ min: 0, max: 1e6, noNaN: true })
      }),
      fc.record({ push: fc.constant(false as const) })
    )
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 300 }),
        fc.integer({ min: 1, max: 16 }),
        (ops, capacity) => {
          const q = new EventQueue(capacity)
          const reference: Array<{ time: number; seq: number }> = []
          let seq = 0
          for (const o of ops) {
            if (o.push) {
              q.push(o.time, 1, seq)
              reference.push({ time: o.time, seq })
              seq++
            } else {
              reference.sort((a, b) => a.time - b.time || a.seq - b.seq)
              const expected = reference.shift()
              expect(q.pop()).toBe(expected !== undefined)
              if (expected) {
                expect(q.time).toBe(expected.time)
                expect(q.subject).toBe(expected.seq)
              }
            }
            expect(q.length).toBe(reference.length)
          }
          reference.sort((a, b) => a.time - b.time || a.seq - b.seq)
          expect(drain(q).map((e) => e.subject)).toEqual(reference.map((r) => r.seq))
        }
      ),
      { numRuns: 200, seed: 42 }
    )
  })
})
