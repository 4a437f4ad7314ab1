// Interruption signals readable through the EC2 API (source 'ec2-api'):
// - before the fact: the spot request's status code turns `marked-for-termination` / `marked-for-stop` /
//   `marked-for-hibernation` when the two-minute notice is issued (status UpdateTime = notice time);
// - after the fact: the request's `instance-terminated-*` / `instance-stopped-*` / `instance-hibernated-*`
//   codes, and the instance's StateReason `Server.SpotInstanceTermination` / `Server.SpotInstanceShutdown`.
// Codes are matched by prefix so variants (e.g. `-no-capacity`, `-by-price`, `-by-experiment`) all count.

import type { Instance, SpotInstanceRequest } from '@aws-sdk/client-ec2'
import type { InterruptionAction, InterruptionEvent } from '../../../shared/fleet'

/** EC2 gives two minutes between the notice and the reclaim */
export const SPOT_NOTICE_MS = 120_000

function actionFromWord(word: string): InterruptionAction | undefined {
  if (word.startsWith('terminat')) return 'terminate'
  if (word.startsWith('stop')) return 'stop'
  if (word.startsWith('hibernat')) return 'hibernate'
  return undefined
}

/** 'marked-for-stop' -> stop; undefined when the code is not a notice */
export function noticeAction(code: string): InterruptionAction | undefined {
  const m = /^marked-for-(\w+)/.exec(code)
  return m ? actionFromWord(m[1]) : undefined
}

/** 'instance-terminated-no-capacity' -> terminate; a user's own stop/terminate is not an interruption */
export function interruptedAction(code: string): InterruptionAction | undefined {
  const m = /^instance-(terminated|stopped|hibernated)-(.+)$/.exec(code)
  if (!m || m[2] === 'by-user') return undefined
  return actionFromWord(m[1])
}

export function eventFromSpotRequest(
  req: SpotInstanceRequest,
  observedAt: number
): InterruptionEvent | null {
  const code = req.Status?.Code ?? ''
  const instanceId = req.InstanceId
  if (!instanceId) return null
  const notice = noticeAction(code)
  if (notice) {
    const at = req.Status?.UpdateTime?.getTime()
    return {
      instanceId,
      kind: 'interruption-notice',
      action: notice,
      // without an update time, assume the notice is as fresh as our observation (the safer side)
      deadline: (at ?? observedAt) + SPOT_NOTICE_MS,
      source: 'ec2-api',
      observedAt,
      detail: code
    }
  }
  const done = interruptedAction(code)
  if (!done) return null
  return {
    instanceId,
    kind: 'state-change',
    action: done,
    source: 'ec2-api',
    observedAt,
    detail: code
  }
}

const SPOT_STATE_REASONS: Record<string, InterruptionAction> = {
  'Server.SpotInstanceTermination': 'terminate',
  'Server.SpotInstanceShutdown': 'stop'
}

export function eventFromInstanceState(i: Instance, observedAt: number): InterruptionEvent | null {
  const code = i.StateReason?.Code ?? ''
  const action = SPOT_STATE_REASONS[code]
  if (!action || !i.InstanceId) return null
  return {
    instanceId: i.InstanceId,
    kind: 'state-change',
    action,
    source: 'ec2-api',
    observedAt,
    detail: code
  }
}

/** one event per (instanceId, kind) within a poll: the first seen wins */
export function uniqueByInstanceAndKind(events: InterruptionEvent[]): InterruptionEvent[] {
  const seen = new Set<string>()
  return events.filter((e) => {
    const key = `${e.instanceId}\u0000${e.kind}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
