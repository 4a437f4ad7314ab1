import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync
} from 'node:fs'
import { dirname, join } from 'node:path'
import { DEFAULT_SETTINGS, settingsSchema, type Settings } from '../../shared/api'
import { loadTrace, TraceError } from '../simulator/traces'
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
      // a new trace is loaded once here, so a path that cannot be replayed is refused when it is
      // given rather than found at the next start (the one in force was checked at its start)
      const tracePath = parsed.data.sandbox.tracePath
      if (tracePath && tracePath !== current.sandbox.tracePath) checkSandboxTrace(tracePath)
      // answered as saved only once on disk: a write that fails (full disk, read-only folder) keeps
      // the settings in force as they were and is answered 503 with the reason
      try {
        writeDurably(file, JSON.stringify(parsed.data, null, 2) + '\n')
      } catch (error) {
        throw new SettingsWriteError(`settings not saved to ${file}: ${errorText(error)}`)
      }
      current = parsed.data
      return structuredClone(current)
    }
  }
}

/** Write-then-rename, synced before the rename, so a crash never leaves half a settings file. */
function writeDurably(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true })
  const tmp = `${file}.tmp`
  let fd: number | undefined
  let created = false
  try {
    fd = openSync(tmp, 'w')
    created = true
    writeSync(fd, text)
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(tmp, file)
  } catch (error) {
    if (fd !== undefined) closeSync(fd)
    if (created) rmSync(tmp, { force: true })
    throw error
  }
}

/** The settings could not be written: the API answers 503 with the reason. */
export class SettingsWriteError extends Error {
  readonly apiCode = 'unavailable'
}

/** Settings the caller must fix; the API answers it 400. */
export class SettingsError extends Error {
  readonly badRequest = true
}

/** Throws a SettingsError naming the problem when the sandbox cannot replay this trace path. */
export function checkSandboxTrace(path: string): void {
  try {
    loadTrace(path)
  } catch (error) {
    if (error instanceof TraceError) throw new SettingsError(`sandbox.tracePath: ${error.message}`)
    throw error
  }
}
