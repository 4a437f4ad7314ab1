// The workload form's model: a service or a job as the text of each input, to and from the YAML the
// editor applies. Validation is the CLI's own (checkWorkload from src/shared/workload.ts); each
// problem is put on the field it belongs to and worded with that field's label. Fields the form does
// not show (image, env, args, zones, ...) ride along untouched in `extra`, so switching between
// the form and the YAML keeps the whole workload.
import { parseAllDocuments, stringify } from 'yaml'
import { errorText } from '@shared/errors'
import {
  JOB_DEFAULTS,
  JOB_POLICIES,
  SERVICE_DEFAULTS,
  SERVICE_MARKETS,
  checkWorkload,
  type JobPolicy,
  type ServiceMarket
} from '@shared/workload'

export type FormKind = 'service' | 'job'

export interface ServiceFields {
  name: string
  model: string
  replicas: string
  standby: string
  instanceTypes: string
  market: ServiceMarket
  budgetPerHour: string
}

export interface JobFields {
  name: string
  command: string
  workHours: string
  /** hours after submission, or an ISO date and time with a zone */
  deadline: string
  changeoverHours: string
  checkpointDir: string
  checkpointStateGiB: string
  policy: JobPolicy
  instanceTypes: string
}

export interface WorkloadFormState {
  kind: FormKind
  service: ServiceFields
  job: JobFields
  /** keys of the workload the form has no input for, kept as they were */
  extra: Record<string, unknown>
}

export const SERVICE_LABELS: Record<keyof ServiceFields, string> = {
  name: 'Name',
  model: 'Model',
  replicas: 'Replicas',
  standby: 'Standby',
  instanceTypes: 'Instance types',
  market: 'Market',
  budgetPerHour: 'Budget ($/h)'
}

export const JOB_LABELS: Record<keyof JobFields, string> = {
  name: 'Name',
  command: 'Command',
  workHours: 'Work C (h)',
  deadline: 'Deadline R',
  changeoverHours: 'Changeover d (h)',
  checkpointDir: 'Checkpoint folder',
  checkpointStateGiB: 'Checkpoint size (GiB)',
  policy: 'Policy',
  instanceTypes: 'Instance types'
}

export { JOB_POLICIES, SERVICE_MARKETS }

export function emptyForm(): WorkloadFormState {
  return {
    kind: 'service',
    service: {
      name: 'llama',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      replicas: String(SERVICE_DEFAULTS.replicas),
      standby: String(SERVICE_DEFAULTS.standby),
      instanceTypes: 'g5.xlarge',
      market: SERVICE_DEFAULTS.market,
      budgetPerHour: ''
    },
    job: {
      name: 'finetune',
      command: 'python train.py',
      workHours: '6',
      deadline: '9',
      changeoverHours: String(JOB_DEFAULTS.changeoverHours),
      checkpointDir: '',
      checkpointStateGiB: '',
      policy: JOB_DEFAULTS.policy,
      instanceTypes: 'g5.xlarge'
    },
    extra: {}
  }
}

// ---- text <-> values ------------------------------------------------------------------------------

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/

/** A number when the text is one; the text itself otherwise, so the schema names the bad value. */
function numberOrText(text: string): number | string {
  const t = text.trim()
  return NUMBER.test(t) ? Number(t) : t
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** argv from a command line: words, "double" or 'single' quoted parts, or a JSON list. */
export function parseCommand(text: string): string[] {
  const t = text.trim()
  if (t.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(t)
      if (Array.isArray(parsed)) return parsed.map((p) => String(p))
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err
      // not JSON after all: read it as words
    }
  }
  const out: string[] = []
  for (const m of t.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3])
  return out
}

