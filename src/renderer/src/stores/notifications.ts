// Toasts for errors and events, the history of every notification (the panel opened from the status
// bar), and desktop notifications for the fleet events an operator must not miss (interruption
// notices, finished failovers), used only inside Electron (window.synkti exists) with permission.
// A failover is one toast from its notice to its end: each phase updates it in place, and it goes
// away by itself a few seconds after it is done.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { FleetEvent } from '@shared/fleet'
import { formatLocalTime } from '@renderer/format/format'
import { errorText } from '@shared/errors'

export type ToastKind = 'error' | 'warning' | 'info' | 'success'

export interface Toast {
  id: number
  kind: ToastKind
  title: string
  message: string
  /** auto-dismiss after this many ms; 0 keeps it until dismissed */
  timeoutMs: number
  /** how many identical toasts were folded into this one */
  count: number
  at: number
  /** a toast updated in place (a failover's), by this key */
  key?: string
  /** the phases it went through so far, oldest first */
  steps?: string[]
}

/** One line of the notification history: what a toast said, kept after the toast went away. */
export interface NotificationEntry {
  id: number
  kind: ToastKind
  title: string
  message: string
  at: number
  key?: string
  steps?: string[]
}

export interface ToastInput {
  kind?: ToastKind
  title: string
  message?: string
  timeoutMs?: number
}

const DEFAULT_TIMEOUT: Record<ToastKind, number> = {
  error: 12_000,
  warning: 9_000,
  info: 6_000,
  success: 5_000
}
export const MAX_TOASTS = 5
/** the notification history keeps the newest this many */
export const MAX_HISTORY = 200
/** a failover's toast goes away if no phase came for this long (a notice with no failover behind it) */
export const FAILOVER_QUIET_MS = 120_000
/** and this long after the failover ended well */
export const FAILOVER_DONE_MS = 6_000

/** The kinds of fleet event that notify (desktop or toast). */
export const NOTIFY_KINDS: readonly FleetEvent['kind'][] = [
  'notice',
  'failover-phase',
  'failover-end'
]
/** The kinds that also raise a desktop notification inside Electron. */
export const DESKTOP_KINDS: readonly FleetEvent['kind'][] = ['notice', 'failover-end']

/** A failover phase in words, as the toast and the history say it. */
export const PHASE_TEXT: Record<string, string> = {
  noticed: 'noticed',
  draining: 'draining',
  drained: 'drained',
  'replacement-chosen': 'replacement chosen',
  'replacement-ready': 'replacement ready',
  routed: 'routed',
  done: 'done',
  failed: 'failed'
}

/** The key a notice, its failover's phases and its end share: one toast per failover. */
export function failoverKey(event: FleetEvent): string | undefined {
  return event.instanceId ? `failover:${event.instanceId}` : undefined
}

export interface NotificationText {
  title: string
  body: string
}

/** Title and body naming the instance and what happened; `label` turns an id into "name (id)". */
export function describeFleetEvent(
  event: FleetEvent,
  label: (id: string | undefined) => string = (id) => id ?? 'fleet'
): NotificationText {
  const who = label(event.instanceId)
  const data = event.data ?? {}
  if (event.kind === 'notice') {
    const deadline = typeof data.deadline === 'number' ? data.deadline : undefined
    const action = typeof data.action === 'string' ? data.action : 'reclaim'
    return {
      title: `Interruption notice: ${who}`,
      body: `${who} will be ${action === 'reclaim' ? 'reclaimed' : action === 'stop' ? 'stopped' : action === 'hibernate' ? 'hibernated' : 'terminated'}${deadline !== undefined ? ` at ${formatLocalTime(deadline, true)}` : ' soon'}; draining now.`
    }
  }
  if (event.kind === 'failover-end') {
    const parts: string[] = []
    const outcome = pick(data, ['outcome', 'result', 'status'])
    const replacement = pick(data, ['replacementId', 'replacement', 'to', 'newInstanceId'])
    const duration = typeof data.durationMs === 'number' ? data.durationMs : undefined
    if (outcome) parts.push(outcome)
    if (replacement) parts.push(`traffic moved to ${label(replacement)}`)
    if (duration !== undefined) parts.push(`in ${(duration / 1000).toFixed(1)} s`)
    return {
      title: `Failover finished: ${who}`,
      body: `Failover of ${who} finished${parts.length ? `: ${parts.join(', ')}` : ''}.`
    }
  }
  return {
    title: `${event.kind}: ${who}`,
    body: `${event.kind} on ${who} at ${formatLocalTime(event.at, true)}`
  }
}

