// Light and dark themes: follows prefers-color-scheme until the operator picks one with the toggle,
// which is remembered in localStorage. The theme is a data-theme attribute the CSS variables key on.
import { defineStore } from 'pinia'
import { computed, ref, watchEffect } from 'vue'
import { errorText } from '@shared/errors'

export type ThemeName = 'light' | 'dark'
export const THEME_STORAGE_KEY = 'synkti-theme'

function stored(): ThemeName | null {
  try {
    const value = localStorage.getItem(THEME_STORAGE_KEY)
    return value === 'light' || value === 'dark' ? value : null
  } catch {
    return null
  }
}

export const useThemeStore = defineStore('theme', () => {
  const choice = ref<ThemeName | null>(stored())
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null
  const systemDark = ref(media?.matches ?? false)
  media?.addEventListener?.('change', (e) => (systemDark.value = e.matches))

  const theme = computed<ThemeName>(() => choice.value ?? (systemDark.value ? 'dark' : 'light'))
  const dark = computed(() => theme.value === 'dark')

  watchEffect(() => {
    if (typeof document === 'undefined') return
    document.documentElement.dataset.theme = theme.value
    document.documentElement.style.colorScheme = theme.value
  })

  function set(next: ThemeName | null): void {
    choice.value = next
    try {
      if (next) localStorage.setItem(THEME_STORAGE_KEY, next)
      else localStorage.removeItem(THEME_STORAGE_KEY)
    } catch (error) {
      // storage may be unavailable (private mode, quota); the choice still holds for this session
      console.warn(`synkti: theme not saved (${errorText(error)})`)
    }
  }

  function toggle(): void {
    set(theme.value === 'dark' ? 'light' : 'dark')
  }

  return { choice, theme, dark, set, toggle }
})
