// Pure helpers for the Workloads view: the server's validation lines parsed back to lines and fields,
// and the per-service figures (market mix, error share, savings) derived from a WorkloadView.
import type { WorkloadView } from '@shared/api'

/** One problem of an applied file, as the server words it: `file:line: field: message`. */
export interface WorkloadProblem {
  /** 1-based line in the file, or null when the server named no line */
  line: number | null
  /** the field path (`replicas`, `checkpoint.stateGiB`), or null for a whole-document problem */
  field: string | null
  message: string
}

// `field` is a dotted path of names and indices (`args.2`, `health.intervalSeconds`); a message such
// as `unknown field "replica"` or `invalid JSON: ...` has no field before its first colon.
const PROBLEM = /^(?<file>[^:\n]+):(?<line>\d+): (?:(?<field>[A-Za-z_][\w.-]*): )?(?<message>.*)$/

/** Splits a 400's message into problems, one per line; a line without the prefix is kept whole. */
export function parseProblems(message: string): WorkloadProblem[] {
  return message
    .split('\n')
    .map((text) => text.trim())
    .filter((text) => text.length > 0)
    .map((text) => {
      const m = PROBLEM.exec(text)
      if (!m?.groups) return { line: null, field: null, message: text }
      return {
        line: Number(m.groups.line),
        field: m.groups.field ?? null,
        message: m.groups.message
      }
    })
}

/** Character offsets [start, end) of a 1-based line in text, clamped to the text. */
export function lineRange(text: string, line: number): [number, number] {
  const lines = text.split('\n')
  const index = Math.min(Math.max(line, 1), lines.length) - 1
  let start = 0
  for (let i = 0; i < index; i++) start += lines[i].length + 1
  return [start, start + lines[index].length]
}

export interface ServiceFigures {
  spot: number
  ondemand: number
  /** errors / requests in %, null before the first request */
  errorPct: number | null
  /** saved against the same instances on demand, in %, null when nothing runs */
  savingsPct: number | null
}

export function serviceFigures(w: WorkloadView): ServiceFigures {
  const live = w.instances.filter((i) => i.state !== 'terminated' && i.state !== 'stopped')
  const spot = live.filter((i) => i.market === 'spot').length
  const router = w.router
  return {
    spot,
    ondemand: live.length - spot,
    errorPct: router && router.requests > 0 ? (router.errors / router.requests) * 100 : null,
    savingsPct: w.ondemandCostPerHour > 0 ? (1 - w.costPerHour / w.ondemandCostPerHour) * 100 : null
  }
}

/** the NAME of arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID */
export function targetGroupName(arn: string): string {
  return /:targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn
}

/** "healthy" when every wanted replica answers, "degraded" when some do, "down" when none do. */
export function serviceHealth(w: WorkloadView): 'healthy' | 'degraded' | 'down' | 'idle' {
  if (w.desired.replicas === 0) return 'idle'
  if (w.ready >= w.desired.replicas) return 'healthy'
  return w.ready > 0 ? 'degraded' : 'down'
}

/** A starting point for the editor: the sandbox demo's shape. */
export const EXAMPLE_SERVICE = `kind: service
name: llama
model: meta-llama/Llama-3.1-8B-Instruct
replicas: 2
standby: 1
instanceTypes: [g5.xlarge]
market: spot-with-fallback
`

/** A field of a workload's applied spec as text, an em dash when absent. */
export function specField(w: WorkloadView, key: string): string {
  const spec = w.spec as Record<string, unknown> | null
  const value = spec && typeof spec === 'object' ? spec[key] : undefined
  return value === undefined || value === null ? '—' : String(value)
}

export interface JobFigures {
  /** work done in % of the work C */
  donePct: number
  /** progress minus ep(t), hours: positive is ahead of uniform progress */
  aheadHours: number
  /** the changeover d from the spec, hours (0 when the spec does not say) */
  changeoverHours: number
  /** saved against the same hours on demand, %, null before anything was billed */
  savingsPct: number | null
  state: 'done' | 'late' | 'running' | 'failed'
}

export function jobFigures(w: WorkloadView): JobFigures | null {
  const job = w.job
  if (!job) return null
  const changeover = Number((w.spec as { changeoverHours?: unknown } | null)?.changeoverHours)
  const ondemand = job.ondemandCostSoFar ?? 0
  const done = job.finishedHours !== undefined
  return {
    donePct: job.workHours > 0 ? (job.progressHours / job.workHours) * 100 : 0,
    aheadHours: job.progressHours - job.expectedProgressHours,
    changeoverHours: Number.isFinite(changeover) && changeover > 0 ? changeover : 0,
    savingsPct: ondemand > 0 ? (1 - (job.costSoFar ?? 0) / ondemand) * 100 : null,
    state: job.failed
      ? 'failed'
      : done
        ? job.finishedHours! <= job.deadlineHours + 1e-9
          ? 'done'
          : 'late'
        : job.elapsedHours > job.deadlineHours
          ? 'late'
          : 'running'
  }
}

/** What the policy does now, in words. */
export const DECISION_TEXT = {
  spot: 'on spot',
  ondemand: 'on on-demand',
  idle: 'waiting (no instance)'
} as const

/** A deadline job to start from: 6 h of work due in 9 h, checkpointed every 30 minutes. */
export const EXAMPLE_JOB = `kind: job
name: finetune
command: ["python", "train.py", "--resume", "/ckpt"]
workHours: 6
deadlineHours: 9
changeoverHours: 0.2
checkpoint: { dir: /ckpt, stateGiB: 20, everyMinutes: 30 }
policy: uniform-progress
instanceTypes: [g5.xlarge]
`
