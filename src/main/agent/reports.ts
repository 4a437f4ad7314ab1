// Where the agent's reports go: the cockpit's HTTP intake (a cockpit the instance can reach, with the
// cockpit's token) or the fleet's SQS reports queue (a cockpit anywhere, with the instance's own role).
// Both retry with the same bounded backoff; every try of one report carries the same id.
import { randomUUID } from 'node:crypto'
import type { Clock } from '../clock'
import { errorText } from '../../shared/errors'
import type { ReportKind, ReportSender } from '../providers/aws/agent-channel'
import { createCockpitClient, DEFAULT_RETRY, type Delivery, type RetryPolicy } from './cockpit'

export interface SendOptions {
  /** overrides the policy's attempts */
  attempts?: number
  /** no further retries once this aborts (the try in flight completes) */
  stop?: AbortSignal
}

export interface ReportTransport {
  /** for the start line: the cockpit URL or the queue URL */
  readonly target: string
  send(kind: ReportKind, body: { instanceId: string }, options?: SendOptions): Promise<Delivery>
}

export function httpReports(o: {
  cockpitUrl: string
  token: string
  clock: Clock
  fetch?: typeof fetch
  retry?: RetryPolicy
}): ReportTransport {
  const cockpit = createCockpitClient(o)
  return {
    target: o.cockpitUrl,
    send: (kind, body, options) => cockpit.post(`/api/agent/${kind}`, body, options)
  }
}

/**
 * Over SQS: `sender` is createSqsReportSender; the SDK client is loaded only when it is used. A
 * sender that cannot be made (no region yet) fails this report, and the next report tries again.
 */
export function queueReports(o: {
  queueUrl: string
  sender: () => Promise<ReportSender>
  clock: Clock
  retry?: RetryPolicy
}): ReportTransport {
  const policy = o.retry ?? DEFAULT_RETRY
  return {
    target: o.queueUrl,
    send: async (kind, body, { attempts = policy.attempts, stop } = {}) => {
      let sender: ReportSender
      try {
        sender = await o.sender()
      } catch (error) {
        // e.g. the region could not be read from instance metadata: not sent, the caller goes on
        return {
          ok: false,
          attempts: 1,
          reason: `cannot reach the reports queue: ${errorText(error)}`
        }
      }
      const id = randomUUID() // one report, one id: the queue and the cockpit drop repeats of it
      const tries = Math.max(1, attempts)
      for (let i = 1; ; i++) {
        const sent = await sender.send(kind, body, id)
        if (sent.ok) return { ok: true, attempts: i }
        if (i >= tries || stop?.aborted) return { ok: false, attempts: i, reason: sent.reason }
        const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** (i - 1))
        const stopped = await o.clock.sleep(backoff, stop).then(
          () => false,
          () => true
        )
        if (stopped) return { ok: false, attempts: i, reason: sent.reason }
      }
    }
  }
}
