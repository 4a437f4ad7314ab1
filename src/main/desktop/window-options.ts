import { isAbsolute, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserWindowConstructorOptions } from 'electron'

/** The cockpit window: isolated, sandboxed renderer with no Node, only the preload's bridge. */
export function cockpitWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1360,
    height: 860,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Synkti',
    backgroundColor: '#111418',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false
    }
  }
}

/**
 * Only the app's own pages may load: files inside the built renderer folder (`appRoot`), or pages
 * of the dev server's origin in development. Any other `file://` URL (the user's files, /etc) is
 * refused, as is every remote page.
 */
export function isAllowedNavigation(url: string, appRoot: string, devServerUrl?: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // TypeError: Invalid URL: nothing to load
    return false
  }
  if (devServerUrl && parsed.origin === new URL(devServerUrl).origin) return true
  if (parsed.protocol !== 'file:' || parsed.host !== '') return false
  const inside = relative(appRoot, fileURLToPath(parsed))
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)
}

/** What the cockpit's pages may be granted: desktop notifications for notices and failovers. */
const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['notifications'])

/** Every permission request is denied unless the app's own page asks for one it uses. */
export function isAllowedPermission(
  permission: string,
  pageUrl: string | undefined,
  appRoot: string,
  devServerUrl?: string
): boolean {
  return (
    GRANTED_PERMISSIONS.has(permission) &&
    pageUrl !== undefined &&
    isAllowedNavigation(pageUrl, appRoot, devServerUrl)
  )
}
