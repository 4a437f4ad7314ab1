// Colours for the canvas charts, read from the cockpit's CSS custom properties so every chart follows
// the light or dark theme the shell sets. The option builders take a ChartTheme and stay pure.
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

export interface ChartTheme {
  fg: string
  muted: string
  border: string
  panel: string
  accent: string
  danger: string
  ok: string
  /** a colour per series when more than the named ones are needed */
  palette: string[]
}

export const DEFAULT_CHART_THEME: ChartTheme = {
  fg: '#1d2430',
  muted: '#687385',
  border: '#d4d9e1',
  panel: '#ffffff',
  accent: '#2f6fde',
  danger: '#c9342f',
  ok: '#1f8a4c',
  palette: [
    '#2f6fde',
    '#e07b1a',
    '#1f8a4c',
    '#8e44ad',
    '#c9342f',
    '#16a2b8',
    '#b8860b',
    '#d63384',
    '#5c6b7a',
    '#6f42c1'
  ]
}

/** Reads the theme from CSS custom properties on the document root; falls back to the defaults. */
export function readChartTheme(
  root: Element | null = typeof document === 'undefined' ? null : document.documentElement
): ChartTheme {
  if (!root || typeof getComputedStyle !== 'function') return DEFAULT_CHART_THEME
  const style = getComputedStyle(root)
  const pick = (name: string, fallback: string): string =>
    style.getPropertyValue(name).trim() || fallback
  const accent = pick('--accent', DEFAULT_CHART_THEME.accent)
  return {
    fg: pick('--fg', DEFAULT_CHART_THEME.fg),
    muted: pick('--muted', DEFAULT_CHART_THEME.muted),
    border: pick('--border', DEFAULT_CHART_THEME.border),
    panel: pick('--panel', DEFAULT_CHART_THEME.panel),
    accent,
    danger: pick('--danger', DEFAULT_CHART_THEME.danger),
    ok: pick('--ok', DEFAULT_CHART_THEME.ok),
    palette: [accent, ...DEFAULT_CHART_THEME.palette.slice(1)]
  }
}

/** The current chart theme, re-read when the colour scheme or the root's class / data-theme changes. */
export function useChartTheme(): Ref<ChartTheme> {
  const theme = ref<ChartTheme>(readChartTheme())
  let media: MediaQueryList | undefined
  let observer: MutationObserver | undefined
  const refresh = (): void => {
    theme.value = readChartTheme()
  }
  onMounted(() => {
    refresh()
    if (typeof matchMedia === 'function') {
      media = matchMedia('(prefers-color-scheme: dark)')
      media.addEventListener?.('change', refresh)
    }
    if (typeof MutationObserver === 'function' && typeof document !== 'undefined') {
      observer = new MutationObserver(refresh)
      observer.observe(document.documentElement, {
        attributes: true,
        attributeFilter: ['class', 'data-theme', 'style']
      })
    }
  })
  onBeforeUnmount(() => {
    media?.removeEventListener?.('change', refresh)
    observer?.disconnect()
  })
  return theme
}
