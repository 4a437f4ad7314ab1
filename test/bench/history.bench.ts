/**
 * History benchmark: batched event ingest into a real SQLite file (WAL, synchronous=NORMAL), then
 * 7-day timeline queries over the 1,000,000 events. Run with `npx tsx test/bench/history.bench.ts`.
 *
 * Measured:
 * - ingest: events/s of recordEvents() with batches of 10,000 (one transaction each); the clock runs
 *   around recordEvents only, not around building the event objects.
 * - window: eventsBetween() over one 7-day window, the events returned as FleetEvent objects with
 *   their JSON data parsed (the cockpit timeline's query). The 1,000,000 events span 365 days, a
 *   busy fleet's year, so a window holds about 19,000 of them.
 * - buckets: timeline() over a 7-day window, 1 h buckets per instance and kind (SQL aggregate).
 * - instance window: eventsBetween() for one of the 50 instances over 7 days.
 * Queries run on a warm page cache, 21 windows at seeded random offsets; median and p95 reported.
 */
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { openHistory } from '../../src/main/history'
import type { FleetEvent, FleetEventKind } from '../../src/shared/fleet'

export interface HistoryBenchOptions {
  events?: number
  batchSize?: number
  spanDays?: number
  instances?: number
  queryRuns?: number
}

export interface QueryFigure {
  name: string
  medianMs: number
  p95Ms: number
  /** mean rows returned per run */
  rows: number
}

export interface HistoryBenchResult {
  events: number
  batchSize: number
  spanDays: number
  ingestSeconds: number
  ingestEventsPerSecond: number
  fileMiB: number
  queries: QueryFigure[]
  machine: { cpu: string; cores: number; node: string; sqlite: string; platform: string }
}

const DAY = 86_400_000
const T0 = Date.UTC(2025, 0, 1)
const KINDS: FleetEventKind[] = [
  'checkpoint',
  'running',
  'rebalance',
  'failover-phase',
  'drain-start',
  'drain-end',
  'standby',
  'budget-blocked'
]

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Events seq..seq+n-1, evenly spread over the span, round-robin over instances and kinds. */
function makeBatch(
  seq: number,
  n: number,
  total: number,
  spanMs: number,
  instances: number
): FleetEvent[] {
  const batch: FleetEvent[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const k = seq + i
    batch[i] = {
      at: T0 + Math.floor((k * spanMs) / total),
      kind: KINDS[k % KINDS.length],
      instanceId: `i-${(k * 7) % instances}`,
      data: { seq: k, step: k % 1000, note: 'bench' }
    }
  }
  return batch
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]
}

function timeQuery(name: string, runs: number, run: (i: number) => number): QueryFigure {
  run(0) // warm the statement and the page cache
  const ms: number[] = []
  let rows = 0
  for (let i = 1; i <= runs; i++) {
    const t = performance.now()
    rows += run(i)
    ms.push(performance.now() - t)
  }
  return {
    name,
    medianMs: percentile(ms, 0.5),
    p95Ms: percentile(ms, 0.95),
    rows: Math.round(rows / runs)
  }
}

export function runHistoryBench(opts: HistoryBenchOptions = {}): HistoryBenchResult {
  const {
    events = 1_000_000,
    batchSize = 10_000,
    spanDays = 365,
    instances = 50,
    queryRuns = 21
  } = opts
  const dir = mkdtempSync(join(os.tmpdir(), 'synkti-history-bench-'))
  const file = join(dir, 'history.db')
  const history = openHistory(file)
  try {
    const spanMs = spanDays * DAY
    let ingestMs = 0
    for (let seq = 0; seq < events; seq += batchSize) {
      const batch = makeBatch(seq, Math.min(batchSize, events - seq), events, spanMs, instances)
      const t = performance.now()
      history.recordEvents(batch)
      ingestMs += performance.now() - t
    }
    const random = mulberry32(42)
    const windows = Array.from(
      { length: queryRuns + 1 },
      () => T0 + Math.floor(random() * (spanMs - 7 * DAY))
    )
    const queries = [
      timeQuery(
        '7-day window, eventsBetween',
        queryRuns,
        (i) => history.eventsBetween(windows[i], windows[i] + 7 * DAY).length
      ),
      timeQuery(
        '7-day timeline, 1 h buckets per instance',
        queryRuns,
        (i) => history.timeline(windows[i], windows[i] + 7 * DAY, 3_600_000).length
      ),
      timeQuery(
        '7-day window, one instance',
        queryRuns,
        (i) =>
          history.eventsBetween(windows[i], windows[i] + 7 * DAY, {
            instanceId: `i-${i % instances}`
          }).length
      )
    ]
    return {
      events,
      batchSize,
      spanDays,
      ingestSeconds: ingestMs / 1000,
      ingestEventsPerSecond: events / (ingestMs / 1000),
      fileMiB: (statSync(file).size + walSize(file)) / 2 ** 20,
      queries,
      machine: machine()
    }
  } finally {
    history.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function walSize(file: string): number {
  try {
    return statSync(`${file}-wal`).size
  } catch {
    return 0
  }
}

function machine(): HistoryBenchResult['machine'] {
  const db = new Database(':memory:')
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v
  db.close()
  const cpu = os.cpus()[0]?.model ?? 'unknown'
  return {
    cpu,
    cores: os.cpus().length,
    node: process.version,
    sqlite,
    platform: `${os.platform()} ${os.arch()}`
  }
}

export function formatHistoryBench(r: HistoryBenchResult): string {
  const m = r.machine
  const lines = [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.platform}, Node ${m.node}, SQLite ${m.sqlite}`,
    `Data: ${r.events.toLocaleString('en-US')} events over ${r.spanDays} days, 50 instances; file ${r.fileMiB.toFixed(1)} MiB`,
    '',
    '| measurement | result | target |',
    '|---|---|---|',
    `| batched ingest (${r.batchSize.toLocaleString('en-US')} events per transaction) | ${Math.round(r.ingestEventsPerSecond).toLocaleString('en-US')} events/s (${r.ingestSeconds.toFixed(2)} s total) | > 100,000 events/s |`,
    ...r.queries.map(
      (q) =>
        `| ${q.name} (~${q.rows.toLocaleString('en-US')} rows) | median ${q.medianMs.toFixed(1)} ms, p95 ${q.p95Ms.toFixed(1)} ms | < 50 ms |`
    )
  ]
  return lines.join('\n')
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (invokedDirectly) console.log(formatHistoryBench(runHistoryBench()))
