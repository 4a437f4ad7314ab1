// Traces the What-if market can replay: a window exported from history by the Replay view (offered
// first) and the bundled traces the engine lists.
import type { TraceInfo } from '@shared/api'
import { formatLocalTime } from '@renderer/format/format'
import type { PendingReplayTrace } from '@renderer/stores/simulations'

export interface TraceOption {
  id: string
  label: string
  /** the trace path a what-if run uses (a file or a folder on the engine host) */
  path: string
  zones: number
  hours: number
  source: TraceInfo['source']
}

export const HISTORY_TRACE_ID = 'history-window'

/** The Replay view's exported window as a trace option: "History window <from> → <to>", at the folder it was saved in. */
export function historyTraceOption(pending: PendingReplayTrace): TraceOption {
  const first = pending.traces[0]
  return {
    id: HISTORY_TRACE_ID,
    label: `History window ${formatLocalTime(pending.from)} → ${formatLocalTime(pending.to)}`,
    path: first?.path ?? '',
    zones: pending.traces.length,
    hours: windowHours(pending),
    source: 'history'
  }
}

/** The hours of the Replay window (what a what-if on it may simulate at most). */
export function windowHours(pending: PendingReplayTrace): number {
  return Math.max(0, (pending.to - pending.from) / 3_600_000)
}
