import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { METRIC_NAMES, type SimulationOutput } from '../../shared/simulation'
import { main } from './index'

const TRACES = path.resolve(__dirname, '../../../resources/traces')
const FOUR_NODE = path.join(TRACES, 'aws-v100-4node-preemption-2023-08')
/** keeps every successful run small */
const SMALL = ['--tasks', '10', '--duration', '12']

/** Runs `synkti simulate ...` in-process, capturing what it writes. */
async function simulate(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = []
  const stderr: string[] = []
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk))
    return true
  })
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk))
    return true
  })
  try {
    const code = await main(['simulate', ...args])
    return { code, stdout: stdout.join(''), stderr: stderr.join('') }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

/** A usage error: exit 2, nothing on stdout, exactly one line on stderr, no stack trace. */
function expectUsageError(
  result: { code: number; stdout: string; stderr: string },
  ...mentions: string[]
): void {
  expect(result.code).toBe(2)
  expect(result.stdout).toBe('')
  expect(result.stderr.endsWith('\n')).toBe(true)
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
  expect(result.stderr).toMatch(/^synkti: /)
  expect(result.stderr).not.toMatch(/\n\s+at /)
  for (const m of mentions) expect(result.stderr).toContain(m)
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'synkti-cli-test-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('synkti simulate: bad input exits 2 with one line', () => {
  it('names an unknown flag', async () => {
    expectUsageError(await simulate('--bogus'), '--bogus')
  })

  it('names an unknown policy and lists the known ones', async () => {
    expectUsageError(
      await simulate('--policies', 'greedy,cheapest'),
      'unknown policy "cheapest"',
      'uniform-progress'
    )
  })

  it('rejects a non-positive duration', async () => {
    expectUsageError(await simulate('--duration', '0'), '--duration must be a number > 0, got "0"')
    expectUsageError(await simulate('--duration=-3'), '--duration', '"-3"')
    expectUsageError(await simulate('--duration', 'soon'), '--duration', '"soon"')
  })

  it('rejects --job without --deadline, and --deadline without --job', async () => {
    expectUsageError(await simulate('--job', '4'), '--job and --deadline go together')
    expectUsageError(await simulate('--deadline', '8'), '--job and --deadline go together')
  })

  it('rejects uniform-progress on a batch workload', async () => {
    expectUsageError(
      await simulate('--policies', 'uniform-progress'),
      'uniform-progress needs a deadline job'
    )
  })

  it('names a trace path that cannot be read', async () => {
    const missing = path.join(dir, 'no-such-trace.json')
    expectUsageError(await simulate('--trace', missing), missing, 'no such file')
  })

  it('names a malformed JSON trace file without a stack trace', async () => {
    const file = path.join(dir, 'broken.json')
    writeFileSync(file, '{"metadata": {"gap_seconds": 300}, "data": [1, 0,')
    expectUsageError(await simulate('--trace', file), file, 'invalid JSON')
  })

  it('names a JSON trace file of the wrong shape', async () => {
    const file = path.join(dir, 'shape.json')
    writeFileSync(file, JSON.stringify({ metadata: { gap_seconds: -5 }, data: [1, 1] }))
    expectUsageError(await simulate('--trace', file), file, 'gap_seconds')
  })

  it('names a malformed CSV trace file', async () => {
    const file = path.join(dir, 'broken.csv')
    writeFileSync(file, 'when,up\n2023-01-01 00:00:00,1\n')
    expectUsageError(await simulate('--trace', file), file, 'bad CSV header')
  })

  it('rejects an --output it cannot write, naming it', async () => {
    const target = path.join(dir, 'missing-folder', 'out.json')
    expectUsageError(await simulate(...SMALL, '--output', target), '--output', target)
  })
})

