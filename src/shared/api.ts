// The one typed API between the cockpit and the engine. The Electron bridge (ipcRenderer.invoke) and
// the daemon's HTTP transport (POST /api/rpc/<method>) carry exactly these methods, and both sides
// validate every input against the schemas here before anything runs.
import { z } from 'zod'
import type { DrainResult, FleetEvent, ManagedInstance, SpotPricePoint } from './fleet'
import { FLEET_EVENT_KINDS } from './fleet'
import type { SimulationConfig, SimulationOutput } from './simulation'
import { simulationConfigSchema } from './simulation-schema'

/** Latest instant a JavaScript Date can hold (ms since the epoch); beyond it no date exists. */
export const MAX_TIME_MS = 8.64e15
/** Rows a window query answers at most; a window that holds more is cut (see each method). */
export const MAX_WINDOW_ROWS = 100_000
/** Ticks an exported trace may have: 100,000 ticks of the default 300 s are 347 days. */
export const MAX_EXPORT_TICKS = 100_000
/** Names of zones, instance types and the like. */
const NAME_MAX = 64

const time = z
  .number({ error: 'time must be a number (ms since the epoch)' })
  .finite('time must be a finite number (ms since the epoch)')
  .min(0, 'time must be >= 0 (ms since the epoch)')
  .max(MAX_TIME_MS, `time must be <= ${MAX_TIME_MS} (ms since the epoch)`)
const window = z
  .object({ from: time, to: time })
  .refine((w) => w.to > w.from, { message: '"to" must be after "from"' })
const instanceId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'instance id looks wrong')
const workloadName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/, 'workload name: lowercase letters, digits and -')
const name = (what: string) =>
  z
    .string()
    .min(1, `${what} is empty`)
    .max(NAME_MAX, `${what} is longer than ${NAME_MAX} characters`)
const rowLimit = z
  .number()
  .int('limit must be a whole number')
  .min(1, 'limit must be >= 1')
  .max(MAX_WINDOW_ROWS, `limit must be <= ${MAX_WINDOW_ROWS}`)
/** Tick of an exported trace unless the call names one. */
export const DEFAULT_EXPORT_GAP_SECONDS = 300

export const settingsSchema = z.object({
  mode: z.enum(['sandbox', 'aws'], { error: 'mode must be sandbox or aws' }),
  aws: z.object({
    profile: z.string().max(128, 'profile name is too long'),
    regions: z
      .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'region must look like us-east-1'))
      .min(1, 'at least one region')
      .max(32, 'at most 32 regions'),
    fleetTag: z
      .string()
      .regex(/^[A-Za-z0-9_.:/=+@-]{1,128}$/, 'fleet tag: 1-128 letters, digits or _.:/=+@-'),
    sqsQueueUrl: z
      .string()
      .max(2048, 'queue URL is too long')
      .url('queue URL must be a URL')
      .or(z.literal('')),
    /** AMI launched instances boot (e.g. an AWS Deep Learning AMI with Docker and NVIDIA drivers) */
    imageId: z
      .string()
      .regex(/^(ami-[0-9a-f]{8,17})?$/, 'AMI id must look like ami-0123456789abcdef0'),
    securityGroupIds: z
      .array(
        z
          .string()
          .regex(/^sg-[0-9a-f]{8,17}$/, 'security group must look like sg-0123456789abcdef0')
      )
      .max(16, 'at most 16 security groups'),
    keyName: z.string().max(255),
    instanceProfileName: z.string().max(128)
  }),
  /** what launches, replacements and the standby pool use */
  fleet: z.object({
    instanceType: z
      .string()
      .regex(/^[a-z0-9]+\.[a-z0-9]+$/, 'instance type must look like g5.xlarge'),
    model: z.string().max(200),
    /** where node agents report (a daemon they can reach); empty: agents record events as instance tags */
    cockpitUrl: z
      .string()
      .max(2048, 'cockpit URL is too long')
      .url('cockpit URL must be a URL')
      .or(z.literal(''))
  }),
  sandbox: z.object({
    speed: z.number().min(1, 'speed must be >= 1').max(3600, 'speed must be <= 3600'),
    /** a trace file or folder the sandbox replays ('' = the synthetic market); checked when saved */
    tracePath: z.string().max(4096, 'trace path is longer than 4096 characters')
  }),
  pollIntervalSeconds: z
    .number()
    .min(1, 'poll interval must be >= 1 s')
    .max(300, 'poll interval must be <= 300 s'),
  drainMarginSeconds: z
    .number()
    .min(0, 'drain margin must be >= 0 s')
    .max(60, 'drain margin must be <= 60 s'),
  budgetPerHour: z
    .number()
    .min(0, 'budget cap must be >= 0 $/h (0 = no cap)')
    .max(1_000_000, 'budget cap must be <= 1000000 $/h')
})
export type Settings = z.infer<typeof settingsSchema>

