// One step of a deadline job, shared by the simulator's deadline engine and the live job controller:
// ask the policy, apply the shared safety net and the minimum decision interval, and say when a rule
// could next flip with no market event (so both wake there). Pure: state in, decision out.
import type { DeadlineChoice, DeadlineView, Policy } from './types'
import { safetyNetTriggered } from './types'
import { expectedProgress } from './uniform-progress'

/**
 * A policy may change a choice it made no sooner than this after making it (a reclaim frees it at
 * once, and the safety net is never held back). AWS bills at least a minute per instance, so
 * switching faster can never save money; the floor keeps a changeover of 0 from flipping the job
 * every few milliseconds.
 */
export const MIN_SWITCH_INTERVAL_SECONDS = 60

export interface JobDecision {
  /** what the policy wants now (the safety net applied) */
  choice: DeadlineChoice
  /** the safety net after this step (once on, it stays on) */
  safetyNet: boolean
  /** true when the job must switch from view.current to choice now */
  switchNow: boolean
  /** when a wanted switch is held back by the minimum interval: the instant it is allowed */
  heldUntil: number
}

/**
 * The decision at view.now. `choiceAt` is when the current choice was applied (-Infinity after a
 * reclaim chose for the policy).
 */
export function decideJobStep(policy: Policy, view: DeadlineView, choiceAt: number): JobDecision {
  const safetyNet = safetyNetTriggered(view)
  const v = { ...view, safetyNet }
  const choice = policy.decideDeadline!(v)
  let switchNow = false
  let heldUntil = Infinity
  if (choice !== view.current) {
    const until = choiceAt + MIN_SWITCH_INTERVAL_SECONDS
    if (view.now < until && !(safetyNet && choice === 'ondemand')) heldUntil = until
    else switchNow = true
  }
  return { choice, safetyNet, switchNow, heldUntil }
}

/** A cursor the wake-up rule keeps between steps (see nextJobWakeup). */
export interface WakeupCursor {
  /** when a crossing at the decision instant last asked for a second look */
  recheckFrom: number
}

/**
 * The next instant at which a rule could flip without any other event: the policy's own lines
 * (deadlineWakeups), the shared safety-net line while no progress is made, and a held-back switch.
 * `view` is the state after the step was applied.
 */
export function nextJobWakeup(
  policy: Policy,
  view: DeadlineView,
  heldUntil: number,
  cursor: WakeupCursor
): number {
  const t = view.now
  const candidates = policy.deadlineWakeups?.(view) ?? []
  // the shared safety-net line, which the slack approaches while no progress is made
  if (!view.running)
    candidates.push(view.deadline - (view.computeTime - view.progress) - 2 * view.changeover)
  let next = heldUntil
  for (const c of candidates) {
    // Some rules compare strictly (progress < ep), so at a crossing they flip only just after it: a
    // crossing that is now (t = 0 with no progress, or a wake-up on the crossing itself) is looked at
    // again 2 ms later, once; a crossing still "now" at that second look did not flip anything and
    // is dropped, so no line can hold the engine in 2 ms steps.
    let at = Infinity
    if (c > t + 1e-3) at = c
    else if (c >= t - 1e-3 && t - cursor.recheckFrom > 3e-3) at = t + 2e-3
    if (at < next) next = at
  }
  if (next === t + 2e-3) cursor.recheckFrom = t
  return next
}

const hours = (s: number): string => `${(s / 3600).toFixed(2)} h`

/**
 * The inputs that decided it, in the words of the rules every deadline policy shares. Separate from
 * decideJobStep so the simulator's hot loop does not format text it never shows.
 */
export function decisionReason(policy: Policy, view: DeadlineView, choice: DeadlineChoice): string {
  const ep = expectedProgress(view, view.now)
  const facts =
    `progress ${hours(view.progress)} of ${hours(view.computeTime)}, expected ${hours(ep)}, ` +
    `${hours(view.deadline - view.now)} to the deadline, spot ${view.spotAvailable ? 'available' : 'unavailable'}`
  if (view.safetyNet)
    return `safety net: time left is within the work left plus two changeovers, so on-demand until done (${facts})`
  return `${policy.name} chose ${choice} (${facts})`
}
