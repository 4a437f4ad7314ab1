// Detection latency: from the notice appearing in the (fixture) IMDS to the event arriving at a
// (stub) cockpit through the real agent: IMDS poll, token, parse, POST. Loopback only.
//   npx tsx test/bench/detection.bench.ts [trials] [pollMs]
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { runAgent } from '../../src/main/agent/agent'
import { startCockpitStub } from '../fixtures/cockpit-stub'
import { startImdsServer } from '../fixtures/imds-server'
import { startVllmStub } from '../fixtures/vllm-stub'

export interface DetectionTrial {
  /** ms after the agent's first poll at which the notice was scheduled */
  offsetMs: number
  /** notice scheduled -> event received by the cockpit */
  latencyMs: number
  /** IMDS answered the notice -> event received by the cockpit (the agent's own overhead) */
  pipelineMs: number
}

export interface DetectionBenchResult {
  pollMs: number
  targetMs: number
  trials: DetectionTrial[]
  summary: { min: number; median: number; p90: number; max: number; mean: number }
  pass: boolean
  machine: string
}

export async function runDetectionBench(
  options: { trials?: number; pollMs?: number } = {}
): Promise<DetectionBenchResult> {
  const count = options.trials ?? 10
  const pollMs = options.pollMs ?? 2000
  const token = 'bench-token'
  const imds = await startImdsServer()
  const vllm = await startVllmStub({ kind: 'busy', running: 0, waiting: 0 })
  const cockpit = await startCockpitStub(token)
  const trials: DetectionTrial[] = []
  try {
    for (let i = 0; i < count; i++) {
      // stratified offsets cover the whole poll phase deterministically
      const offsetMs = ((i + 0.5) / count) * pollMs
      trials.push(await runTrial({ i, offsetMs, pollMs, token, imds, vllm, cockpit }))
    }
  } finally {
    await Promise.all([imds.close(), vllm.close(), cockpit.close()])
  }
  const targetMs = pollMs + 500
  const summary = summarise(trials.map((t) => t.latencyMs))
  return { pollMs, targetMs, trials, summary, pass: summary.max <= targetMs, machine: machine() }
}

interface TrialContext {
  i: number
  offsetMs: number
  pollMs: number
  token: string
  imds: Awaited<ReturnType<typeof startImdsServer>>
  vllm: Awaited<ReturnType<typeof startVllmStub>>
  cockpit: Awaited<ReturnType<typeof startCockpitStub>>
}

async function runTrial(c: TrialContext): Promise<DetectionTrial> {
  const instanceId = `i-bench${String(c.i).padStart(4, '0')}`
  c.imds.instanceId = instanceId
  c.imds.clearNotices()
  const agent = runAgent(
    {
      cockpitUrl: c.cockpit.url,
      token: c.token,
      imdsEndpoint: c.imds.url,
      metricsUrl: c.vllm.metricsUrl,
      pollMs: c.pollMs,
      heartbeatMs: 600_000,
      drainPollMs: 100
    },
    { logger: () => {}, tagRecorder: async () => {} }
  )
  try {
    await agent.instanceId // resolves right after the first poll's instance-id read
    await sleep(c.offsetMs)
    let answeredAt = NaN
    c.imds.onRequest = (path, status) => {
      if (path.endsWith('/spot/instance-action') && status === 200 && Number.isNaN(answeredAt))
        answeredAt = performance.now()
    }
    const received = new Promise<number>((resolve) => {
      c.cockpit.onEvent = (report) => {
        if (report.instanceId === instanceId && !report.drain) resolve(performance.now())
      }
    })
    const scheduledAt = performance.now()
    c.imds.scheduleNotice('terminate', new Date(Date.now() + 120_000).toISOString())
    const receivedAt = await Promise.race([received, sleep(c.pollMs * 3).then(() => NaN)])
    if (Number.isNaN(receivedAt))
      throw new Error(`trial ${c.i}: no event within ${c.pollMs * 3} ms`)
    return {
      offsetMs: c.offsetMs,
      latencyMs: receivedAt - scheduledAt,
      pipelineMs: receivedAt - answeredAt
    }
  } finally {
    c.imds.onRequest = undefined
    c.cockpit.onEvent = undefined
    await agent.stop()
  }
}

function summarise(values: number[]): DetectionBenchResult['summary'] {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length
  return { min: sorted[0], median: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1], mean }
}

function machine(): string {
  const cpus = os.cpus()
  return `${cpus[0]?.model ?? 'unknown CPU'} x${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()} ${os.arch()}, Node ${process.version}`
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function formatDetectionBench(r: DetectionBenchResult): string {
  const ms = (v: number): string => v.toFixed(1)
  const rows = r.trials.map(
    (t, i) => `| ${i + 1} | ${ms(t.offsetMs)} | ${ms(t.latencyMs)} | ${ms(t.pipelineMs)} |`
  )
  const s = r.summary
  return [
    `## Detection latency (IMDS notice -> cockpit), poll ${r.pollMs} ms, ${r.trials.length} trials`,
    '',
    '| trial | notice at (ms after a poll) | latency (ms) | agent pipeline (ms) |',
    '|---:|---:|---:|---:|',
    ...rows,
    '',
    '| min | median | p90 | max | mean | target | result |',
    '|---:|---:|---:|---:|---:|---:|:---|',
    `| ${ms(s.min)} | ${ms(s.median)} | ${ms(s.p90)} | ${ms(s.max)} | ${ms(s.mean)} | <= ${r.targetMs} | ${r.pass ? 'PASS' : 'FAIL'} |`,
    '',
    `Machine: ${r.machine}`,
    'Latency = time waiting for the next poll + the agent pipeline (IMDS answer -> parse -> POST received).'
  ].join('\n')
}

if (process.argv[1]?.endsWith('detection.bench.ts')) {
  const [trials, pollMs] = process.argv.slice(2).map(Number)
  runDetectionBench({ trials: trials || undefined, pollMs: pollMs || undefined }).then(
    (result) => {
      console.log(formatDetectionBench(result))
      process.exitCode = result.pass ? 0 : 1
    },
    (error) => {
      console.error(error)
      process.exitCode = 1
    }
  )
}
