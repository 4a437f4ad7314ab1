// Test wiring for the coordinator: fake provider, manual clock, scripted node agent, router and
// drain, and a recorder that keeps every event. Not used outside tests.
import type {
  DrainResult,
  FleetEvent,
  FleetEventKind,
  InterruptionEvent,
  ManagedInstance
} from '../../src/shared/fleet'
import type { CheckpointPlan } from '../../src/main/checkpoint/plan'
import { manualClock, type ManualClock } from './manual-clock'
import { MODEL_TAG_KEY } from '../../src/main/providers/types'
import type { StrategyName } from '../../src/main/placement/strategies'
import { createBudget } from '../../src/main/failover/budget'
import {
  createFailoverCoordinator,
  type FailoverCoordinator,
  type FailoverDeps
} from '../../src/main/failover/coordinator'
import { FakeProvider } from './fake-provider'
import type { LiveFacts } from '../../src/main/failover/select'
import {
  createStandbyPool,
  type StandbyConfig,
  type StandbyPool
} from '../../src/main/failover/standby'

export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0)
export const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c']

/** Advances the manual clock in steps until the promise settles; a stuck promise fails the test. */
export async function settle<T>(
  clock: ManualClock,
  p: Promise<T>,
  stepMs = 50,
  maxSteps = 200_000
): Promise<T> {
  let done = false
  const watched = p.finally(() => {
    done = true
  })
  for (let i = 0; i < maxSteps && !done; i++) {
    await new Promise((r) => setImmediate(r))
    if (!done) await clock.advance(stepMs)
  }
  if (!done)
    throw new Error(`promise still pending after ${(maxSteps * stepMs) / 1000} s of clock time`)
  return watched
}

export interface HarnessOptions {
  strategy?: StrategyName
  standby?: Partial<StandbyConfig>
  budgetCap?: number
  facts?: Record<string, Partial<LiveFacts>>
  drain?: (instance: ManagedInstance, deadline: number) => Promise<DrainResult>
  /** /health answers 200 from this attempt on (per instance); Infinity: never */
  healthyFromAttempt?: number
  deps?: Partial<FailoverDeps>
}

export interface Harness {
  clock: ManualClock
  provider: FakeProvider
  events: FleetEvent[]
  pool: StandbyPool
  coordinator: FailoverCoordinator
  served: [string, string][]
  routes: [string, string][]
  checkpoints: [string, CheckpointPlan][]
  healthCalls: Map<string, number>
  facts: Record<string, Partial<LiveFacts>>
  /** a running instance serving `model` (tagged) */
  serving(id: string, model: string, over?: Partial<ManagedInstance>): ManagedInstance
  notice(instanceId: string, over?: Partial<InterruptionEvent>): InterruptionEvent
  kinds(...only: FleetEventKind[]): FleetEvent[]
}

export function createHarness(o: HarnessOptions = {}): Harness {
  const clock = manualClock(T0)
  const provider = new FakeProvider({ clock, zones: ZONES, bootMs: 60_000 })
  const events: FleetEvent[] = []
  const record = (e: FleetEvent): void => void events.push(e)
  const budget = createBudget(o.budgetCap ?? 0)
  const facts: Record<string, Partial<LiveFacts>> = { ...o.facts }
  const served: [string, string][] = []
  const routes: [string, string][] = []
  const checkpoints: [string, CheckpointPlan][] = []
  const healthCalls = new Map<string, number>()
  const pool = createStandbyPool(
    {
      provider,
      clock,
      record,
      budget,
      excludeFromSpend: () => coordinator.failingOver()
    },
    {
      size: 0,
      instanceType: 'g5.xlarge',
      market: 'spot',
      zones: ZONES,
      pricePerHour: 0.45,
      pollMs: 5000,
      ...o.standby
    }
  )
  const coordinator: FailoverCoordinator = createFailoverCoordinator({
    provider,
    clock,
    record,
    budget,
    standby: pool,
    strategy: o.strategy ?? 'warm-least-loaded',
    replacement: { zones: ZONES },
    health: { retries: 5, intervalMs: 1000 },
    drain: o.drain ?? (async (_i, _deadline) => drained(clock, 3000)),
    startServing: async (i, model) => {
      served.push([i.id, model])
      await clock.sleep(10_000) // the container starts and loads weights
    },
    healthCheck: async (i) => {
      const n = (healthCalls.get(i.id) ?? 0) + 1
      healthCalls.set(i.id, n)
      return n >= (o.healthyFromAttempt ?? 2)
    },
    route: async (from, to) => void routes.push([from.id, to.id]),
    checkpoint: async (i, plan) => void checkpoints.push([i.id, plan]),
    liveFacts: (i) => ({
      load: 0,
      modelsLoaded: i.model ? [i.model] : [],
      bandwidthGbps: 10,
      ...facts[i.id]
    }),
    ...o.deps
  })
  return {
    clock,
    provider,
    events,
    pool,
    coordinator,
    served,
    routes,
    checkpoints,
    healthCalls,
    facts,
    serving: (id, model, over = {}) =>
      provider.add({
        id,
        model,
        zone: ZONES[0],
        ...over,
        tags: { [MODEL_TAG_KEY]: model, ...over.tags }
      }),
    notice: (instanceId, over = {}) => ({
      instanceId,
      kind: 'interruption-notice',
      action: 'terminate',
      deadline: clock.now() + 120_000,
      source: 'sandbox',
      observedAt: clock.now(),
      ...over
    }),
    kinds: (...only) => events.filter((e) => only.includes(e.kind))
  }
}

/** A drain that takes `ms` of clock time and empties the queue. */
export async function drained(clock: ManualClock, ms: number): Promise<DrainResult> {
  const startedAt = clock.now()
  await clock.sleep(ms)
  return {
    outcome: 'drained',
    startedAt,
    endedAt: clock.now(),
    deregisterMs: 5,
    lastRunning: 0,
    lastWaiting: 0
  }
}
