import type { Clock } from '../../src/main/clock'

export interface ManualClock extends Clock {
  /** move time forward, waking every sleeper whose time has come, in order */
  advance(ms: number): Promise<void>
  set(ms: number): void
}

/** A clock that only moves when told to; sleepers wake as advance() passes their time. */
export function manualClock(start = 0): ManualClock {
  let current = start
  let sequence = 0
  const sleepers: { wakeAt: number; order: number; resolve: () => void }[] = []
  const wakeDue = async (): Promise<void> => {
    for (;;) {
      sleepers.sort((a, b) => a.wakeAt - b.wakeAt || a.order - b.order)
      const next = sleepers[0]
      if (!next || next.wakeAt > current) return
      sleepers.shift()
      next.resolve()
      // let the woken task run before waking the next one, as real time would
      await new Promise((r) => setImmediate(r))
    }
  }
  return {
    now: () => current,
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason)
        const entry = { wakeAt: current + ms, order: sequence++, resolve }
        sleepers.push(entry)
        signal?.addEventListener(
          'abort',
          () => {
            const i = sleepers.indexOf(entry)
            if (i >= 0) sleepers.splice(i, 1)
            reject(signal.reason)
          },
          { once: true }
        )
      }),
    advance: async (ms) => {
      const target = current + ms
      for (;;) {
        sleepers.sort((a, b) => a.wakeAt - b.wakeAt || a.order - b.order)
        const next = sleepers[0]
        if (!next || next.wakeAt > target) break
        current = Math.max(current, next.wakeAt)
        await wakeDue()
      }
      current = target
    },
    set: (ms) => {
      current = ms
    }
  }
}
