// One shared 1 s timer for every live countdown and clock on screen, started by the first holder and
// stopped by the last, so a table of 50 draining instances does not run 50 intervals.
import { getCurrentScope, onScopeDispose, ref, type Ref } from 'vue'

const now = ref(Date.now())
let holders = 0
let timer: ReturnType<typeof setInterval> | null = null

export interface Ticker {
  /** the wall clock, updated every second while held */
  now: Readonly<Ref<number>>
  acquire(): void
  release(): void
}

/** A handle on the shared clock; released automatically with the component (or effect scope). */
export function useTicker(active = true): Ticker {
  let held = false
  const acquire = (): void => {
    if (held) return
    held = true
    holders++
    now.value = Date.now()
    if (!timer) timer = setInterval(() => (now.value = Date.now()), 1000)
  }
  const release = (): void => {
    if (!held) return
    held = false
    holders = Math.max(0, holders - 1)
    if (holders === 0 && timer) {
      clearInterval(timer)
      timer = null
    }
  }
  if (active) acquire()
  if (getCurrentScope()) onScopeDispose(release)
  return { now, acquire, release }
}
