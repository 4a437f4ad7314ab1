import { mkdirSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import type { Settings } from '../../shared/api'
import type { SimulationConfig } from '../../shared/simulation'
import { checkAwsCredentials } from '../engine/credentials'
import type { Engine } from '../engine/engine'
import type { SettingsStore } from '../engine/settings-store'
import { costsByWorkload, type History } from '../history'
import { isProviderError } from '../providers/errors'
import { defaultSimulationConfig } from '../simulator/config'
import { ApiError, type ApiHandlers } from './handlers'
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

/** A what-if may only read traces the app ships or exported itself: the API never opens arbitrary files. */
function checkTracePath(config: SimulationConfig, allowed: string[]): void {
  if (config.market.kind !== 'trace') return
  const path = resolve(config.market.path)
  const inside = allowed.some((dir) => {
    const rel = relative(resolve(dir), path)
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
  })
  if (!inside)
    throw new ApiError(
      'bad-request',
      `trace ${config.market.path} is not a bundled trace or a history export`
    )
}

function failed(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  if (isProviderError(error))
    return new ApiError(error.code === 'not-found' ? 'not-found' : 'bad-request', error.message)
  return new ApiError('failed', error instanceof Error ? error.message : String(error))
}

async function guard<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw failed(error)
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
    drainInstance: (input) => guard(() => engine.drain(input.instanceId)),
    spotPrices: (input) =>
      guard(() =>
        history.spotPrices(input.from, input.to, {
          zone: input.zone,
          instanceType: input.instanceType
        })
      ),
    events: (input) =>
      guard(() =>
        history.eventsBetween(input.from, input.to, {
          kinds: input.kinds,
          instanceId: input.instanceId,
          limit: input.limit
        })
      ),
    fleetAt: (input) => guard(() => history.fleetAt(input.at)),
    costs: (input) =>
      guard(() =>
        input.by === 'workload'
          ? costsByWorkload(history, input.from, input.to)
          : history.costBy(input.by, input.from, input.to)
      ),
    savings: (input) => guard(() => history.savings(input.from, input.to)),
    exportTrace: (input) =>
      guard(() => {
        const traces = history.exportTrace(input.from, input.to, {
          gapSeconds: input.gapSeconds ?? 300
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
        history.exportTraceFiles(dir, input.from, input.to, { gapSeconds: input.gapSeconds ?? 300 })
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
        checkTracePath(config, [deps.bundledTracesDir, deps.exportsDir])
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
