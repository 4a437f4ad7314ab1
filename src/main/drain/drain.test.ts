import { afterEach, describe, expect, it } from 'vitest'
import { manualClock, type ManualClock } from '../../../test/support/manual-clock'
import { renderVllmMetrics, startVllmStub, type VllmStub } from '../../../test/fixtures/vllm-stub'
import { drain, drainDeadline, probeMetrics } from './drain'

let stub: VllmStub | undefined

afterEach(async () => {
  await stub?.close()
  stub = undefined
})

/** Drive a manual clock in poll-sized steps until the promise settles (bounded). */
async function drive<T>(
  clock: ManualClock,
  promise: Promise<T>,
  stepMs: number,
  maxSteps = 400
): Promise<T> {
  let settled = false
  void promise.finally(() => (settled = true)).catch(() => {})
  for (let i = 0; i < maxSteps && !settled; i++) {
    await new Promise((r) => setTimeout(r, 2)) // let the real HTTP round trip finish
    await clock.advance(stepMs)
  }
  return promise
}

describe('drainDeadline', () => {
  it('takes the safety margin off the notice time', () => {
    expect(drainDeadline(120_000)).toBe(115_000)
    expect(drainDeadline(120_000, 10_000)).toBe(110_000)
  })
})

describe('drain', () => {
  it('busy until the deadline: timed-out at the deadline with the last counts', async () => {
    stub = await startVllmStub({ kind: 'busy', running: 4, waiting: 2 })
    expect((await fetch(stub.healthUrl)).status).toBe(200) // healthy, yet not drained
    const clock = manualClock(1_000_000)
    const deadline = clock.now() + 3000
    const result = await drive(
      clock,
      drain({ metricsUrl: stub.metricsUrl, deadline, pollMs: 500, clock }),
      100
    )
    expect(result).toMatchObject({
      outcome: 'timed-out',
      startedAt: 1_000_000,
      lastRunning: 4,
      lastWaiting: 2,
      reason: 'still 4 running and 2 waiting at the deadline'
    })
    expect(result.endedAt).toBeGreaterThanOrEqual(deadline)
    expect(result.endedAt).toBeLessThanOrEqual(deadline + 100)
    expect(stub.metricsRequests).toBeGreaterThanOrEqual(5)
  })

  it('draining to zero: drained, with durations', async () => {
    stub = await startVllmStub({ kind: 'draining', running: 6, waiting: 3, polls: 4 })
    const result = await drain({
      metricsUrl: stub.metricsUrl,
      deadline: Date.now() + 5000,
      pollMs: 20
    })
    expect(result).toMatchObject({ outcome: 'drained', lastRunning: 0, lastWaiting: 0 })
    expect(result.reason).toBeUndefined()
    expect(stub.metricsRequests).toBe(4)
    expect(result.endedAt).toBeGreaterThanOrEqual(result.startedAt)
  })

  it('calls deregister before the first metrics poll and times it', async () => {
    stub = await startVllmStub({ kind: 'busy', running: 0, waiting: 0 })
    const calls: string[] = []
    const result = await drain({
      metricsUrl: stub.metricsUrl,
      deadline: Date.now() + 2000,
      pollMs: 20,
      deregister: async () => {
        calls.push(`deregister polls=${stub!.metricsRequests}`)
        await new Promise((r) => setTimeout(r, 30))
      }
    })
    expect(calls).toEqual(['deregister polls=0'])
    expect(result.outcome).toBe('drained')
    expect(result.deregisterMs).toBeGreaterThanOrEqual(25)
  })

  it('a failing deregister is reported as failed, but the queue still gets its time', async () => {
    stub = await startVllmStub({ kind: 'draining', running: 2, waiting: 0, polls: 3 })
    const result = await drain({
      metricsUrl: stub.metricsUrl,
      deadline: Date.now() + 3000,
      pollMs: 20,
      deregister: () => Promise.reject(new Error('router said 503'))
    })
    expect(stub.metricsRequests).toBe(3) // waited until empty
    expect(result.outcome).toBe('failed')
    expect(result.reason).toBe(
      'router deregistration failed (router said 503); queue drained afterwards'
    )
    expect(result.lastRunning).toBe(0)
  })

  it('unreachable from the start: failed (never answered), not idle', async () => {
    stub = await startVllmStub({ kind: 'unreachable' })
    const result = await drain({
      metricsUrl: stub.metricsUrl,
      deadline: Date.now() + 300,
      pollMs: 50
    })
    expect(result.outcome).toBe('failed')
    expect(result.reason).toMatch(
      /^metrics never answered by the deadline; last error: metrics endpoint unreachable .*ECONNREFUSED/
    )
    expect(result).toMatchObject({ lastRunning: null, lastWaiting: null })
    expect(result.endedAt - result.startedAt).toBeGreaterThanOrEqual(250)
  })

  it('answered, then went away: timed-out naming the last error', async () => {
    stub = await startVllmStub({ kind: 'busy', running: 3, waiting: 0 })
    const result = drain({ metricsUrl: stub.metricsUrl, deadline: Date.now() + 400, pollMs: 20 })
    await new Promise((r) => setTimeout(r, 60))
    await stub.setMode({ kind: 'unreachable' })
    const done = await result
    expect(done.outcome).toBe('timed-out')
    expect(done.lastRunning).toBe(3)
    expect(done.reason).toMatch(
      /^not seen idle by the deadline; last error: metrics endpoint unreachable/
    )
  })

  it('garbage body and HTTP 500 are not idle', async () => {
    stub = await startVllmStub({ kind: 'garbage' })
    const garbage = await drain({
      metricsUrl: stub.metricsUrl,
      deadline: Date.now() + 150,
      pollMs: 30
    })
    expect(garbage.outcome).toBe('failed')
    expect(garbage.reason).toContain(
      'unparsable for drain: metrics without vllm num_requests_running and num_requests_waiting'
    )

    await stub.setMode({ kind: 'error' })
    expect(await probeMetrics(stub.metricsUrl, 500)).toEqual({
      ok: false,
      reason: 'metrics endpoint answered HTTP 500'
    })
    const failing = await drain({
      metricsUrl: stub.metricsUrl,
      deadline: Date.now() + 150,
      pollMs: 30
    })
    expect(failing).toMatchObject({ outcome: 'failed', lastRunning: null })
  })

  it('recovers when the endpoint comes back idle before the deadline', async () => {
    stub = await startVllmStub({ kind: 'error', status: 503 })
    const result = drain({ metricsUrl: stub.metricsUrl, deadline: Date.now() + 2000, pollMs: 20 })
    await new Promise((r) => setTimeout(r, 60))
    await stub.setMode({ kind: 'busy', running: 0, waiting: 0 })
    expect((await result).outcome).toBe('drained')
  })

  it('stops on its AbortSignal with failed', async () => {
    stub = await startVllmStub({ kind: 'busy', running: 1, waiting: 0 })
    const controller = new AbortController()
    const result = drain({
      metricsUrl: stub.metricsUrl,
      deadline: Date.now() + 10_000,
      pollMs: 20,
      signal: controller.signal
    })
    setTimeout(() => controller.abort(), 50)
    expect(await result).toMatchObject({
      outcome: 'failed',
      reason: 'drain aborted before the queue was seen empty'
    })
  })
})

