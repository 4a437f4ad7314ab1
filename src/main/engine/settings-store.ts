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
    let raw: unknown
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'))
    } catch (error) {
      warning = `${file} is not valid JSON (${errorText(error)}); using defaults`
    }
    if (raw !== undefined) {
      const read = readSettingsFields(raw)
      current = read.settings
      if (read.problems.length)
        warning = `${file}: ${read.problems.join('; ')} (those fields use their defaults)`
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

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** `over` laid on `base` field by field (objects merge, anything else replaces) */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v)
  return out
}

function at(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value
  for (const k of path) v = isPlainObject(v) || Array.isArray(v) ? (v as never)[k] : undefined
  return v
}

/** replaces the value at `path` (or the nearest existing parent) with the default's */
function resetField(target: Record<string, unknown>, path: readonly PropertyKey[]): void {
  // a bad list entry resets the whole list: half a list is not what anyone wrote
  const cut = path.findIndex((k) => typeof k === 'number')
  const field = (cut === -1 ? path : path.slice(0, cut)).map(String)
  let parent: Record<string, unknown> = target
  for (const k of field.slice(0, -1)) {
    if (!isPlainObject(parent[k])) return
    parent = parent[k]
  }
  const last = field[field.length - 1]
  if (last === undefined) return
  const fallback = at(DEFAULT_SETTINGS, field)
  if (fallback === undefined) delete parent[last]
  else parent[last] = structuredClone(fallback)
}

/**
 * A settings file read field by field: what it sets is laid over the defaults, and each field that
 * does not validate keeps its default with one problem line, so one typo never discards the rest.
 */
export function readSettingsFields(raw: unknown): { settings: Settings; problems: string[] } {
  if (!isPlainObject(raw))
    return { settings: structuredClone(DEFAULT_SETTINGS), problems: ['not a JSON object'] }
  const merged = deepMerge(structuredClone(DEFAULT_SETTINGS), raw) as Record<string, unknown>
  const problems: string[] = []
  for (let round = 0; round < 50; round++) {
    const parsed = settingsSchema.safeParse(merged)
    if (parsed.success) return { settings: parsed.data, problems }
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || '(top)'}: ${issue.message}`)
      resetField(merged, issue.path)
    }
  }
  return { settings: structuredClone(DEFAULT_SETTINGS), problems: [...problems, 'using defaults'] }
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
