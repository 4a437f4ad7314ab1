// Fixtures and a fake SynktiClient for the renderer's tests (imported only by *.test.ts).
import { vi } from 'vitest'
import {
  API_METHODS,
  DEFAULT_SETTINGS,
  type EngineStatus,
  type FleetInstanceView,
  type StreamEvent,
  type SynktiClient,
  type WorkloadView
} from '@shared/api'
import type { FleetEvent, ManagedInstance } from '@shared/fleet'

export const T0 = Date.UTC(2025, 2, 4, 12, 0, 0)
export const MIN = 60_000

export function managed(id: string, over: Partial<ManagedInstance> = {}): ManagedInstance {
  return {
    id,
    name: `node-${id}`,
    provider: 'sandbox',
    region: 'sandbox-1',
    zone: 'sandbox-1a',
    instanceType: 'g5.xlarge',
    market: 'spot',
    state: 'running',
    gpus: 1,
    gpuMemoryGiB: 24,
    pricePerHour: 0.352,
    onDemandPricePerHour: 1.006,
    launchedAt: T0,
    tags: { 'synkti:fleet': 'synkti' },
    ...over
  }
}

export function instanceView(id: string, over: Partial<FleetInstanceView> = {}): FleetInstanceView {
  return {
    ...managed(id),
    costSoFar: 1.234,
    uptimeSeconds: 3725,
    owned: true,
    load: 3,
    model: 'llama-3.1-8b',
    ...over
  }
}

export const STATUS: EngineStatus = {
  mode: 'sandbox',
  startedAt: T0 - 3_600_000,
  now: T0,
  message: 'sandbox: 2 instances, market synthetic',
  version: '0.1.0',
  dataDir: '/tmp/synkti',
  speed: 360
}

export type FakeClient = {
  [K in keyof SynktiClient]: SynktiClient[K] & ReturnType<typeof vi.fn>
} & {
  /** pushes a stream event to every subscriber */
  emit(event: StreamEvent): void
  listeners: Set<(event: StreamEvent) => void>
}

/** Every method a vi.fn resolving a harmless default; override with mockResolvedValue / mockRejectedValue. */
export function fakeClient(): FakeClient {
  const listeners = new Set<(event: StreamEvent) => void>()
  const defaults: Record<string, unknown> = {
    status: STATUS,
    listInstances: [],
    launchInstance: managed('i-new'),
    terminateInstance: { ok: true },
    drainInstance: {
      outcome: 'drained',
      startedAt: T0,
      endedAt: T0 + 4200,
      deregisterMs: 35,
      lastRunning: 0,
      lastWaiting: 0
    },
    spotPrices: [],
    events: [],
    fleetAt: [],
    costs: [],
    savings: { cost: 0, ondemandCost: 0, savingsPct: 0 },
    costSeries: { bucketMs: 60_000, points: [] },
    exportTrace: [],
    bundledTraces: [],
    defaultSimulationConfig: {
      instanceTypes: [
        {
          name: 'g5.xlarge',
          gpus: 1,
          gpuMemoryGiB: 24,
          networkGbps: 10,
          onDemandPrice: 1.006,
          meanSpotPrice: 0.352
        }
      ]
    },
    startSimulation: { jobId: 'job-1' },
    simulationStatus: { jobId: 'job-1', state: 'running', done: 0, total: 1 },
    cancelSimulation: { ok: true },
    listSimulationRuns: [],
    getSimulationRun: undefined,
    getSettings: DEFAULT_SETTINGS,
    updateSettings: DEFAULT_SETTINGS,
    checkCredentials: { ok: true, message: 'ok' },
    applyWorkloads: { changes: [], dryRun: false },
    listWorkloads: [],
    cancelWorkload: { ok: true },
    workloadEvents: [],
    routerStats: { url: 'http://127.0.0.1:8000', replicas: [], services: [] }
  }
  const client: Record<string, unknown> = {}
  for (const method of API_METHODS)
    client[method] = vi.fn(async () => structuredClone(defaults[method]))
  client.subscribe = vi.fn((listener: (event: StreamEvent) => void) => {
    listeners.add(listener)
    return () => listeners.delete(listener)
  })
  client.emit = (event: StreamEvent) => {
    for (const l of [...listeners]) l(event)
  }
  client.listeners = listeners
  return client as unknown as FakeClient
}

/** A service workload as listWorkloads shows it: 2 of 3 replicas ready, one spare, one on demand. */
export function serviceWorkload(name = 'llama', over: Partial<WorkloadView> = {}): WorkloadView {
  return {
    name,
    kind: 'service',
    generation: 1,
    spec: { kind: 'service', name, model: 'meta-llama/Llama-3.1-8B-Instruct', replicas: 3 },
    desired: { replicas: 3, standby: 1 },
    serving: 3,
    ready: 2,
    standby: 1,
    leaving: 0,
    recoveries: 4,
    openFailovers: 1,
    costPerHour: 2.062,
    ondemandCostPerHour: 4.024,
    instances: [
      {
        id: 'i-a',
        role: 'serving',
        state: 'running',
        market: 'spot',
        zone: 'sandbox-1a',
        ready: true
      },
      {
        id: 'i-b',
        role: 'serving',
        state: 'running',
        market: 'spot',
        zone: 'sandbox-1b',
        ready: true
      },
      {
        id: 'i-c',
        role: 'serving',
        state: 'pending',
        market: 'ondemand',
        zone: 'sandbox-1a',
        ready: false
      },
      {
        id: 'i-d',
        role: 'standby',
        state: 'running',
        market: 'spot',
        zone: 'sandbox-1c',
        ready: true
      }
    ],
    router: { requests: 200, errors: 3, requestsPerSecond: 12.5, p50Ms: 180, p99Ms: 950 },
    speed: 360,
    ...over
  }
}

/** A small history: a launched at 0, running 2, notice 60 (deadline 62), terminated 62; b on-demand from 10. */
export function scenario(): FleetEvent[] {
  return [
    {
      id: 1,
      at: T0,
      kind: 'launch',
      instanceId: 'a',
      data: { instance: managed('a', { state: 'pending' }) }
    },
    { id: 2, at: T0 + 2 * MIN, kind: 'running', instanceId: 'a' },
    {
      id: 3,
      at: T0 + 10 * MIN,
      kind: 'launch',
      instanceId: 'b',
      data: { instance: managed('b', { market: 'ondemand', pricePerHour: 1.006 }) }
    },
    { id: 4, at: T0 + 12 * MIN, kind: 'running', instanceId: 'b' },
    {
      id: 5,
      at: T0 + 60 * MIN,
      kind: 'notice',
      instanceId: 'a',
      data: { deadline: T0 + 62 * MIN, source: 'sandbox' }
    },
    { id: 6, at: T0 + 60 * MIN + 500, kind: 'drain-start', instanceId: 'a' },
    { id: 7, at: T0 + 61 * MIN, kind: 'drain-end', instanceId: 'a', data: { outcome: 'drained' } },
    { id: 8, at: T0 + 62 * MIN, kind: 'terminate', instanceId: 'a' }
  ]
}

/** Lets pending promise chains and Vue's scheduler run (microtasks only, so it works with fake timers). */
export async function flush(times = 20): Promise<void> {
  for (let i = 0; i < times; i++) await Promise.resolve()
}
