import { mkdirSync, realpathSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { DEFAULT_EXPORT_GAP_SECONDS, MAX_WINDOW_ROWS, type Settings } from '../../shared/api'
import type { SimulationConfig } from '../../shared/simulation'
import { checkAwsCredentials } from '../engine/credentials'
import type { Engine } from '../engine/engine'
import type { SettingsStore } from '../engine/settings-store'
import { costsByWorkload, type History } from '../history'
import { defaultSimulationConfig } from '../simulator/config'
import { checkTracePath, TraceError } from '../simulator/traces'
import { ApiError, toApiError, type ApiHandlers } from './handlers'
import type { SimulationJobs } from './simulation-jobs'
import { bundledTraces, exportedTraces } from './traces-catalog'
import type { WorkloadMethod } from './workload-handlers'

export interface HandlerDeps {
  engine: Engine
  history: History
  settings: SettingsStore
  jobs: SimulationJobs
  /** where exported history windows are written, so the what-if picker offers them */
  exportsDir: string
  bundledTracesDir: string
}

/**
 * A what-if may only read traces the app ships or exported itself: the API never opens arbitrary
 * files. Symlinks are resolved before the containment test, then the trace loader's own path check
 * (regular files, size caps) applies, so a refusal is a 400 at once rather than a failed job.
 */
function checkWhatIfTrace(config: SimulationConfig, allowed: string[]): void {
  if (config.market.kind !== 'trace') return
  const given = config.market.path
  const path = realOrUndefined(given)
  const inside =
    path !== undefined &&
    allowed.some((dir) => {
      const root = realOrUndefined(dir)
      if (root === undefined) return false
      const rel = relative(root, path)
      return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
    })
  if (!inside)
    throw new ApiError('bad-request', `trace ${given} is not a bundled trace or a history export`)
  try {
    checkTracePath(path)
  } catch (error) {
    if (error instanceof TraceError) throw new ApiError('bad-request', error.message)
    throw error
  }
}

/** The path with every symlink resolved, or undefined when it does not exist. */
function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(resolve(path))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'ELOOP')
      return undefined
    throw error
  }
}

/** Bucket sizes a cost series snaps to (wall ms): round steps of the sandbox's and a real clock. */
const COST_BUCKETS_MS = [
  1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 10_800_000,
  21_600_000, 43_200_000, 86_400_000, 604_800_000
]

/** The smallest round bucket that splits a span into at most `buckets` of them. */
export function costBucketMs(spanMs: number, buckets: number): number {
  const wanted = spanMs / buckets
  return COST_BUCKETS_MS.find((b) => b >= wanted) ?? Math.ceil(wanted / 86_400_000) * 86_400_000
}

async function guard<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw toApiError(error)
  }
}

/** The engine side of every method of the shared contract. */
export function createEngineHandlers(deps: HandlerDeps): Omit<ApiHandlers, WorkloadMethod> {
  const { engine, history, settings, jobs } = deps
  // The bundled traces never change while the engine runs, and parsing them (45 days of probes in
  // nine zones) takes a while: read them on first use only.
  let bundled: ReturnType<typeof bundledTraces> | undefined
  return {
    status: async () => engine.status(),
    listInstances: async () => engine.instances(),
    launchInstance: (input) => guard(() => engine.launch(input)),
    terminateInstance: (input) =>
      guard(async () => {
        await engine.terminate(input.instanceId)
        return { ok: true as const }
      }),
    drainInstance: (input) =>
      guard(() => {
        if (!engine.instances().some((i) => i.id === input.instanceId))
          throw new ApiError('not-found', `instance ${input.instanceId} is not in this fleet`)
        return engine.drain(input.instanceId)
      }),
    spotPrices: (input) =>
      guard(() =>
        history.spotPrices(input.from, input.to, {
          zone: input.zone,
          instanceType: input.instanceType,
          limit: input.limit ?? MAX_WINDOW_ROWS
        })
      ),
    events: (input) =>
      guard(() =>
        history.eventsBetween(input.from, input.to, {
          kinds: input.kinds,
          instanceId: input.instanceId,
          limit: input.limit ?? MAX_WINDOW_ROWS
        })
      ),
    fleetAt: (input) => guard(() => history.fleetAt(input.at)),
    costs: (input) =>
      guard(() => {
        if (input.by === 'workload') return costsByWorkload(history, input.from, input.to)
        const rows = history.costBy(input.by, input.from, input.to)
        if (input.by !== 'instance') return rows
        // the name history kept, so a terminated instance still reads as more than its id
        return rows.map((r) => {
          const name = history.getInstance(r.key)?.name
          return name ? { ...r, name } : r
        })
      }),
    costSeries: (input) =>
      guard(() => {
        const bucketMs = costBucketMs(input.to - input.from, input.buckets ?? 120)
        return { bucketMs, points: history.costSeries(input.from, input.to, bucketMs) }
      }),
    savings: (input) => guard(() => history.savings(input.from, input.to)),
    exportTrace: (input) =>
      guard(() => {
        const traces = history.exportTrace(input.from, input.to, {
          gapSeconds: input.gapSeconds ?? DEFAULT_EXPORT_GAP_SECONDS
        })
        const zones = Object.keys(traces).sort()
        if (zones.length === 0)
          throw new ApiError(
            'bad-request',
            'no spot instances ran in that window: there is nothing to export'
          )
        const stamp = new Date(input.from).toISOString().replace(/[:.]/g, '-')
        const dir = join(
          deps.exportsDir,
          `${stamp}_${Math.round((input.to - input.from) / 60_000)}min`
        )
        mkdirSync(dir, { recursive: true })
        history.exportTraceFiles(dir, input.from, input.to, {
          gapSeconds: input.gapSeconds ?? DEFAULT_EXPORT_GAP_SECONDS
        })
        return zones.map((zone) => ({ zone, json: JSON.stringify(traces[zone]), path: dir }))
      }),
    bundledTraces: () =>
      guard(() => [
        ...(bundled ??= bundledTraces(deps.bundledTracesDir)),
        ...exportedTraces(deps.exportsDir)
      ]),
    defaultSimulationConfig: async () => defaultSimulationConfig(),
    startSimulation: (input) =>
      guard(() => {
        const config = input.config as SimulationConfig
        checkWhatIfTrace(config, [deps.bundledTracesDir, deps.exportsDir])
        return jobs.start(config, input.name)
      }),
    simulationStatus: (input) =>
      guard(() => {
        const status = jobs.status(input.jobId)
        if (!status) throw new ApiError('not-found', `no simulation ${input.jobId}`)
        return status
      }),
    cancelSimulation: (input) =>
      guard(() => {
        if (!jobs.cancel(input.jobId))
          throw new ApiError('not-found', `no simulation ${input.jobId}`)
        return { ok: true as const }
      }),
    listSimulationRuns: () =>
      guard(() =>
        history
          .listSimulationRuns()
          .map((r) => ({ id: r.id, name: r.name, createdAt: r.createdAt }))
      ),
    getSimulationRun: (input) =>
      guard(() => {
        const run = history.getSimulationRun(input.id)
        if (!run) throw new ApiError('not-found', `no saved simulation run ${input.id}`)
        return {
          id: run.id,
          name: run.name,
          createdAt: run.createdAt,
          config: run.config,
          output: run.output
        }
      }),
    getSettings: async () => settings.get(),
    updateSettings: (input) => guard(() => settings.set(input.settings as Settings)),
    checkCredentials: () =>
      guard(() => {
        const s = settings.get()
        return checkAwsCredentials(s.aws.profile, s.aws.regions[0])
      })
  }
}
