// Cockpit-side interruption watch through the EC2 API: poll provider.interruptionStatus every
// intervalMs and hand each new (instanceId, kind) to onEvent once. This works with nothing installed on
// the instances and no EventBridge setup; its cost is latency (up to one interval of the 120 s notice),
// which is why the default interval is short and the SQS/IMDS sources exist alongside it.

import type { InterruptionEvent } from '../../shared/fleet'
import { systemClock, type Clock } from '../clock'
import type { CloudProvider } from '../providers/types'
import { createInterruptionDeduper, type InterruptionDeduper } from './dedupe'

export interface Ec2StatusMonitorOptions {
  provider: Pick<CloudProvider, 'interruptionStatus' | 'listInstances'>
  /** which instances to watch; default: the fleet's live spot instances (one listInstances per poll) */
  instanceIds?: () => string[] | Promise<string[]>
  /** default 15 s: leaves most of the two-minute notice for draining */
  intervalMs?: number
  signal: AbortSignal
  onEvent: (event: InterruptionEvent) => void | Promise<void>
  /** a failed poll is reported and the loop carries on at the next interval */
  onError?: (err: unknown) => void
  /** share one deduper with the other sources so an event seen via SQS is not reported again */
  deduper?: InterruptionDeduper
  clock?: Clock
}

export const DEFAULT_EC2_POLL_MS = 15_000

async function fleetSpotIds(provider: Ec2StatusMonitorOptions['provider']): Promise<string[]> {
  const list = await provider.listInstances()
  return list.filter((i) => i.market === 'spot' && i.state !== 'terminated').map((i) => i.id)
}

/** one poll: returns the events that passed the deduper (already delivered to onEvent) */
export async function pollEc2StatusOnce(
  opts: Omit<Ec2StatusMonitorOptions, 'signal'> & { deduper: InterruptionDeduper }
): Promise<InterruptionEvent[]> {
  const ids = await (opts.instanceIds ? opts.instanceIds() : fleetSpotIds(opts.provider))
  if (ids.length === 0) return []
  const fresh = (await opts.provider.interruptionStatus(ids)).filter((e) => opts.deduper.accept(e))
  for (const e of fresh) {
    // one failing handler must not starve the other events of this poll
    try {
      await opts.onEvent(e)
    } catch (err) {
      opts.onError?.(err)
    }
  }
  return fresh
}

/** runs until signal aborts; resolves (never rejects) on abort */
export async function runEc2StatusMonitor(opts: Ec2StatusMonitorOptions): Promise<void> {
  const clock = opts.clock ?? systemClock
  const deduper = opts.deduper ?? createInterruptionDeduper({ now: clock.now })
  const intervalMs = opts.intervalMs ?? DEFAULT_EC2_POLL_MS
  while (!opts.signal.aborted) {
    try {
      await pollEc2StatusOnce({ ...opts, deduper })
    } catch (err) {
      if (opts.signal.aborted) return
      opts.onError?.(err)
    }
    try {
      await clock.sleep(intervalMs, opts.signal)
    } catch {
      return // aborted while sleeping
    }
  }
}
