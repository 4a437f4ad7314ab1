// Drain a vLLM server before its instance is reclaimed, failing closed: only positive evidence of an
// empty queue (both gauges read as 0) counts as drained. Silence, errors and odd bodies never do.
import type { DrainResult } from '../../shared/fleet'
import { systemClock, type Clock } from '../clock'
import { silentLog, type Log } from '../logging/log'
import { errorText } from '../../shared/errors'
import { MAX_METRICS_BODY_BYTES, parseVllmQueue, type QueueDepth } from './metrics'

export const DEFAULT_DRAIN_MARGIN_MS = 5000

/** Stop draining this long before the notice time, leaving room to report and shut down. */
export function drainDeadline(
  noticeDeadlineMs: number,
  marginMs = DEFAULT_DRAIN_MARGIN_MS
): number {
  return noticeDeadlineMs - marginMs
}

export interface DrainOptions {
  /** vLLM's /metrics, e.g. http://127.0.0.1:8000/metrics */
  metricsUrl: string
  /** stop the router sending new requests here; called once, before the first poll */
  deregister?: () => Promise<void>
  /** ms epoch (clock time) to give up by; see drainDeadline() */
  deadline: number
  pollMs?: number
  clock?: Clock
  signal?: AbortSignal
  /** per metrics request, capped by the time left */
  requestTimeoutMs?: number
  log?: Log
  fetch?: typeof fetch
}

export type MetricsProbe = ({ ok: true } & QueueDepth) | { ok: false; reason: string }

/**
 * One read of the queue. Not /health: vLLM answers /health 200 while requests are still running,
 * so it says the process is up, not that it is idle. The whole read (connect, headers, body) is
 * bounded by `timeoutMs`, and the body by MAX_METRICS_BODY_BYTES.
 */
export async function probeMetrics(
  metricsUrl: string,
  timeoutMs: number,
  signal?: AbortSignal,
  doFetch: typeof fetch = fetch
): Promise<MetricsProbe> {
  const limitMs = Math.max(1, Math.round(timeoutMs))
  const timeout = AbortSignal.timeout(limitMs)
  try {
    const res = await doFetch(metricsUrl, {
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout
    })
    if (res.status !== 200) {
      await discard(res.body) // only the status matters; free the socket
      return { ok: false, reason: `metrics endpoint answered HTTP ${res.status}` }
    }
    const body = await readCapped(res, MAX_METRICS_BODY_BYTES)
    if (body === undefined)
      return { ok: false, reason: 'unparsable for drain: metrics body larger than 1 MiB' }
    const parsed = parseVllmQueue(body)
    return parsed.ok ? parsed : { ok: false, reason: `unparsable for drain: ${parsed.reason}` }
  } catch (error) {
    if (timeout.aborted && !signal?.aborted)
      return { ok: false, reason: `metrics endpoint did not answer within ${limitMs} ms` }
    return { ok: false, reason: `metrics endpoint unreachable (${errorText(error)})` }
  }
}