export const DEFAULT_SETTINGS: Settings = {
  mode: 'sandbox',
  aws: {
    profile: '',
    regions: ['us-east-1'],
    fleetTag: 'synkti',
    sqsQueueUrl: '',
    imageId: '',
    securityGroupIds: [],
    keyName: '',
    instanceProfileName: ''
  },
  fleet: { instanceType: 'g5.xlarge', model: 'meta-llama/Llama-3.1-8B-Instruct', cockpitUrl: '' },
  sandbox: { speed: 360, tracePath: '' },
  pollIntervalSeconds: 2,
  drainMarginSeconds: 5,
  budgetPerHour: 0
}

/** Input schema of every method; the method list is the keys. */
export const apiInputs = {
  status: z.object({}),
  listInstances: z.object({}),
  launchInstance: z.object({
    instanceType: name('instance type'),
    market: z.enum(['spot', 'ondemand'], { error: 'market must be spot or ondemand' }),
    zone: name('zone').optional(),
    model: z.string().max(200).optional(),
    name: z.string().max(128).optional()
  }),
  terminateInstance: z.object({ instanceId }),
  drainInstance: z.object({ instanceId }),
  /** at most `limit` points (default and cap MAX_WINDOW_ROWS): the newest, when the window holds more */
  spotPrices: window.and(
    z.object({
      zone: name('zone').optional(),
      instanceType: name('instance type').optional(),
      limit: rowLimit.optional()
    })
  ),
  /** at most `limit` events (default and cap MAX_WINDOW_ROWS): the first, when the window holds more */
  events: window.and(
    z.object({
      kinds: z.array(z.enum(FLEET_EVENT_KINDS)).max(FLEET_EVENT_KINDS.length).optional(),
      instanceId: instanceId.optional(),
      limit: rowLimit.optional()
    })
  ),
  fleetAt: z.object({ at: time }),
  costs: window.and(z.object({ by: z.enum(['day', 'instance', 'type', 'zone', 'workload']) })),
  savings: window,
  /** spend and its on-demand baseline per time bucket over the window, about `buckets` of them */
  costSeries: window.and(z.object({ buckets: z.number().int().min(2).max(500).default(120) })),
  /** the window, cut into ticks of gapSeconds (default 300), may have at most MAX_EXPORT_TICKS */
  exportTrace: window
    .and(z.object({ gapSeconds: z.number().int().min(1).max(86_400).optional() }))
    .superRefine((w, ctx) => {
      const gap = w.gapSeconds ?? DEFAULT_EXPORT_GAP_SECONDS
      const ticks = Math.ceil((w.to - w.from) / (gap * 1000))
      if (ticks > MAX_EXPORT_TICKS)
        ctx.addIssue({
          code: 'custom',
          message: `the window is ${ticks} ticks of ${gap} s; an export has at most ${MAX_EXPORT_TICKS} (pick a shorter window or a larger gapSeconds)`
        })
    }),
  bundledTraces: z.object({}),
  defaultSimulationConfig: z.object({}),
  startSimulation: z.object({
    config: simulationConfigSchema,
    name: z.string().max(200).optional()
  }),
  simulationStatus: z.object({ jobId: name('job id') }),
  cancelSimulation: z.object({ jobId: name('job id') }),
  listSimulationRuns: z.object({}),
  getSimulationRun: z.object({ id: z.number().int().min(1) }),
  getSettings: z.object({}),
  updateSettings: z.object({ settings: settingsSchema }),
  checkCredentials: z.object({}),
  applyWorkloads: z.object({
    /** the text of a workload file (YAML or JSON) */
    text: z.string().max(1024 * 1024, 'workload file is over 1 MiB'),
    /** the file's name, used in every message and to tell JSON from YAML */
    file: z.string().min(1).max(200).default('workloads.yaml'),
    /** only say what would change */
    dryRun: z.boolean().default(false)
  }),
  listWorkloads: z.object({}),
  cancelWorkload: z.object({ name: workloadName }),
  workloadEvents: z.object({
    name: workloadName,
    limit: z.number().int().min(1).max(10_000).default(200)
  }),
  routerStats: z.object({})
} as const

export type ApiMethod = keyof typeof apiInputs
export const API_METHODS = Object.keys(apiInputs) as ApiMethod[]
export type ApiInput<M extends ApiMethod> = z.input<(typeof apiInputs)[M]>

/** A fleet instance as the cockpit shows it: the provider's view plus live figures. */
export interface FleetInstanceView extends ManagedInstance {
  costSoFar: number
  uptimeSeconds: number
  /** running + waiting requests from vLLM, when known */
  load?: number
  /** true when Synkti may terminate it (it carries this fleet's tag) */
  owned: boolean
}

