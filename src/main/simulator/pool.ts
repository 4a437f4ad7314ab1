import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { RunMetrics, SimulationConfig, SimulationOutput } from '../../shared/simulation'
import type { LoadedTrace } from './traces'
import { assembleOutput, prepareSimulation, simulateOneRun, type SimulationRunOptions } from './run'

export interface PoolOptions extends SimulationRunOptions {
  /** an already loaded trace (saves loading it twice) */
  trace?: LoadedTrace
  /** worker threads; 0 runs everything in this thread. Default: one per core when there are enough runs. */
  workers?: number
  /** path of the built worker script; found next to the bundle by default */
  workerScript?: string
  /** when given, counts the simulation events processed over all runs and threads */
  stats?: { events: number }
  /**
   * Never simulate on the calling thread (the daemon and the desktop app): every run, the first with
   * its timeline included, goes to a worker, and a missing worker script fails instead of falling back.
   */
  offThread?: boolean
}

/** Messages between the pool and a simulation worker. */
export type WorkerRequest = { runs: number[]; /** keep this run's timeline */ timelineRun?: number }
export type WorkerReply =
  | {
      run: number
      metrics: RunMetrics[]
      events: number
      timelines?: SimulationOutput['timelines']
    }
  | { error: string }
export interface WorkerInit {
  config: SimulationConfig
}

/** Runs handed to a worker at a time: enough to amortise messaging, few enough to balance load. */
const RUNS_PER_REQUEST = 4

export function findWorkerScript(): string | undefined {
  // Bundled code may sit in out/main or in a shared chunk folder below it.
  for (const dir of [__dirname, join(__dirname, '..')]) {
    const candidate = join(dir, 'simulation-worker.js')
    if (existsSync(candidate)) return candidate
  }
  return undefined
}

/**
 * Runs a simulation, spreading runs over worker threads when there are many. Results are indexed by
 * run, so the output is byte-identical whatever the number of workers or the order they finish in.
 */
export async function runSimulation(
  config: SimulationConfig,
  options: PoolOptions = {}
): Promise<SimulationOutput> {
  const prepared = prepareSimulation(config, options.trace)
  const script = options.workerScript ?? findWorkerScript()
  if (options.offThread && !script)
    throw new Error(
      'the simulation worker script is missing (out/main/simulation-worker.js): build the app'
    )
  const wanted =
    options.workers ?? (config.runs >= 8 ? Math.min(availableParallelism(), config.runs) : 0)
  const workers = script
    ? Math.min(options.offThread ? Math.max(1, wanted) : wanted, config.runs)
    : 0
  const perRun: RunMetrics[][] = new Array(config.runs)
  let done = 0
  const report = (): void => options.onProgress?.(++done, config.runs)

  if (workers === 0) {
    const keep = options.timeline ? {} : undefined
    for (let run = 0; run < config.runs; run++) {
      options.signal?.throwIfAborted()
      perRun[run] = simulateOneRun(prepared, run, run === 0 ? keep : undefined, options.stats)
      report()
      // Yield now and then so progress events, cancellation and the event loop stay responsive.
      if (run % 8 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    options.signal?.throwIfAborted()
    return assembleOutput(prepared, perRun, keep)
  }

  // Every run on a worker, the first one's timeline coming back with its metrics.
  const kept: { timelines?: SimulationOutput['timelines'] } = {}
  await runOnWorkers(script!, workers, config, perRun, report, {
    signal: options.signal,
    stats: options.stats,
    timeline: options.timeline === true,
    kept
  })
  return assembleOutput(prepared, perRun, kept.timelines)
}

function runOnWorkers(
  script: string,
  count: number,
  config: SimulationConfig,
  perRun: RunMetrics[][],
  report: () => void,
  options: {
    signal?: AbortSignal
    stats?: { events: number }
    timeline: boolean
    kept: { timelines?: SimulationOutput['timelines'] }
  }
): Promise<void> {
  const { signal, stats } = options
  return new Promise((resolve, reject) => {
    let nextRun = 0
    let outstanding = config.runs
    let settled = false
    const pool: Worker[] = []
    const finish = (error?: unknown): void => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      for (const w of pool) void w.terminate()
      if (error) reject(error)
      else resolve()
    }
    const onAbort = (): void => finish(signal?.reason ?? new Error('simulation cancelled'))
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    if (outstanding === 0) return finish()

    /** Sends the worker its next runs; returns how many. */
    const feed = (worker: Worker): number => {
      if (nextRun >= config.runs) return 0
      const runs: number[] = []
      // the first run travels alone: its timeline is big, and the other runs need not wait behind it
      const take = nextRun === 0 ? 1 : RUNS_PER_REQUEST
      while (runs.length < take && nextRun < config.runs) runs.push(nextRun++)
      const request: WorkerRequest = { runs }
      if (options.timeline && runs[0] === 0) request.timelineRun = 0
      worker.postMessage(request)
      return runs.length
    }
    for (let k = 0; k < count; k++) {
      const worker = new Worker(script, { workerData: { config } satisfies WorkerInit })
      pool.push(worker)
      let inFlight = 0
      worker.on('message', (reply: WorkerReply) => {
        if ('error' in reply) return finish(new Error(reply.error))
        perRun[reply.run] = reply.metrics
        if (reply.timelines) options.kept.timelines = reply.timelines
        if (stats) stats.events += reply.events
        report()
        outstanding--
        if (--inFlight <= 0) inFlight = feed(worker)
        if (outstanding === 0) finish()
      })
      worker.on('error', (error) => finish(error))
      worker.on('exit', (code) => {
        if (!settled && code !== 0) finish(new Error(`simulation worker exited with code ${code}`))
      })
      inFlight = feed(worker)
    }
  })
}
