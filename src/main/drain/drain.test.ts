import { afterEach, describe, expect, it } from 'vitest'
import { manualClock, type ManualClock } from '../../../test/support/manual-clock'
import { startVllmStub, type VllmStub } from '../../../test/fixtures/vllm-stub'
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