function pick(data: Record<string, unknown>, keys: string[]): string | undefined {
  for (const key of keys) {
    const value = data[key]
    if (typeof value === 'string' && value) return value
  }
  return undefined
}

/** True inside the Electron app: the preload exposes window.synkti. */
export function insideElectron(): boolean {
  return (
    typeof window !== 'undefined' &&
    typeof (window as { synkti?: unknown }).synkti === 'object' &&
    (window as { synkti?: unknown }).synkti !== null
  )
}

/** Shows a desktop notification when allowed (asks once if undecided); false when it could not. */
export async function showDesktopNotification(text: NotificationText): Promise<boolean> {
  if (!insideElectron() || typeof Notification === 'undefined') return false
  try {
    let permission = Notification.permission
    if (permission === 'default' && typeof Notification.requestPermission === 'function')
      permission = await Notification.requestPermission()
    if (permission !== 'granted') return false
    new Notification(text.title, { body: text.body })
    return true
  } catch {
    return false
  }
}

export const useNotificationsStore = defineStore('notifications', () => {
  const toasts = ref<Toast[]>([])
  const history = ref<NotificationEntry[]>([])
  /** entries added since the panel was last opened */
  const unread = ref(0)
  const panelOpen = ref(false)
  let nextId = 1
  const timers = new Map<number, ReturnType<typeof setTimeout>>()
  /** keyed toasts the operator closed: later updates go to the history only */
  const silenced = new Set<string>()

  function remember(toast: Toast): void {
    const entry = toast.key
      ? history.value.find((h) => h.key === toast.key && h.id === toast.id)
      : undefined
    if (entry) {
      Object.assign(entry, {
        kind: toast.kind,
        title: toast.title,
        message: toast.message,
        at: toast.at,
        steps: toast.steps ? [...toast.steps] : undefined
      })
      return
    }
    history.value.unshift({
      id: toast.id,
      kind: toast.kind,
      title: toast.title,
      message: toast.message,
      at: toast.at,
      ...(toast.key ? { key: toast.key } : {}),
      ...(toast.steps ? { steps: [...toast.steps] } : {})
    })
    if (history.value.length > MAX_HISTORY) history.value.length = MAX_HISTORY
    if (!panelOpen.value) unread.value++
  }

  /**
   * Shows or updates the toast with this key (a failover's): its text, kind and timeout replaced,
   * `step` appended to its phases. A toast the operator closed is not shown again; the history
   * still follows it.
   */
  function upsert(key: string, input: ToastInput & { step?: string }): number {
    const kind = input.kind ?? 'info'
    const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT[kind]
    let toast = toasts.value.find((t) => t.key === key)
    const entry = history.value.find((h) => h.key === key)
    if (!toast) {
      const steps = entry && silenced.has(key) ? [...(entry.steps ?? [])] : []
      toast = {
        id: entry && silenced.has(key) ? entry.id : nextId++,
        kind,
        title: input.title,
        message: input.message ?? '',
        timeoutMs,
        count: 1,
        at: Date.now(),
        key,
        steps
      }
      if (!silenced.has(key)) {
        toasts.value.push(toast)
        toast = toasts.value[toasts.value.length - 1]
        while (toasts.value.length > MAX_TOASTS) dismiss(toasts.value[0].id)
      }
    } else {
      Object.assign(toast, { kind, title: input.title, message: input.message ?? '', timeoutMs })
      toast.at = Date.now()
    }
    if (input.step && toast.steps?.at(-1) !== input.step)
      toast.steps = [...(toast.steps ?? []), input.step]
    remember(toast)
    if (!silenced.has(key)) schedule(toast.id, timeoutMs)
    return toast.id
  }

  function push(input: ToastInput): number {
    const kind = input.kind ?? 'info'
    const message = input.message ?? ''
    const same = toasts.value.find(
      (t) => t.kind === kind && t.title === input.title && t.message === message
    )
    const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT[kind]
    if (same) {
      same.count++
      same.at = Date.now()
      schedule(same.id, timeoutMs)
      return same.id
    }
    const toast: Toast = {
      id: nextId++,
      kind,
      title: input.title,
      message,
      timeoutMs,
      count: 1,
      at: Date.now()
    }
    remember(toast)
    toasts.value.push(toast)
    while (toasts.value.length > MAX_TOASTS) dismiss(toasts.value[0].id)
    schedule(toast.id, timeoutMs)
    return toast.id
  }

  function schedule(id: number, timeoutMs: number): void {
    const old = timers.get(id)
    if (old) clearTimeout(old)
    timers.delete(id)
    if (timeoutMs > 0)
      timers.set(
        id,
        setTimeout(() => dismiss(id), timeoutMs)
      )
  }

  function dismiss(id: number): void {
    const timer = timers.get(id)
    if (timer) clearTimeout(timer)
    timers.delete(id)
    toasts.value = toasts.value.filter((t) => t.id !== id)
  }

  /** The operator closed it: a keyed toast stays closed through its later phases. */
  function close(id: number): void {
    const key = toasts.value.find((t) => t.id === id)?.key
    if (key) silenced.add(key)
    dismiss(id)
  }

  function openPanel(): void {
    panelOpen.value = true
    unread.value = 0
  }
  function closePanel(): void {
    panelOpen.value = false
  }
  function clearHistory(): void {
    history.value = []
    unread.value = 0
  }

  function clear(): void {
    for (const t of [...toasts.value]) dismiss(t.id)
  }

  /** An error toast carrying the ClientError's (or any error's) message, never swallowed. */
  function error(err: unknown, title = 'Something went wrong'): number {
    return push({ kind: 'error', title, message: errorText(err) })
  }

  function success(title: string, message = ''): number {
    return push({ kind: 'success', title, message })
  }

  function info(title: string, message = ''): number {
    return push({ kind: 'info', title, message })
  }

  function warning(title: string, message = ''): number {
    return push({ kind: 'warning', title, message })
  }

  /**
   * Tells the operator about a notice and the failover behind it, as one toast that each phase
   * updates and that goes away by itself once the failover is done; a notice and a finished
   * failover also raise a desktop notification inside Electron when permitted. Resolves to where it
   * went ('desktop' when the desktop showed it too), or null for kinds that do not notify.
   */
  async function notifyFleetEvent(
    event: FleetEvent,
    label?: (id: string | undefined) => string
  ): Promise<'desktop' | 'toast' | null> {
    if (!NOTIFY_KINDS.includes(event.kind)) return null
    const key = failoverKey(event)
    const who = (label ?? ((id: string | undefined) => id ?? 'fleet'))(event.instanceId)
    const text = describeFleetEvent(event, label)
    const data = event.data ?? {}
    if (!key) push({ kind: 'warning', title: text.title, message: text.body })
    else if (event.kind === 'notice')
      upsert(key, {
        kind: 'warning',
        title: `Reclaim notice: ${who}`,
        message: text.body,
        step: 'noticed',
        timeoutMs: FAILOVER_QUIET_MS
      })
    else if (event.kind === 'failover-phase') {
      const phase = typeof data.phase === 'string' ? data.phase : 'phase'
      const replacement = typeof data.replacement === 'string' ? data.replacement : undefined
      upsert(key, {
        kind: 'warning',
        title: `Failover: ${who}`,
        message: `${PHASE_TEXT[phase] ?? phase}${replacement && label ? ` · replacement ${label(replacement)}` : replacement ? ` · replacement ${replacement}` : ''}`,
        step: phase,
        timeoutMs: FAILOVER_QUIET_MS
      })
    } else {
      const ok = data.outcome === 'ok' || data.outcome === 'recovered'
      upsert(key, {
        kind: ok ? 'success' : 'error',
        title: ok ? `Failover done: ${who}` : `Failover failed: ${who}`,
        message: ok
          ? text.body
          : `${text.body}${typeof data.reason === 'string' ? ` ${data.reason}` : ''}`,
        step: ok ? 'done' : 'failed',
        timeoutMs: ok ? FAILOVER_DONE_MS : DEFAULT_TIMEOUT.error
      })
    }
    if (DESKTOP_KINDS.includes(event.kind) && (await showDesktopNotification(text)))
      return 'desktop'
    return 'toast'
  }

  return {
    toasts,
    history,
    unread,
    panelOpen,
    push,
    upsert,
    dismiss,
    close,
    clear,
    clearHistory,
    openPanel,
    closePanel,
    error,
    success,
    info,
    warning,
    notifyFleetEvent
  }
})
