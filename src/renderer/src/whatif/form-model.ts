// The What-if form's model: every simulator parameter as the text the person typed, keyed by its
// config path ("durationHours", "workload.tasks", "market.hazard.perHour", "instanceTypes.0.name"),
// plus the few choices (policies, migration, market / hazard / workload kind). formToConfig turns it
// into a SimulationConfig and checks it with the engine's own rules (checkSimulationConfig); every
// error keeps the path, so the view can show it next to the field that caused it.
import { checkSimulationConfig } from '@shared/simulation-schema'
import {
  ALL_POLICIES,
  DEADLINE_ONLY_POLICIES,
  type MigrationStrategy,
  type PolicyName,
  type SimulationConfig
} from '@shared/simulation'

export type MarketKind = 'synthetic' | 'trace'
export type HazardKind = 'fixed' | 'price-linked'
export type WorkloadKind = 'batch' | 'deadline'
export type Group = 'basics' | 'market' | 'workload' | 'advanced'

export interface FormState {
  /** text of every number / text / list field, keyed by its config path */
  values: Record<string, string>
  policies: PolicyName[]
  migration: MigrationStrategy
  marketKind: MarketKind
  hazardKind: HazardKind
  workloadKind: WorkloadKind
}

export type FieldType = 'int' | 'number' | 'text' | 'numbers' | 'texts'

export interface FieldSpec {
  path: string
  label: string
  type: FieldType
  group: Group
  /** shown only when this holds */
  when?: (s: FormState) => boolean
  hint?: string
}

const synthetic = (s: FormState): boolean => s.marketKind === 'synthetic'
const batch = (s: FormState): boolean => s.workloadKind === 'batch'

