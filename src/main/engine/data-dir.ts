import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Where Synkti keeps its history and settings when no --db / --data-dir is given: the same folder
 * Electron's app.getPath('userData') resolves to for an app named "Synkti", so the desktop app and
 * the daemon share one history.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform
): string {
  if (env.SYNKTI_DATA_DIR) return env.SYNKTI_DATA_DIR
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Synkti')
  if (platform === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Synkti')
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Synkti')
}
