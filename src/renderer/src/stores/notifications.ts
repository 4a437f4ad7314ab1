// Toasts for errors and events, and desktop notifications for the fleet events an operator must not
// miss (interruption notices, finished failovers). Desktop notifications are used only inside Electron
// (window.synkti exists) with permission; everywhere else the same text becomes an in-page toast.
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

/** The kinds of fleet event that notify (desktop or toast). */
export const NOTIFY_KINDS: readonly FleetEvent['kind'][] = ['notice', 'failover-end']

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
  let nextId = 1
  const timers = new Map<number, ReturnType<typeof setTimeout>>()

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
   * Tells the operator about a notice or a finished failover: a desktop notification inside Electron
   * when permitted, an in-page toast otherwise. Resolves to where it went (or null for other kinds).
   */
  async function notifyFleetEvent(
    event: FleetEvent,
    label?: (id: string | undefined) => string
  ): Promise<'desktop' | 'toast' | null> {
    if (!NOTIFY_KINDS.includes(event.kind)) return null
    const text = describeFleetEvent(event, label)
    if (await showDesktopNotification(text)) return 'desktop'
    push({
      kind: event.kind === 'notice' ? 'warning' : 'info',
      title: text.title,
      message: text.body
    })
    return 'toast'
  }

  return { toasts, push, dismiss, clear, error, success, info, warning, notifyFleetEvent }
})
