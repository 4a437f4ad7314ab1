import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { DEFAULT_SETTINGS, settingsSchema, type Settings } from '../../shared/api'
import { errorText } from '../../shared/errors'

export interface SettingsStore {
  get(): Settings
  /** validates, writes atomically, returns what is now in force */
  set(next: unknown): Settings
  /** why the file on disk was not used, when it was not */
  warning?: string
}

/** Settings persisted as JSON in the data folder; a broken file falls back to defaults with a warning, never a crash. */
export function openSettingsStore(dataDir: string): SettingsStore {
  const file = join(dataDir, 'settings.json')
  let current: Settings = structuredClone(DEFAULT_SETTINGS)
  let warning: string | undefined
  if (existsSync(file)) {
    try {
      const parsed = settingsSchema.safeParse({
        ...DEFAULT_SETTINGS,
        ...JSON.parse(readFileSync(file, 'utf8'))
      })
      if (parsed.success) current = parsed.data
      else
        warning = `${file}: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}; using defaults`
    } catch (error) {
      warning = `${file} is not valid JSON (${errorText(error)}); using defaults`
    }
  }
  return {
    warning,
    get: () => structuredClone(current),
    set: (next) => {
      const parsed = settingsSchema.safeParse(next)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        throw new SettingsError(`${issue.path.join('.')}: ${issue.message}`)
      }
      mkdirSync(dirname(file), { recursive: true })
      // write-then-rename so a crash mid-write never leaves half a settings file
      writeFileSync(`${file}.tmp`, JSON.stringify(parsed.data, null, 2) + '\n')
      renameSync(`${file}.tmp`, file)
      current = parsed.data
      return structuredClone(current)
    }
  }
}

export class SettingsError extends Error {}