/** The body as text, or undefined when it is longer than maxBytes (then the rest is not read). */
async function readCapped(res: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (declared > maxBytes) {
    await discard(res.body)
    return undefined
  }
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await discard(reader)
      return undefined
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Stops reading a body we have already judged. cancel() rejects only when the stream has already
 * failed (reset, timeout), and then there is nothing left to free: the verdict stands either way.
 */
async function discard(stream: { cancel(): Promise<void> } | null | undefined): Promise<void> {
  await stream?.cancel().then(
    () => undefined,
    () => undefined
  )
}

interface DrainState {
  answered: boolean
  lastRunning: number | null
  lastWaiting: number | null
  lastError?: string
}

/**
 * Deregister, then poll /metrics until running == 0 and waiting == 0 ('drained') or the deadline.
 *
 * Outcomes:
 * - 'drained': an answer showed both gauges at 0 (and deregistration succeeded).
 * - 'timed-out': the endpoint answered at least once but the queue was not seen empty by the
 *   deadline; reason names the last count or the last error.
 * - 'failed': the endpoint never once answered with parsable metrics (we cannot say anything about
 *   the queue), or deregistration threw, or the drain was aborted. A deregistration failure does
 *   not stop the wait: in-flight requests still get their time, but the router may still be
 *   sending work, so the result is 'failed' whatever the queue did, and the reason says both.
 *
 * Note that a request accepted by the HTTP server but not yet handed to the engine (tokenising)
 * is not in either gauge; the deregistration before the first poll is what keeps that window small.
 */
export async function drain(options: DrainOptions): Promise<DrainResult> {
  const clock = options.clock ?? systemClock
  const log = options.log ?? silentLog
  const startedAt = clock.now()
  const deregisterError = await runDeregister(options.deregister)
  const deregisterMs = clock.now() - startedAt
  log('drain-start', {
    deadline: new Date(options.deadline).toISOString(),
    deregisterMs,
    deregisterError
  })

  const state = await pollUntilIdle(options, clock, log)
  const result = summarise(state, deregisterError, options.signal?.aborted === true)
  const outcome: DrainResult = {
    ...result,
    startedAt,
    endedAt: clock.now(),
    deregisterMs,
    lastRunning: state.lastRunning,
    lastWaiting: state.lastWaiting
  }
  log('drain-end', {
    outcome: outcome.outcome,
    ms: outcome.endedAt - startedAt,
    running: outcome.lastRunning,
    waiting: outcome.lastWaiting,
    reason: outcome.reason
  })
  return outcome
}

async function runDeregister(deregister?: () => Promise<void>): Promise<string | undefined> {
  if (!deregister) return undefined
  try {
    await deregister()
    return undefined
  } catch (error) {
    return errorText(error)
  }
}

async function pollUntilIdle(options: DrainOptions, clock: Clock, log: Log): Promise<DrainState> {
  const pollMs = options.pollMs ?? 500
  const state: DrainState = { answered: false, lastRunning: null, lastWaiting: null }
  // bounded: every pass either returns or sleeps until at most the deadline, which never moves
  for (;;) {
    if (options.signal?.aborted) return state
    const left = options.deadline - clock.now()
    const timeoutMs = Math.min(options.requestTimeoutMs ?? 2000, Math.max(left, 50))
    const probe = await probeMetrics(options.metricsUrl, timeoutMs, options.signal, options.fetch)
    record(state, probe, log)
    if (probe.ok && probe.running === 0 && probe.waiting === 0) return state
    const wait = Math.min(pollMs, options.deadline - clock.now())
    if (wait <= 0) return state
    try {
      await clock.sleep(wait, options.signal)
    } catch {
      return state // aborted
    }
  }
}

function record(state: DrainState, probe: MetricsProbe, log: Log): void {
  if (probe.ok) {
    state.answered = true
    state.lastRunning = probe.running
    state.lastWaiting = probe.waiting
    state.lastError = undefined
    return
  }
  if (state.lastError !== probe.reason) log('drain-poll-error', { error: probe.reason })
  state.lastError = probe.reason
}

function summarise(
  state: DrainState,
  deregisterError: string | undefined,
  aborted: boolean
): Pick<DrainResult, 'outcome' | 'reason'> {
  const idle = state.lastError === undefined && state.lastRunning === 0 && state.lastWaiting === 0
  const queue = queueReason(state, aborted)
  if (deregisterError) {
    const tail = idle ? 'queue drained afterwards' : queue
    return {
      outcome: 'failed',
      reason: `router deregistration failed (${deregisterError}); ${tail}`
    }
  }
  if (idle) return { outcome: 'drained' }
  return { outcome: !state.answered || aborted ? 'failed' : 'timed-out', reason: queue }
}

function queueReason(state: DrainState, aborted: boolean): string {
  if (aborted) return 'drain aborted before the queue was seen empty'
  if (!state.answered)
    return `metrics never answered by the deadline; last error: ${state.lastError}`
  if (state.lastError) return `not seen idle by the deadline; last error: ${state.lastError}`
  return `still ${state.lastRunning} running and ${state.lastWaiting} waiting at the deadline`
}
