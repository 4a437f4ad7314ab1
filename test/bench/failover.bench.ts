/**
 * Failover decision cost, on the path the controller runs: one reconcile plan of a service
 * (`planService`, with the optimal spare assignment) plus the checkpoint plan for one notice
 * (target < 10 ms), and the plan for 50 simultaneous notices against 60 warm spares (an exact
 * 50 x 60 assignment; target < 5 ms). Inputs are seeded, so every run sees the same fleets.
 * Run with `npx tsx test/bench/failover.bench.ts`.
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { gbpsToGiBps, planCheckpoint } from '../../src/main/checkpoint/plan'
import {
  planService,
  type ReplicaView,
  type ServicePlanContext,
  type ServiceShape
} from '../../src/main/policies/service-plan'
import { createRandom, type Random } from '../../src/shared/random'

export interface FailoverBenchRow {
  case: string
  iterations: number
  medianMs: number
  p90Ms: number
  targetMs: number
  pass: boolean
  note?: string
}

export interface FailoverBenchResult {
  machine: string
  fleetSize: number
  rows: FailoverBenchRow[]
}

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d']
const NOW = 1_000_000_000
const READY_AFTER_MS = 300_000

function pick<T>(r: Random, xs: readonly T[]): T {
  return xs[Math.floor(r.next() * xs.length)]
}

/** a service's replicas and spares, `noticed` of the serving ones under notice */
function makeService(
  replicas: number,
  spares: number,
  noticed: number,
  r: Random
): { shape: ServiceShape; views: ReplicaView[]; ctx: ServicePlanContext } {
  const views: ReplicaView[] = []
  for (let k = 0; k < replicas + spares; k++) {
    const spare = k >= replicas
    views.push({
      id: `i-${k.toString(16).padStart(8, '0')}`,
      role: spare ? 'standby' : 'serving',
      market: 'spot',
      zone: pick(r, ZONES),
      state: 'running',
      launchedAt: NOW - Math.floor(r.next() * 3_600_000),
      leaving: !spare && k < noticed,
      ready: !spare || r.next() < 0.7,
      serving: true,
      routed: !spare,
      fallback: false
    })
  }
  const unanswered = views.filter((v) => v.leaving).map((v) => v.id)
  const notices = new Map(
    views
      .filter((v) => v.leaving)
      .map((v) => [v.id, { zone: v.zone, deadline: NOW + Math.floor(r.next() * 120_000) }])
  )
  return {
    shape: {
      name: 'llama',
      replicas,
      standby: spares,
      market: 'spot-with-fallback',
      overProvision: 0
    },
    views,
    ctx: {
      zones: ZONES,
      coolingZones: new Set([ZONES[0]]),
      spotUnavailable: false,
      unansweredNotices: unanswered,
      spareChoice: { now: NOW, readyAfterMs: READY_AFTER_MS, notices }
    }
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

function measure(
  name: string,
  iterations: number,
  targetMs: number,
  fn: (i: number) => void
): FailoverBenchRow {
  for (let i = 0; i < Math.min(200, iterations); i++) fn(i) // warm the JIT
  const times: number[] = []
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now()
    fn(i)
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  const medianMs = quantile(times, 0.5)
  return {
    case: name,
    iterations,
    medianMs,
    p90Ms: quantile(times, 0.9),
    targetMs,
    pass: medianMs < targetMs
  }
}

/** Keeps results observable so the JIT cannot drop the work being timed. */
let sink = 0

export function runFailoverBench(
  options: { fleetSize?: number; notices?: number; iterations?: number } = {}
): FailoverBenchResult {
  const fleetSize = options.fleetSize ?? 100
  const notices = options.notices ?? 50
  const iterations = options.iterations ?? 2000
  const r = createRandom(2026)
  const rows: FailoverBenchRow[] = []

  const one = makeService(fleetSize - 8, 8, 1, r.fork(1))
  rows.push(
    measure(
      `service plan + planCheckpoint, 1 notice / ${fleetSize} instances (${fleetSize - 8} replicas, 8 spares)`,
      iterations,
      10,
      (i) => {
        const actions = planService(one.shape, one.views, one.ctx)
        const plan = planCheckpoint([0, 8, 60][i % 3], gbpsToGiBps([5, 10, 25][i % 3]), 90)
        sink += actions.length + plan.savedFraction
      }
    )
  )
  const spares = 60
  const many = makeService(fleetSize, spares, notices, r.fork(2))
  const promoted = planService(many.shape, many.views, many.ctx).filter(
    (a) => a.kind === 'promote'
  ).length
  rows.push({
    ...measure(
      `service plan, ${notices} simultaneous notices / ${fleetSize} replicas + ${spares} spares (optimal spare assignment)`,
      Math.max(50, iterations >> 3),
      5,
      () => {
        sink += planService(many.shape, many.views, many.ctx).length
      }
    ),
    note: `${promoted}/${notices} answered by spares`
  })
  return { machine: machine(), fleetSize, rows }
}

export function machine(): string {
  const cpus = os.cpus()
  return `${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores), node ${process.version}, ${os.platform()} ${os.arch()}`
}

export function formatTable(result: FailoverBenchResult): string {
  const lines = [
    '| case | iterations | median ms | p90 ms | target ms | pass | note |',
    '|---|---:|---:|---:|---:|:---:|---|'
  ]
  for (const row of result.rows) {
    lines.push(
      `| ${row.case} | ${row.iterations} | ${row.medianMs.toFixed(4)} | ${row.p90Ms.toFixed(4)} | < ${row.targetMs} | ${row.pass ? 'yes' : 'NO'} | ${row.note ?? ''} |`
    )
  }
  return lines.join('\n')
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (invokedDirectly) {
  const result = runFailoverBench()
  console.log(`machine: ${result.machine}`)
  console.log(formatTable(result))
  if (sink === -1) console.log('') // never true; reads the sink
  if (result.rows.some((row) => !row.pass)) process.exitCode = 1
}
