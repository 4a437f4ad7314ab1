import { describe, expect, it } from 'vitest'
import type { DeadlineView } from './types'
import { createPolicy } from '.'
import {
  MIN_SWITCH_INTERVAL_SECONDS,
  decideJobStep,
  decisionReason,
  nextJobWakeup
} from './job-plan'

const H = 3600
const uniform = createPolicy('uniform-progress', { fallbackAfterPreemptions: 1 })

const view = (v: Partial<DeadlineView>): DeadlineView => ({
  now: 0,
  progress: 0,
  computeTime: 6 * H,
  deadline: 9 * H,
  changeover: 0.2 * H,
  spotAvailable: true,
  current: 'idle',
  safetyNet: false,
  preemptions: 0,
  running: false,
  ...v
})

describe('the shared job step', () => {
  it('takes the policy choice and switches at once when free to', () => {
    const step = decideJobStep(uniform, view({}), -Infinity)
    expect(step).toEqual({ choice: 'spot', safetyNet: false, switchNow: true, heldUntil: Infinity })
  })

  it('holds a switch back within the minimum interval, and says until when', () => {
    // on on-demand, spot back and far ahead: the policy wants spot, but the choice is 10 s old
    const v = view({ now: 2 * H, progress: 3 * H, current: 'ondemand', running: true })
    const step = decideJobStep(uniform, v, 2 * H - 10)
    expect(step.choice).toBe('spot')
    expect(step.switchNow).toBe(false)
    expect(step.heldUntil).toBe(2 * H - 10 + MIN_SWITCH_INTERVAL_SECONDS)
  })

  it('never holds the safety net back, and keeps it on', () => {
    const v = view({ now: 8 * H, progress: 5 * H, current: 'spot', running: true })
    const step = decideJobStep(uniform, v, 8 * H - 1)
    expect(step).toMatchObject({ choice: 'ondemand', safetyNet: true, switchNow: true })
    expect(decisionReason(uniform, { ...v, safetyNet: true }, 'ondemand')).toMatch(/^safety net/)
  })

  it('wakes where ep(t) overtakes an idle job, or at the safety-net line, whichever is first', () => {
    const cursor = { recheckFrom: -Infinity }
    // idle with 2 h done: ep(t) = t * 6/9 reaches 2 h at t = 3 h; the net at 9 - 4 - 0.4 = 4.6 h
    const at = nextJobWakeup(uniform, view({ now: H, progress: 2 * H }), Infinity, cursor)
    expect(at).toBeCloseTo(3 * H, 6)
    // a held switch earlier than that wins
    expect(nextJobWakeup(uniform, view({ now: H, progress: 2 * H }), 1.5 * H, cursor)).toBe(1.5 * H)
  })

  it('looks again 2 ms after a crossing that is now, once', () => {
    const cursor = { recheckFrom: -Infinity }
    const first = nextJobWakeup(uniform, view({ now: 0, progress: 0 }), Infinity, cursor)
    expect(first).toBeCloseTo(0.002, 9)
    // at that second look the line is still "now" (within 1 ms): not again
    const second = nextJobWakeup(uniform, view({ now: 0.002, progress: 0 }), Infinity, cursor)
    expect(second).toBeGreaterThan(1)
  })
})