describe('synkti simulate: results', () => {
  it('--output writes the JSON result (schema 1, seed, config, mean and ci95 of every metric) and prints the table', async () => {
    const file = path.join(dir, 'out.json')
    const result = await simulate(...SMALL, '--seed', '42', '--runs', '2', '--output', file)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`JSON written to ${file}`)
    expect(result.stdout).toMatch(/^10 tasks over 12 h, synthetic market, seed 42, 2 runs/)
    for (const p of ['greedy', 'fallback', 'ondemand'])
      expect(result.stdout).toMatch(new RegExp(`^${p}\\s`, 'm'))
    const out = JSON.parse(readFileSync(file, 'utf8')) as SimulationOutput
    expect(out.schema).toBe(1)
    expect(out.seed).toBe(42)
    expect(out.config.seed).toBe(42)
    expect(out.config.runs).toBe(2)
    expect(out.config.durationHours).toBe(12)
    expect(out.results.map((r) => r.policy)).toEqual(['greedy', 'fallback', 'ondemand'])
    for (const r of out.results) {
      for (const name of METRIC_NAMES) {
        // a batch run has no omniscient bound and is no service: those are null by definition
        if (
          name === 'optimal_cost' ||
          name === 'gap_to_optimal_pct' ||
          name === 'availability_pct' ||
          name === 'cost_pct_of_ondemand'
        ) {
          expect(r.metrics[name].mean).toBeNull()
          continue
        }
        expect(typeof r.metrics[name].mean).toBe('number')
        expect(r.metrics[name].ci95).toHaveLength(2)
        expect(r.metrics[name].ci95[0]).toBeLessThanOrEqual(r.metrics[name].mean)
        expect(r.metrics[name].ci95[1]).toBeGreaterThanOrEqual(r.metrics[name].mean)
      }
    }
    expect(out.results.find((r) => r.policy === 'ondemand')!.metrics.savings_pct.mean).toBe(0)
  })

  it('--json prints the same JSON on stdout and nothing else', async () => {
    const file = path.join(dir, 'same.json')
    const result = await simulate(...SMALL, '--json', '--output', file)
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(readFileSync(file, 'utf8'))
    const out = JSON.parse(result.stdout) as SimulationOutput
    expect(out.schema).toBe(1)
    expect(out.seed).toBe(1)
  })

  it('is deterministic: the same flags print the same JSON', async () => {
    const a = await simulate(...SMALL, '--json', '--seed', '5')
    const b = await simulate(...SMALL, '--json', '--seed', '5')
    expect(a.stdout).toBe(b.stdout)
  })

  it('replays a trace folder: trace market, its instance type, offsets from the start', async () => {
    const result = await simulate(...SMALL, '--json', '--trace', FOUR_NODE)
    expect(result.code).toBe(0)
    const out = JSON.parse(result.stdout) as SimulationOutput
    expect(out.config.market).toEqual({ kind: 'trace', path: FOUR_NODE, binaryCapacity: 1000 })
    expect(out.config.instanceTypes.map((t) => t.name)).toEqual(['p3.2xlarge'])
    expect(out.traceOffsetsSeconds).toEqual([0])
    expect(out.results.find((r) => r.policy === 'greedy')!.metrics.total_tasks.mean).toBe(10)
  })

  it('runs a deadline job with the deadline policies and a changeover of 0.1 h by default', async () => {
    const result = await simulate('--job', '4', '--deadline', '8', '--json')
    expect(result.code).toBe(0)
    const out = JSON.parse(result.stdout) as SimulationOutput
    expect(out.config.workload).toEqual({ kind: 'deadline', computeHours: 4, deadlineHours: 8 })
    expect(out.config.changeoverSeconds).toBe(360)
    expect(out.results.map((r) => r.policy)).toEqual(['greedy', 'uniform-progress', 'ondemand'])
    for (const r of out.results) expect(r.metrics.deadline_met_pct.mean).toBe(100)
  })
})