export const FIELDS: FieldSpec[] = [
  { path: 'seed', label: 'Seed', type: 'int', group: 'basics' },
  {
    path: 'runs',
    label: 'Runs',
    type: 'int',
    group: 'basics',
    hint: 'seeded runs; more runs narrow the 95% intervals'
  },
  { path: 'durationHours', label: 'Duration (h)', type: 'number', group: 'basics' },

  {
    path: 'market.zones',
    label: 'Zones (comma-separated)',
    type: 'texts',
    group: 'market',
    when: synthetic
  },
  {
    path: 'market.tickSeconds',
    label: 'Price tick (s)',
    type: 'number',
    group: 'market',
    when: synthetic
  },
  {
    path: 'market.reversionPerHour',
    label: 'Reversion (/h)',
    type: 'number',
    group: 'market',
    when: synthetic
  },
  {
    path: 'market.volatility',
    label: 'Volatility',
    type: 'number',
    group: 'market',
    when: synthetic
  },
  {
    path: 'market.dailyAmplitude',
    label: 'Daily amplitude (fraction)',
    type: 'number',
    group: 'market',
    when: synthetic
  },
  {
    path: 'market.zoneSpread',
    label: 'Zone spread (fraction)',
    type: 'number',
    group: 'market',
    when: synthetic
  },
  {
    path: 'market.hazard.perHour',
    label: 'Reclaim rate (/h)',
    type: 'number',
    group: 'market',
    when: (s) => synthetic(s) && s.hazardKind === 'fixed'
  },
  {
    path: 'market.hazard.basePerHour',
    label: 'Base reclaim rate (/h)',
    type: 'number',
    group: 'market',
    when: (s) => synthetic(s) && s.hazardKind === 'price-linked'
  },
  {
    path: 'market.hazard.elasticity',
    label: 'Elasticity',
    type: 'number',
    group: 'market',
    when: (s) => synthetic(s) && s.hazardKind === 'price-linked'
  },
  {
    path: 'market.outageMeanSeconds',
    label: 'Outage mean (s)',
    type: 'number',
    group: 'market',
    when: synthetic
  },
  {
    path: 'market.path',
    label: 'Trace path',
    type: 'text',
    group: 'market',
    when: (s) => s.marketKind === 'trace'
  },
  {
    path: 'market.binaryCapacity',
    label: 'Capacity of a 0/1 trace zone',
    type: 'number',
    group: 'market',
    when: (s) => s.marketKind === 'trace'
  },

  { path: 'workload.tasks', label: 'Tasks', type: 'int', group: 'workload', when: batch },
  {
    path: 'workload.arrivalWindowHours',
    label: 'Arrival window (h)',
    type: 'number',
    group: 'workload',
    when: batch,
    hint: '0: all at once'
  },
  {
    path: 'workload.meanTaskHours',
    label: 'Mean task (h)',
    type: 'number',
    group: 'workload',
    when: batch
  },
  {
    path: 'workload.taskHoursCv',
    label: 'Task time CV',
    type: 'number',
    group: 'workload',
    when: batch
  },
  {
    path: 'workload.gpuMemoryChoicesGiB',
    label: 'GPU memory choices (GiB, comma-separated)',
    type: 'numbers',
    group: 'workload',
    when: batch
  },
  {
    path: 'workload.stateGiBMin',
    label: 'State min (GiB)',
    type: 'number',
    group: 'workload',
    when: batch
  },
  {
    path: 'workload.stateGiBMax',
    label: 'State max (GiB)',
    type: 'number',
    group: 'workload',
    when: batch
  },
  {
    path: 'workload.checkpointIntervalSeconds',
    label: 'Checkpoint interval (s)',
    type: 'number',
    group: 'workload',
    when: batch,
    hint: '0: never'
  },
  { path: 'workload.models', label: 'Models', type: 'int', group: 'workload', when: batch },
  {
    path: 'workload.coldStartSeconds',
    label: 'Cold start (s)',
    type: 'number',
    group: 'workload',
    when: batch
  },
  {
    path: 'workload.computeHours',
    label: 'Compute C (h)',
    type: 'number',
    group: 'workload',
    when: (s) => !batch(s)
  },
  {
    path: 'workload.deadlineHours',
    label: 'Deadline R (h)',
    type: 'number',
    group: 'workload',
    when: (s) => !batch(s)
  },

  {
    path: 'graceSeconds',
    label: 'Grace (s)',
    type: 'number',
    group: 'advanced',
    hint: 'interruption notice'
  },
  { path: 'changeoverSeconds', label: 'Changeover (s)', type: 'number', group: 'advanced' },
  { path: 'idleReleaseSeconds', label: 'Idle release (s)', type: 'number', group: 'advanced' },
  {
    path: 'fallbackAfterPreemptions',
    label: 'Fallback after N preemptions',
    type: 'int',
    group: 'advanced'
  },
  {
    path: 'checkpoint.fullThreshold',
    label: 'Checkpoint full threshold',
    type: 'number',
    group: 'advanced'
  },
  {
    path: 'checkpoint.partialThreshold',
    label: 'Checkpoint partial threshold',
    type: 'number',
    group: 'advanced'
  },
  { path: 'instanceTypes.0.name', label: 'Instance type', type: 'text', group: 'advanced' },
  { path: 'instanceTypes.0.gpus', label: 'GPUs', type: 'int', group: 'advanced' },
  {
    path: 'instanceTypes.0.gpuMemoryGiB',
    label: 'GPU memory (GiB)',
    type: 'number',
    group: 'advanced'
  },
  {
    path: 'instanceTypes.0.networkGbps',
    label: 'Network (Gbit/s)',
    type: 'number',
    group: 'advanced'
  },
  {
    path: 'instanceTypes.0.onDemandPrice',
    label: 'On-demand ($/h)',
    type: 'number',
    group: 'advanced'
  },
  {
    path: 'instanceTypes.0.meanSpotPrice',
    label: 'Mean spot ($/h)',
    type: 'number',
    group: 'advanced'
  }
]

/** Paths that are not a field but carry errors of their own (shown at the top of their section). */
export const GROUP_PATHS: Record<string, Group> = {
  policies: 'basics',
  migration: 'basics',
  market: 'market',
  'market.hazard': 'market',
  workload: 'workload',
  checkpoint: 'advanced',
  instanceTypes: 'advanced',
  '': 'basics'
}