export interface EngineStatus {
  mode: 'sandbox' | 'aws'
  startedAt: number
  now: number
  /** one line on what the engine is doing or what is wrong */
  message: string
  version: string
  dataDir: string
  /** cloud seconds per real second: 1 on a real cloud, the sandbox's speed (e.g. 360) there */
  speed: number
  /** the OpenAI-compatible router clients use, http://host:port */
  routerUrl?: string
  /** on AWS: the on-demand price of each instance type the fleet may launch, and where it came from */
  onDemandPrices?: OnDemandPriceView[]
}

export interface OnDemandPriceView {
  region: string
  instanceType: string
  /** null when unknown: a launch of it under a budget cap is blocked */
  pricePerHour: number | null
  /** the AWS Price List API, the approximate offline table, or none */
  source: 'price-list' | 'offline-table' | 'unknown'
  /** when the Price List API gave it */
  fetchedAt?: number
}

/** What applying a workload changed (or would change, on a dry run). */
export interface WorkloadChangeView {
  name: string
  kind: 'service' | 'job'
  change: 'created' | 'updated' | 'unchanged' | 'restored'
  generation: number
}

/** A declared workload with what the cloud shows of it now. */
/** A deadline job as the controller drives it. */
export interface JobView {
  /** hours of work done, and of work the job needs (C) */
  progressHours: number
  workHours: number
  /** ep(t) = t * C / R: where uniform progress would be now */
  expectedProgressHours: number
  /** hours since submission, and the deadline R in hours since submission */
  elapsedHours: number
  deadlineHours: number
  /** progress saved by the last checkpoint, hours */
  checkpointedHours: number
  checkpoints: number
  preemptions: number
  safetyNet: boolean
  /** the policy's current choice and why */
  decision: 'spot' | 'ondemand' | 'idle'
  reason: string
  /** when the reason was given, hours since submission (its figures are of that moment) */
  reasonAtHours?: number
  /** set once the work is done: hours since submission */
  finishedHours?: number
  /**
   * On a real cloud, set when the job's command (or restoring or saving its checkpoint) exited
   * non-zero: the job is stopped, not retried (apply it again to rerun it from its checkpoint)
   */
  failed?: { exitCode: number; phase: string; atHours: number }
  instanceId?: string
  /** progress over time: [hours since submission, progress hours] where it bent, oldest first, to now */
  trail: [number, number][]
  /** what the job's instances cost since it was submitted, and the same hours on demand ($) */
  costSoFar?: number
  ondemandCostSoFar?: number
}

export interface WorkloadView {
  name: string
  kind: 'service' | 'job'
  generation: number
  /** the spec as applied, defaults included */
  spec: unknown
  desired: { replicas: number; standby: number }
  /** serving replicas not leaving, and how many of them answer */
  serving: number
  ready: number
  standby: number
  /** instances under notice or being retired */
  leaving: number
  /** failovers completed (a replica reclaimed and replaced) */
  recoveries: number
  openFailovers: number
  costPerHour: number
  ondemandCostPerHour: number
  instances: {
    id: string
    role: 'serving' | 'standby' | 'job'
    state: string
    market: string
    zone: string
    ready: boolean
  }[]
  /** kind job: where the deadline job stands (times in cloud seconds since it was submitted) */
  job?: JobView
  router?: {
    requests: number
    errors: number
    requestsPerSecond: number
    p50Ms: number | null
    p99Ms: number | null
    /** routed by this ELBv2 target group, whose request figures are in CloudWatch, not here */
    targetGroupArn?: string
  }
  /** cloud seconds per real second (see EngineStatus.speed) */
  speed: number
}

export interface RouterStatsView {
  url: string
  replicas: {
    id: string
    service: string
    requests: number
    errors: number
    inFlight: number
    p50Ms: number | null
    p99Ms: number | null
  }[]
  services: {
    service: string
    model: string
    ready: number
    requests: number
    errors: number
    requestsPerSecond: number
    p50Ms: number | null
    p99Ms: number | null
    /** routed by this ELBv2 target group (request figures in CloudWatch) */
    targetGroupArn?: string
  }[]
}

export interface CostRow {
  key: string
  cost: number
  ondemandCost: number
  instanceHours: number
  /** by instance: the instance's name as history keeps it (terminated ones included) */
  name?: string
}

/** Spend over time: buckets of `bucketMs` wall ms from the window's start, every one present. */
export interface CostSeries {
  bucketMs: number
  points: { at: number; cost: number; ondemandCost: number }[]
}

export interface SavingsSummary {
  cost: number
  ondemandCost: number
  savingsPct: number
}

export interface TraceInfo {
  id: string
  label: string
  path: string
  zones: number
  hours: number
  source: 'bundled' | 'history'
}