/** Bodies that must never read as idle: each is "unparsable for drain", whatever else it holds. */
const GARBAGE_BODIES: [string, string][] = [
  ['a gauge line without a value', 'vllm:num_requests_running\nvllm:num_requests_waiting 0\n'],
  ['a value of blanks', 'vllm:num_requests_running  \t\nvllm:num_requests_waiting 0\n'],
  ['NaN', 'vllm:num_requests_running NaN\nvllm:num_requests_waiting 0\n'],
  ['+Inf', 'vllm:num_requests_running +Inf\nvllm:num_requests_waiting 0\n'],
  ['-Inf', 'vllm:num_requests_running 0\nvllm:num_requests_waiting -Inf\n'],
  ['Infinity spelled out', 'vllm:num_requests_running Infinity\nvllm:num_requests_waiting 0\n'],
  [
    'a decimal that overflows to Infinity',
    'vllm:num_requests_running 1e999\nvllm:num_requests_waiting 0\n'
  ],
  [
    'negatives cancelling out over label sets',
    'vllm:num_requests_running{engine="0"} -3\nvllm:num_requests_running{engine="1"} 3\nvllm:num_requests_waiting 0\n'
  ],
  ['minus zero', 'vllm:num_requests_running -0\nvllm:num_requests_waiting 0\n'],
  ['hex 0x0', 'vllm:num_requests_running 0x0\nvllm:num_requests_waiting 0\n'],
  ['binary 0b0', 'vllm:num_requests_running 0b0\nvllm:num_requests_waiting 0\n'],
  ['octal 0o0', 'vllm:num_requests_running 0\nvllm:num_requests_waiting 0o0\n'],
  ['digit separators', 'vllm:num_requests_running 1_000\nvllm:num_requests_waiting 0\n'],
  ['two dots', 'vllm:num_requests_running 0.0.0\nvllm:num_requests_waiting 0\n'],
  ['a dangling exponent', 'vllm:num_requests_running 0e\nvllm:num_requests_waiting 0\n'],
  [
    'an unterminated label value',
    'vllm:num_requests_running{a="b} 0\nvllm:num_requests_waiting 0\n'
  ],
  [
    'junk after the value',
    'vllm:num_requests_running 5 garbage extra\nvllm:num_requests_waiting 0\n'
  ],
  ['a non-numeric timestamp', 'vllm:num_requests_running 0 abc\nvllm:num_requests_waiting 0\n'],
  [
    'the same series twice (a later 0 must not hide a 5)',
    'vllm:num_requests_running 5\nvllm:num_requests_running 0\nvllm:num_requests_waiting 0\n'
  ],
  [
    'a malformed queue line beside a good one (no lenient skipping)',
    '# HELP vllm:x \nvllm:num_requests_running{engine="0"} 0\nvllm:num_requests_running{engine="1" 4\nvllm:num_requests_waiting 0\n'
  ],
  ['an HTML error page', '<html><body><h1>502 Bad Gateway</h1></body></html>\n'],
  ['JSON', '{"vllm:num_requests_running":0,"vllm:num_requests_waiting":0}'],
  ['empty', ''],
  ['only one gauge', 'vllm:num_requests_running 0\n'],
  ['NUL bytes', 'vllm:num_requests_running 0\u0000\nvllm:num_requests_waiting 0\n']
]

