// Which view is shown, kept in the URL hash (#/fleet, #/timeline, ...) so a reload keeps the view.
import { defineStore } from 'pinia'
import { ref } from 'vue'

export const VIEWS = [
  { id: 'workloads', label: 'Workloads' },
  { id: 'fleet', label: 'Fleet' },
  { id: 'timeline', label: 'Timeline' },
  { id: 'costs', label: 'Costs' },
  { id: 'whatif', label: 'What-if' },
  { id: 'replay', label: 'Replay' },
  { id: 'settings', label: 'Settings' }
] as const

export type ViewId = (typeof VIEWS)[number]['id']
export const DEFAULT_VIEW: ViewId = 'workloads'

/** "#/timeline" -> 'timeline'; anything else (including the daemon's "#token=...") -> null. */
export function parseHash(hash: string): ViewId | null {
  const m = /^#\/?([a-z-]+)(?:[/?].*)?$/i.exec(hash)
  if (!m) return null
  const id = m[1].toLowerCase()
  return (VIEWS.find((v) => v.id === id)?.id as ViewId | undefined) ?? null
}

export function hashFor(view: ViewId): string {
  return `#/${view}`
}

export const useNavigationStore = defineStore('navigation', () => {
  const current = ref<ViewId>(
    parseHash(typeof location === 'undefined' ? '' : location.hash) ?? DEFAULT_VIEW
  )

  /** Shows a view and records it in the hash (history entry, so Back works). */
  function go(view: ViewId): void {
    current.value = view
    if (typeof location !== 'undefined' && location.hash !== hashFor(view))
      location.hash = hashFor(view)
  }

  /** Syncs from the hash now and on every change; returns the cleanup. */
  function bind(): () => void {
    const sync = (): void => {
      const view = parseHash(location.hash)
      if (view) current.value = view
      // an empty or foreign hash (e.g. the daemon token, already stored by the client) becomes the view's
      else history.replaceState(history.state, '', hashFor(current.value))
    }
    sync()
    window.addEventListener('hashchange', sync)
    return () => window.removeEventListener('hashchange', sync)
  }

  return { current, go, bind }
})