/** Values a field starts with when the default config does not have it (the other market / workload kind). */
const FALLBACKS: Record<string, string> = {
  seed: '1',
  runs: '1',
  durationHours: '48',
  graceSeconds: '120',
  changeoverSeconds: '300',
  idleReleaseSeconds: '600',
  fallbackAfterPreemptions: '2',
  'checkpoint.fullThreshold': '0.8',
  'checkpoint.partialThreshold': '0.3',
  'instanceTypes.0.name': 'p3.2xlarge',
  'instanceTypes.0.gpus': '1',
  'instanceTypes.0.gpuMemoryGiB': '16',
  'instanceTypes.0.networkGbps': '10',
  'instanceTypes.0.onDemandPrice': '3.06',
  'instanceTypes.0.meanSpotPrice': '0.92',
  'market.zones': 'us-east-1a, us-east-1b, us-east-1c',
  'market.tickSeconds': '300',
  'market.reversionPerHour': '0.5',
  'market.volatility': '0.15',
  'market.dailyAmplitude': '0.05',
  'market.zoneSpread': '0.1',
  'market.hazard.perHour': '0.05',
  'market.hazard.basePerHour': '0.05',
  'market.hazard.elasticity': '2',
  'market.outageMeanSeconds': '1800',
  'market.path': '',
  'market.binaryCapacity': '1000',
  'workload.tasks': '100',
  'workload.arrivalWindowHours': '24',
  'workload.meanTaskHours': '2',
  'workload.taskHoursCv': '0.5',
  'workload.gpuMemoryChoicesGiB': '8, 12, 16',
  'workload.stateGiBMin': '5',
  'workload.stateGiBMax': '600',
  'workload.checkpointIntervalSeconds': '1800',
  'workload.models': '4',
  'workload.coldStartSeconds': '120',
  'workload.computeHours': '30',
  'workload.deadlineHours': '60'
}

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[key]
  }
  return cur
}

function set(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let cur: Record<string, unknown> | unknown[] = obj
  keys.forEach((key, i) => {
    const last = i === keys.length - 1
    const k = /^\d+$/.test(key) && Array.isArray(cur) ? Number(key) : key
    const c = cur as Record<string | number, unknown>
    if (last) c[k] = value
    else {
      if (c[k] === undefined || c[k] === null || typeof c[k] !== 'object')
        c[k] = /^\d+$/.test(keys[i + 1]) ? [] : {}
      cur = c[k] as Record<string, unknown>
    }
  })
}

function toText(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => String(v)).join(', ')
  if (value === undefined || value === null) return ''
  return String(value)
}

/** Hours shown for a deadline job's changeover, seconds otherwise. */
export function changeoverInHours(kind: WorkloadKind): boolean {
  return kind === 'deadline'
}

/** The form for a config (the defaults from the engine, or a saved run's config). */
export function configToForm(config: SimulationConfig): FormState {
  const values: Record<string, string> = { ...FALLBACKS }
  for (const field of FIELDS) {
    const v = get(config, field.path)
    if (v !== undefined) values[field.path] = toText(v)
  }
  const workloadKind: WorkloadKind = config.workload?.kind === 'deadline' ? 'deadline' : 'batch'
  const changeover = parseNumber(values.changeoverSeconds ?? '')
  if (changeoverInHours(workloadKind) && changeover !== null)
    values.changeoverSeconds = String(round(changeover / 3600))
  const market = config.market
  const hazardKind: HazardKind =
    market?.kind === 'synthetic' && market.hazard?.kind === 'price-linked'
      ? 'price-linked'
      : 'fixed'
  return {
    values,
    policies: [...(config.policies ?? ['greedy', 'fallback', 'ondemand'])],
    migration: config.migration ?? 'optimal',
    marketKind: market?.kind === 'trace' ? 'trace' : 'synthetic',
    hazardKind,
    workloadKind
  }
}

function round(n: number): number {
  return Number(n.toPrecision(10))
}

/** Switches between batch and deadline job: converts the changeover's unit and drops deadline-only policies for a batch. */
export function setWorkloadKind(state: FormState, kind: WorkloadKind): void {
  if (state.workloadKind === kind) return
  const n = parseNumber(state.values.changeoverSeconds ?? '')
  if (n !== null)
    state.values.changeoverSeconds = String(round(kind === 'deadline' ? n / 3600 : n * 3600))
  state.workloadKind = kind
  if (kind === 'batch')
    state.policies = state.policies.filter((p) => !DEADLINE_ONLY_POLICIES.includes(p))
}

/** True when the policy cannot be picked for this workload. */
export function policyDisabled(policy: PolicyName, kind: WorkloadKind): boolean {
  return kind === 'batch' && DEADLINE_ONLY_POLICIES.includes(policy)
}