describe('synkti simulate: deadline policies, the omniscient bound and replayed start points', () => {
  const ONE_ZONE = path.join(TRACES, 'aws-v100-1node-2023-02', 'us-east-1c_v100_1.csv')
  const JOB = ['--job', '8', '--deadline', '12', '--duration', '12']

  it('runs every deadline policy on a trace and prints the gap to optimal beside the cost', async () => {
    const policies =
      'greedy,uniform-progress,time-sliced,uniform-progress-oracle,omniscient,ondemand'
    const result = await simulate(
      ...JOB,
      '--trace',
      ONE_ZONE,
      '--runs',
      '3',
      '--policies',
      policies
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^policy\s+cost \$\s+gap to optimal %\s+savings %/m)
    expect(result.stdout).toMatch(/^omniscient\s+[\d.]+ ±[\d.]+\s+0\.0\s/m)
  })

  it('replays --start-offsets given as a list or a file, one run each, and records them', async () => {
    const list = await simulate(
      ...JOB,
      '--trace',
      FOUR_NODE,
      '--start-offsets',
      '0,3600,7200',
      '--json'
    )
    expect(list.code).toBe(0)
    const out = JSON.parse(list.stdout) as SimulationOutput
    expect(out.config.runs).toBe(3)
    expect(out.traceOffsetsSeconds).toEqual([0, 3600, 7200])
    const file = path.join(dir, 'offsets.txt')
    writeFileSync(file, '0\n3600\n7200\n')
    const fromFile = await simulate(...JOB, '--trace', FOUR_NODE, '--start-offsets', file, '--json')
    expect(fromFile.stdout).toBe(list.stdout.replace(/"0,3600,7200"/, JSON.stringify(file)))
  })

  it('refuses bad --start-offsets with one line', async () => {
    expectUsageError(
      await simulate(...JOB, '--start-offsets', '0,60'),
      '--start-offsets are points in a trace: it needs --trace'
    )
    expectUsageError(
      await simulate(...JOB, '--trace', FOUR_NODE, '--start-offsets', '0,99999999'),
      'start offset 99999999 s is outside the trace'
    )
    expectUsageError(
      await simulate(...JOB, '--trace', FOUR_NODE, '--start-offsets', path.join(dir, 'none.txt')),
      '--start-offsets',
      'neither a comma list of seconds nor a readable file'
    )
    const bad = path.join(dir, 'bad-offsets.txt')
    writeFileSync(bad, '0, soon')
    expectUsageError(
      await simulate(...JOB, '--trace', FOUR_NODE, '--start-offsets', bad),
      '--start-offsets must be a number >= 0, got "soon"'
    )
    expectUsageError(
      await simulate(...JOB, '--trace', FOUR_NODE, '--start-offsets', '0,300', '--runs', '5'),
      '--runs 5 does not match the 2 start offsets'
    )
  })

  it('refuses the oracle and omniscient on the synthetic market, and --time-slices without time-sliced', async () => {
    expectUsageError(
      await simulate(...JOB, '--policies', 'uniform-progress-oracle'),
      'uniform-progress-oracle',
      '--trace'
    )
    expectUsageError(
      await simulate(...JOB, '--policies', 'omniscient,ondemand'),
      'omniscient',
      '--trace'
    )
    expectUsageError(await simulate(...JOB, '--time-slices', '4'), '--time-slices', 'time-sliced')
    const sliced = await simulate(
      ...JOB,
      '--policies',
      'time-sliced,ondemand',
      '--time-slices',
      '3',
      '--json'
    )
    expect((JSON.parse(sliced.stdout) as SimulationOutput).config.timeSlices).toBe(3)
  })

  it('--changeover 0 finishes quickly with a bounded number of launches', async () => {
    const result = await simulate(
      '--job',
      '48',
      '--deadline',
      '60',
      '--duration',
      '60',
      '--changeover',
      '0',
      '--trace',
      ONE_ZONE,
      '--runs',
      '4',
      '--timeline',
      '--json',
      '--policies',
      'greedy,uniform-progress,time-sliced,uniform-progress-oracle,omniscient,ondemand'
    )
    expect(result.code).toBe(0)
    const out = JSON.parse(result.stdout) as SimulationOutput
    for (const r of out.results) {
      const launches =
        r.metrics.instances_launched_spot.mean + r.metrics.instances_launched_ondemand.mean
      // the trace changes availability a few dozen times in 60 h; before the fix UP launched millions
      expect(launches, r.policy).toBeLessThan(100)
      expect(r.metrics.deadline_met_pct.mean, r.policy).toBe(100)
      expect(r.metrics.gap_to_optimal_pct.mean, r.policy).toBeGreaterThanOrEqual(0)
    }
    expect(out.timelines!['uniform-progress']!.length).toBeLessThan(400)
  })
})

describe('synkti simulate --service: the service mode', () => {
  it('compares the placements on a trace and writes them as services in the JSON', async () => {
    const file = path.join(dir, 'service.json')
    const result = await simulate(
      '--service',
      '2',
      '--over-provision',
      '1',
      '--trace',
      FOUR_NODE,
      '--duration',
      '12',
      '--runs',
      '2',
      '--output',
      file
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^service of 2 replicas \(\+1 spot for spothedge, 0 spares\)/)
    for (const p of ['spothedge', 'even-spread', 'round-robin', 'ondemand'])
      expect(result.stdout).toMatch(new RegExp(`^${p}\\s`, 'm'))
    const out = JSON.parse(readFileSync(file, 'utf8')) as SimulationOutput
    expect(out.config.workload).toEqual({
      kind: 'service',
      replicas: 2,
      overProvision: 1,
      standby: 0,
      bootSeconds: 180,
      modelLoadSeconds: 300,
      placements: ['spothedge', 'even-spread', 'round-robin', 'ondemand']
    })
    expect(out.results).toEqual([])
    expect(out.services!.map((s) => s.placement)).toHaveLength(4)
    for (const s of out.services!) expect(typeof s.metrics.availability_pct.mean).toBe('number')
    // not applicable to a service: null in the JSON
    expect(out.services![0].metrics.completed_tasks.mean).toBeNull()
  })

  it('refuses flags of other workloads, unknown placements and service flags without --service', async () => {
    expectUsageError(await simulate('--service', '2', '--tasks', '5'), '--tasks', '--service')
    expectUsageError(await simulate('--service', '2', '--policies', 'greedy'), '--policies')
    expectUsageError(await simulate('--service', '2', '--placements', 'best'), 'unknown placement')
    expectUsageError(await simulate('--service', '0'), '--service')
    expectUsageError(await simulate('--over-provision', '2'), '--over-provision', 'add --service')
  })
})