export interface SimulationJobStatus {
  jobId: string
  state: 'running' | 'done' | 'failed' | 'cancelled'
  done: number
  total: number
  output?: SimulationOutput
  error?: string
  runId?: number
}

export interface SimulationRunSummary {
  id: number
  createdAt: number
  name: string
}

export interface CredentialCheck {
  ok: boolean
  /** one line: who the credentials belong to, or what is wrong and what to do */
  message: string
}

/** What each method resolves to. */
export interface ApiOutputs {
  status: EngineStatus
  listInstances: FleetInstanceView[]
  launchInstance: ManagedInstance
  terminateInstance: { ok: true }
  drainInstance: DrainResult
  spotPrices: SpotPricePoint[]
  events: FleetEvent[]
  fleetAt: ManagedInstance[]
  costs: CostRow[]
  savings: SavingsSummary
  costSeries: CostSeries
  /** one trace per zone; `path` is the folder it was saved in, which a what-if run can use as its trace */
  exportTrace: { zone: string; json: string; path: string }[]
  bundledTraces: TraceInfo[]
  defaultSimulationConfig: SimulationConfig
  startSimulation: { jobId: string }
  simulationStatus: SimulationJobStatus
  cancelSimulation: { ok: true }
  listSimulationRuns: SimulationRunSummary[]
  getSimulationRun: {
    id: number
    name: string
    createdAt: number
    config: SimulationConfig
    output: SimulationOutput
  }
  getSettings: Settings
  updateSettings: Settings
  checkCredentials: CredentialCheck
  applyWorkloads: { changes: WorkloadChangeView[]; dryRun: boolean }
  listWorkloads: WorkloadView[]
  cancelWorkload: { ok: true }
  workloadEvents: FleetEvent[]
  routerStats: RouterStatsView
}

/** The client both transports implement; the renderer only ever talks to this. */
export type SynktiClient = {
  [M in ApiMethod]: (input: ApiInput<M>) => Promise<ApiOutputs[M]>
} & {
  /** live stream of engine events; returns an unsubscribe function */
  subscribe(listener: (event: StreamEvent) => void): () => void
}

/** Events pushed live to the cockpit (SSE over HTTP, IPC messages in Electron). */
export type StreamEvent =
  | { type: 'fleet'; instances: FleetInstanceView[] }
  | { type: 'event'; event: FleetEvent }
  | { type: 'simulation'; status: SimulationJobStatus }
  | { type: 'status'; status: EngineStatus }

/**
 * Why a call was refused, and the HTTP status the daemon answers it with: the caller's fault
 * (400 bad-request, 401 unauthorized, 403 forbidden, 404 not-found, 409 conflict, 413 too-large,
 * 429 too-many), the cloud's (502 upstream, 503 unavailable), or a bug (500 failed).
 */
export const API_ERROR_STATUS = {
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'too-many': 429,
  failed: 500,
  upstream: 502,
  unavailable: 503
} as const
export type ApiErrorCode = keyof typeof API_ERROR_STATUS

/** Error payload both transports return for a refused call. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string }
}

export type ValidationResult<M extends ApiMethod> =
  { ok: true; input: z.output<(typeof apiInputs)[M]> } | { ok: false; message: string }

/** Validates a method's input; the message names the field and says what is wrong. */
export function validateApiInput<M extends ApiMethod>(
  method: M,
  input: unknown
): ValidationResult<M> {
  const schema = apiInputs[method]
  if (!schema) return { ok: false, message: `unknown method "${String(method)}"` }
  const parsed = schema.safeParse(input ?? {})
  if (parsed.success) return { ok: true, input: parsed.data as z.output<(typeof apiInputs)[M]> }
  const issue = parsed.error.issues[0]
  const where = issue.path.length ? `${issue.path.join('.')}: ` : ''
  return { ok: false, message: `${where}${issue.message}` }
}

export function isApiMethod(name: string): name is ApiMethod {
  return Object.prototype.hasOwnProperty.call(apiInputs, name)
}

/** The clock every answer was given on: how to read its times and durations. */
export interface AnswerClock {
  /** cloud seconds per real second: 1 on a real cloud, the sandbox's speed (e.g. 360) there */
  speed: number
}

/**
 * Envelope both transports answer with, so a refusal keeps its code across the Electron bridge. A
 * result carries the clock it was measured on, so every answer with times (events, costs, fleet)
 * says how fast the sandbox ran.
 */
export type ApiEnvelope<T = unknown> = { result: T; clock: AnswerClock } | ApiErrorBody

/** What the preload exposes as `window.synkti` through contextBridge. */
export interface SynktiBridge {
  invoke(method: string, input: unknown): Promise<ApiEnvelope>
  subscribe(listener: (event: StreamEvent) => void): () => void
}

export const IPC_RPC_CHANNEL = 'synkti:rpc'
export const IPC_STREAM_CHANNEL = 'synkti:stream'