const NUMBER_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/

/** A finite number, or null for anything else (empty, "abc", "1,5"). */
export function parseNumber(text: string): number | null {
  const t = text.trim()
  if (!NUMBER_RE.test(t)) return null
  const n = Number(t)
  return Number.isFinite(n) ? n : null
}

export interface FieldError {
  path: string
  message: string
}

export interface BuildResult {
  /** the config as far as it could be built (NaN where a number could not be read) */
  config: SimulationConfig
  /** input errors (not a number) first, then the engine's rules; empty when the config is valid */
  errors: FieldError[]
  ok: boolean
}

/** Builds the config from the form and checks it with the same rules the engine applies. */
export function formToConfig(state: FormState): BuildResult {
  const out: Record<string, unknown> = {}
  const inputErrors: FieldError[] = []
  const visible = FIELDS.filter((f) => !f.when || f.when(state))
  for (const field of visible) {
    const text = state.values[field.path] ?? ''
    let value: unknown
    if (field.type === 'text') value = text.trim()
    else if (field.type === 'texts')
      value = text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    else if (field.type === 'numbers') {
      const parts = text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
      const nums = parts.map(parseNumber)
      if (nums.some((n) => n === null)) {
        inputErrors.push({
          path: field.path,
          message: `${field.label.replace(/ \(.*$/, '')}: every value must be a number`
        })
        value = nums.map((n) => n ?? Number.NaN)
      } else value = nums
    } else {
      const n = parseNumber(text)
      if (n === null) {
        inputErrors.push({
          path: field.path,
          message:
            text.trim() === '' ? `${field.label} is required` : `${field.label} must be a number`
        })
        value = Number.NaN
      } else value = n
    }
    set(out, field.path, value)
  }
  if (changeoverInHours(state.workloadKind) && typeof out.changeoverSeconds === 'number')
    out.changeoverSeconds = round(out.changeoverSeconds * 3600)
  out.policies = ALL_POLICIES.filter((p) => state.policies.includes(p))
  out.migration = state.migration
  const market = (out.market ?? {}) as Record<string, unknown>
  if (state.marketKind === 'synthetic')
    market.hazard = { kind: state.hazardKind, ...(market.hazard as Record<string, unknown>) }
  out.market =
    state.marketKind === 'synthetic'
      ? { kind: 'synthetic', ...market }
      : { kind: 'trace', ...market }
  const workload = (out.workload ?? {}) as Record<string, unknown>
  out.workload = { kind: state.workloadKind, ...workload }
  out.instanceTypes = [(out.instanceTypes as unknown[])[0]]
  const config = reorder(out) as unknown as SimulationConfig

  const check = checkSimulationConfig(config)
  if (check.ok && inputErrors.length === 0) return { config: check.config, errors: [], ok: true }
  const taken = new Set(inputErrors.map((e) => e.path))
  const ruleErrors = check.ok
    ? []
    : check.errors
        .filter((e) => !taken.has(e.path) && ![...taken].some((p) => e.path.startsWith(`${p}.`)))
        .map((e) => ({ path: e.path, message: guiMessage(e.message) }))
  return { config, errors: [...inputErrors, ...ruleErrors], ok: false }
}

// ---- GUI words ------------------------------------------------------------------------------------

/** Section paths that are not a field, in words. */
const SECTION_LABELS: Record<string, string> = {
  '': 'Settings',
  policies: 'Policies',
  migration: 'Migration',
  market: 'Market',
  'market.hazard': 'Reclaim hazard',
  workload: 'Workload',
  checkpoint: 'Checkpoint thresholds',
  instanceTypes: 'Instance type'
}

/** The CLI's flags as the form's labels (the engine's rules word some problems for the CLI). */
const FLAG_LABELS: Record<string, string> = {
  '--duration': 'Duration (h)',
  '--job': 'Compute C (h)',
  '--deadline': 'Deadline R (h)',
  '--changeover': 'Changeover',
  '--runs': 'Runs',
  '--seed': 'Seed',
  '--tasks': 'Tasks',
  '--grace': 'Grace (s)',
  '--trace': 'Trace'
}

