/**
 * Assignment solver benchmark: ours vs the npm package linear-sum-assignment on the same seeded
 * dense square matrices. Run with `npx tsx test/bench/assignment.bench.ts`.
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { linearSumAssignment } from 'linear-sum-assignment'
import { solveAssignment } from '../../src/main/placement/assignment'

export interface Row {
  n: number
  kind: 'int' | 'real'
  /** median wall time of our solver, ms */
  oursMs: number
  /** fastest run of our solver, ms (the machine is shared, so medians wobble) */
  oursBestMs: number
  /** median wall time of linear-sum-assignment, ms (a single run where it is slow) */
  referenceMs: number
  /** referenceMs / oursMs */
  ratio: number
  oursRuns: number
  referenceRuns: number
  total: number
}

/** mulberry32: tiny, seedable, good enough for benchmark inputs. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function makeCost(n: number, kind: 'int' | 'real', seed: number): Float64Array {
  const next = mulberry32(seed)
  const cost = new Float64Array(n * n)
  for (let k = 0; k < cost.length; k++)
    cost[k] = kind === 'int' ? Math.floor(next() * 1001) : next()
  return cost
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now()
  const value = fn()
  return { ms: performance.now() - t0, value }
}

// Repetitions per size; linear-sum-assignment is about 10x slower, so it gets fewer. The whole
// run takes well under 60 s on a 2-core machine.
const PLAN: { n: number; ours: number; reference: number }[] = [
  { n: 100, ours: 51, reference: 15 },
  { n: 300, ours: 21, reference: 7 },
  { n: 1000, ours: 11, reference: 3 }
]

export async function runAssignmentBench(log: (line: string) => void = () => {}): Promise<Row[]> {
  const rows: Row[] = []
  // Warm the JIT on a mid-size problem so the first measured size is not paying for compilation.
  for (let w = 0; w < 5; w++) solveAssignment(makeCost(200, 'real', 99 + w), 200, 200)

  for (const { n, ours, reference } of PLAN) {
    for (const kind of ['int', 'real'] as const) {
      const cost = makeCost(n, kind, n * 7 + (kind === 'int' ? 1 : 2))
      const nested: number[][] = Array.from({ length: n }, (_, i) =>
        Array.from(cost.subarray(i * n, (i + 1) * n))
      )

      const oursTimes: number[] = []
      let oursTotal = NaN
      for (let r = 0; r < ours; r++) {
        const { ms, value } = time(() => solveAssignment(cost, n, n))
        oursTimes.push(ms)
        oursTotal = value.total
        if (value.assigned !== n) throw new Error(`ours assigned ${value.assigned} of ${n}`)
      }

      const refTimes: number[] = []
      let refTotal = NaN
      for (let r = 0; r < reference; r++) {
        const { ms, value } = time(() => linearSumAssignment(nested, { maximaze: false }))
        refTimes.push(ms)
        refTotal = value.gain
      }

      if (Math.abs(oursTotal - refTotal) > 1e-9 * Math.max(1, Math.abs(refTotal))) {
        throw new Error(
          `n=${n} ${kind}: totals differ, ours ${oursTotal} vs linear-sum-assignment ${refTotal}`
        )
      }
      const oursMs = median(oursTimes)
      const referenceMs = median(refTimes)
      const row: Row = {
        n,
        kind,
        oursMs,
        oursBestMs: Math.min(...oursTimes),
        referenceMs,
        ratio: referenceMs / oursMs,
        oursRuns: ours,
        referenceRuns: reference,
        total: oursTotal
      }
      rows.push(row)
      log(
        `n=${n} ${kind}: ours ${oursMs.toFixed(2)} ms (min ${Math.min(...oursTimes).toFixed(2)}), ` +
          `linear-sum-assignment ${referenceMs.toFixed(1)} ms, total ${oursTotal}`
      )
    }
  }
  return rows
}

export function formatTable(rows: Row[]): string {
  const lines = [
    '| n | cost kind | ours ms, median (best) | linear-sum-assignment ms, median | ratio of medians |',
    '|---:|---|---:|---:|---:|'
  ]
  for (const r of rows) {
    lines.push(
      `| ${r.n} | ${r.kind === 'int' ? 'integer 0..1000' : 'real [0,1)'} | ${r.oursMs.toFixed(2)} (best ${r.oursBestMs.toFixed(2)}, ${r.oursRuns} runs) | ` +
        `${r.referenceMs.toFixed(1)} (${r.referenceRuns} run${r.referenceRuns === 1 ? '' : 's'}) | ${r.ratio.toFixed(1)}x |`
    )
  }
  return lines.join('\n')
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (invokedDirectly) {
  console.log(
    `machine: ${os.cpus()[0]?.model ?? 'unknown'} (${os.cpus().length} cores), node ${process.version}`
  )
  runAssignmentBench((line) => console.error(line)).then(
    (rows) => console.log(formatTable(rows)),
    (err) => {
      console.error(err)
      process.exitCode = 1
    }
  )
}