/** A command line for argv: parts with spaces or quotes are quoted. */
export function commandText(argv: readonly string[]): string {
  return argv
    .map((p) => (/^[^\s"']+$/.test(p) ? p : p.includes('"') ? `'${p}'` : `"${p}"`))
    .join(' ')
}

/** The workload the form describes (what the YAML will hold), before validation. */
export function formToInput(state: WorkloadFormState): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: state.kind }
  if (state.kind === 'service') {
    const s = state.service
    out.name = s.name.trim()
    out.model = s.model.trim()
    out.replicas = numberOrText(s.replicas)
    out.standby = numberOrText(s.standby)
    out.instanceTypes = list(s.instanceTypes)
    out.market = s.market
    if (s.budgetPerHour.trim()) out.budgetPerHour = numberOrText(s.budgetPerHour)
  } else {
    const j = state.job
    out.name = j.name.trim()
    out.command = parseCommand(j.command)
    out.workHours = numberOrText(j.workHours)
    const deadline = numberOrText(j.deadline)
    if (typeof deadline === 'number') out.deadlineHours = deadline
    else if (deadline) out.deadline = deadline
    out.changeoverHours = numberOrText(j.changeoverHours)
    if (j.checkpointDir.trim() || j.checkpointStateGiB.trim())
      out.checkpoint = {
        ...((state.extra.checkpoint as Record<string, unknown> | undefined) ?? {}),
        dir: j.checkpointDir.trim(),
        stateGiB: numberOrText(j.checkpointStateGiB)
      }
    out.policy = j.policy
    out.instanceTypes = list(j.instanceTypes)
  }
  // the keys the form does not show, kept as the YAML had them (checkpoint is merged above)
  for (const [k, v] of Object.entries(state.extra))
    if (!(k in out) && k !== 'checkpoint') out[k] = v
  return out
}

export function formToYaml(state: WorkloadFormState): string {
  return stringify(formToInput(state), { lineWidth: 0 })
}

const SERVICE_KEYS = new Set([
  'kind',
  'name',
  'model',
  'replicas',
  'standby',
  'instanceTypes',
  'market',
  'budgetPerHour'
])
const JOB_KEYS = new Set([
  'kind',
  'name',
  'command',
  'workHours',
  'deadline',
  'deadlineHours',
  'changeoverHours',
  'policy',
  'instanceTypes'
])

function text(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (Array.isArray(v)) return v.map((x) => String(x)).join(', ')
  return String(v)
}

export type YamlRead = { ok: true; state: WorkloadFormState } | { ok: false; reason: string }

/** The form for the editor's text: one service or job; anything else stays in the YAML editor. */
export function yamlToForm(source: string, base: WorkloadFormState = emptyForm()): YamlRead {
  let docs
  try {
    docs = parseAllDocuments(source)
  } catch (err) {
    return { ok: false, reason: `The YAML could not be read: ${errorText(err)}` }
  }
  const list = Array.isArray(docs) ? docs : [docs]
  const real = list.filter((d) => d.contents !== null)
  if (real.length !== 1)
    return {
      ok: false,
      reason: `The form edits one workload; this file has ${real.length}. Keep editing it as YAML.`
    }
  const doc = real[0]
  if (doc.errors.length > 0)
    return { ok: false, reason: `The YAML could not be read: ${doc.errors[0].message}` }
  const value: unknown = doc.toJS()
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return {
      ok: false,
      reason: 'The form edits a workload: a map with kind: service or kind: job.'
    }
  const w = value as Record<string, unknown>
  // the other kind's inputs stay as they were (all text), so switching kind back finds them
  const state: WorkloadFormState = {
    kind: base.kind,
    service: { ...base.service },
    job: { ...base.job },
    extra: {}
  }
  if (w.kind === 'service') {
    state.kind = 'service'
    state.service = {
      name: text(w.name),
      model: text(w.model),
      replicas: text(w.replicas ?? SERVICE_DEFAULTS.replicas),
      standby: text(w.standby ?? SERVICE_DEFAULTS.standby),
      instanceTypes: text(w.instanceTypes),
      market: SERVICE_MARKETS.includes(w.market as ServiceMarket)
        ? (w.market as ServiceMarket)
        : SERVICE_DEFAULTS.market,
      budgetPerHour: text(w.budgetPerHour)
    }
    for (const [k, v] of Object.entries(w)) if (!SERVICE_KEYS.has(k)) state.extra[k] = v
    if (w.market !== undefined && !SERVICE_MARKETS.includes(w.market as ServiceMarket))
      return {
        ok: false,
        reason: `market ${text(w.market)} is not one the form offers; fix it in YAML.`
      }
  } else if (w.kind === 'job') {
    state.kind = 'job'
    const checkpoint = (w.checkpoint ?? {}) as Record<string, unknown>
    state.job = {
      name: text(w.name),
      command: Array.isArray(w.command)
        ? commandText(w.command.map((c) => String(c)))
        : text(w.command),
      workHours: text(w.workHours),
      deadline: text(w.deadlineHours ?? w.deadline),
      changeoverHours: text(w.changeoverHours ?? JOB_DEFAULTS.changeoverHours),
      checkpointDir: text(checkpoint.dir),
      checkpointStateGiB: text(checkpoint.stateGiB),
      policy: JOB_POLICIES.includes(w.policy as JobPolicy)
        ? (w.policy as JobPolicy)
        : JOB_DEFAULTS.policy,
      instanceTypes: text(w.instanceTypes)
    }
    for (const [k, v] of Object.entries(w)) if (!JOB_KEYS.has(k)) state.extra[k] = v
    if (w.policy !== undefined && !JOB_POLICIES.includes(w.policy as JobPolicy))
      return {
        ok: false,
        reason: `policy ${text(w.policy)} is not one the form offers; fix it in YAML.`
      }
  } else return { ok: false, reason: 'The form edits a workload with kind: service or kind: job.' }
  return { ok: true, state }
}

// ---- validation -----------------------------------------------------------------------------------

/** The field a problem's path belongs to ('' for one the form has no input for). */
function fieldOf(kind: FormKind, path: readonly (string | number)[]): string {
  const head = String(path[0] ?? '')
  if (kind === 'job') {
    if (head === 'deadlineHours' || head === 'deadline' || head === '') return 'deadline'
    if (head === 'checkpoint')
      return path[1] === 'stateGiB' ? 'checkpointStateGiB' : 'checkpointDir'
    return head in JOB_LABELS ? head : ''
  }
  return head in SERVICE_LABELS ? head : ''
}

export interface FormProblem {
  /** the field key, '' for a key the form does not show (it is in the YAML) */
  field: string
  label: string
  message: string
}

/** The CLI's validation of the form's workload, each problem at its field, named by its label. */
export function checkForm(state: WorkloadFormState): FormProblem[] {
  const checked = checkWorkload(formToInput(state))
  if (checked.ok) return []
  const labels: Record<string, string> = state.kind === 'job' ? JOB_LABELS : SERVICE_LABELS
  return checked.problems.map((p) => {
    const field = fieldOf(state.kind, p.path)
    return {
      field,
      label: field ? labels[field] : p.path.map(String).join('.') || 'Workload',
      message: p.message
    }
  })
}