/** camelCase config keys ("tickSeconds", "partialThreshold") to the label of their field. */
const KEY_LABELS: [RegExp, string][] = FIELDS.flatMap((f): [RegExp, string][] => {
  const key = f.path.split('.').pop() ?? f.path
  return /[A-Z]/.test(key) ? [[new RegExp(`\\b${key}\\b`, 'g'), f.label]] : []
})

/**
 * A message of the engine's rules in the form's words: no CLI flags ("--duration"), no internal
 * keys ("durationHours"), each replaced by the label of the field it means.
 */
export function guiMessage(message: string): string {
  return KEY_LABELS.reduce(
    (text, [re, label]) => text.replace(re, label),
    message
      .replace(/ \(--[a-z-]+(?: and --[a-z-]+)?\)/g, '')
      .replace(/: add --trace\b/g, ': pick a trace under Market')
      .replace(/--[a-z][a-z-]*/g, (flag) => FLAG_LABELS[flag] ?? flag)
  )
}

/** The words for an error's path: its field's label, or its section's name. */
export function pathLabel(path: string, state?: FormState): string {
  const key = fieldForError(path, state)
  const field = FIELDS.find((f) => f.path === key)
  if (field) {
    if (field.path === 'changeoverSeconds' && state && changeoverInHours(state.workloadKind))
      return 'Changeover (h)'
    return field.label
  }
  return SECTION_LABELS[key] ?? SECTION_LABELS['']
}

/**
 * Checks the run fits in the trace it replays (the engine refuses a window longer than the trace):
 * the duration, and for a deadline job the deadline too, at most the trace's hours.
 */
export function traceFitErrors(state: FormState, traceHours: number | null): FieldError[] {
  if (state.marketKind !== 'trace' || traceHours === null || !(traceHours > 0)) return []
  const out: FieldError[] = []
  const hours = formatHours(traceHours)
  const duration = parseNumber(state.values.durationHours ?? '')
  if (duration !== null && duration > traceHours + 1e-9)
    out.push({
      path: 'durationHours',
      message: `Duration (h) is longer than the trace (${hours} h): at most ${hours}`
    })
  if (state.workloadKind === 'deadline') {
    const deadline = parseNumber(state.values['workload.deadlineHours'] ?? '')
    if (deadline !== null && deadline > traceHours + 1e-9)
      out.push({
        path: 'workload.deadlineHours',
        message: `Deadline R (h) is longer than the trace (${hours} h): at most ${hours}`
      })
  }
  return out
}

/** Hours rounded down to 0.01 (a duration of this many hours still fits the trace). */
export function fittingHours(hours: number): number {
  return Math.floor(hours * 100 + 1e-9) / 100
}

function formatHours(hours: number): string {
  return String(fittingHours(hours))
}

const ORDER = [
  'seed',
  'runs',
  'durationHours',
  'policies',
  'migration',
  'graceSeconds',
  'changeoverSeconds',
  'idleReleaseSeconds',
  'fallbackAfterPreemptions',
  'checkpoint',
  'instanceTypes',
  'market',
  'workload'
]

function reorder(o: Record<string, unknown>): Record<string, unknown> {
  const r: Record<string, unknown> = {}
  for (const k of ORDER) if (k in o) r[k] = o[k]
  return r
}

/** The field (or section path) an error belongs to: the longest known path that is it or contains it. */
export function fieldForError(path: string, state?: FormState): string {
  const known = [
    ...FIELDS.filter((f) => !state || !f.when || f.when(state)).map((f) => f.path),
    ...Object.keys(GROUP_PATHS)
  ]
  let best = ''
  for (const p of known) {
    if ((path === p || path.startsWith(`${p}.`) || p === '') && p.length >= best.length) best = p
  }
  return best
}

/** The section an error is shown in. */
export function groupForPath(path: string): Group {
  const field = FIELDS.find((f) => f.path === path)
  if (field) return field.group
  return GROUP_PATHS[path] ?? 'basics'
}

/** Errors grouped by the field (or section path) they belong to. */
export function errorsByField(errors: FieldError[], state?: FormState): Record<string, string[]> {
  const map: Record<string, string[]> = {}
  for (const e of errors) {
    const key = fieldForError(e.path, state)
    ;(map[key] ??= []).push(e.message)
  }
  return map
}