describe('probeMetrics against garbage bodies', () => {
  it.each(GARBAGE_BODIES)('%s: unparsable, never idle', async (_what, body) => {
    stub = await startVllmStub({ kind: 'body', body })
    const probe = await probeMetrics(stub.metricsUrl, 2000)
    expect(probe.ok).toBe(false)
    expect(probe).toMatchObject({ reason: expect.stringMatching(/^unparsable for drain: /) })
  })

  it('reads the valid forms vLLM writes: 3.0, exponents, timestamps, spaces in labels', async () => {
    stub = await startVllmStub({
      kind: 'body',
      body:
        'vllm:num_requests_running{engine="0", model_name="m\\"x\\\\"} 3.0 1700000000000\n' +
        'vllm:num_requests_running{engine="1",} 1.5e+01\nvllm:num_requests_waiting .5\n'
    })
    expect(await probeMetrics(stub.metricsUrl, 2000)).toEqual({
      ok: true,
      running: 18,
      waiting: 0.5
    })
  })

  it('a body over 1 MiB is unparsable with the reason, streamed or with a length', async () => {
    stub = await startVllmStub({ kind: 'huge', bytes: 3 << 20 })
    expect(await probeMetrics(stub.metricsUrl, 5000)).toEqual({
      ok: false,
      reason: 'unparsable for drain: metrics body larger than 1 MiB'
    })
    await stub.setMode({
      kind: 'body',
      body: '#'.repeat(1 << 20) + '\n' + renderVllmMetrics({ running: 0, waiting: 0 })
    })
    expect(await probeMetrics(stub.metricsUrl, 5000)).toEqual({
      ok: false,
      reason: 'unparsable for drain: metrics body larger than 1 MiB'
    })
  })

  it('a body that never ends gives up at the timeout', async () => {
    stub = await startVllmStub({ kind: 'stall' })
    const started = Date.now()
    const probe = await probeMetrics(stub.metricsUrl, 300)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(probe).toEqual({ ok: false, reason: 'metrics endpoint did not answer within 300 ms' })
  })

  it('a drain over negatives that cancel out is not drained', async () => {
    stub = await startVllmStub({ kind: 'body', body: GARBAGE_BODIES[7][1] })
    const result = await drain({
      metricsUrl: stub.metricsUrl,
      deadline: Date.now() + 150,
      pollMs: 30
    })
    expect(result.outcome).toBe('failed')
    expect(result.reason).toMatch(/unparsable for drain: .*negative/)
  })
})
