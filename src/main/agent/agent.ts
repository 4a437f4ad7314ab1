// The node agent: runs on each GPU instance next to vLLM, watches IMDS, drains vLLM on a notice and
// reports to the cockpit, over HTTP or the fleet's SQS reports queue (or, when neither takes the
// report, to the instance's own tags); publishes its model server's endpoint once it is ready.
import type { InterruptionEvent } from '../../shared/fleet'
import { planCheckpoint } from '../checkpoint/plan'
import { systemClock, type Clock } from '../clock'
import { drain, drainDeadline, probeMetrics } from '../drain/drain'
import { createImdsClient, startImdsMonitor } from '../monitors/imds'
import type { ReportSender } from '../providers/aws/agent-channel'
import type { RetryPolicy } from './cockpit'
import { httpReports, queueReports, type ReportTransport } from './reports'
import { publishEndpoint, type EndpointOptions } from './endpoint'
import { watchJobExit, writeJobNotice } from './job'
import { iso, lineLog, type Log } from '../logging/log'
import { errorText } from '../../shared/errors'
import {
  buildAgentTags,
  type AgentCheckpointReport,
  type AgentEventReport,
  type TagRecorder
} from './tags'

export interface AgentOptions {
  /** e.g. https://cockpit.example:7443; with token: report over HTTP */
  cockpitUrl?: string
  /** bearer token the cockpit issued for this fleet */
  token?: string
  /** the fleet's SQS reports queue: report with the instance's own role (wins over cockpitUrl) */
  reportsQueueUrl?: string
  /** AWS region for SQS and EC2; default AWS_REGION, then instance metadata */
  region?: string
  /** publish the model server's endpoint as the `synkti:endpoint` tag once it is ready */
  endpoint?: EndpointOptions
  /** default: read from IMDS */
  instanceId?: string
  /** default http://127.0.0.1:8000/metrics */
  metricsUrl?: string
  /** POSTed {instanceId} to stop the router sending here; none when unset */
  routerDeregisterUrl?: string
  /** IMDS poll interval, default 2000 */
  pollMs?: number
  /** default 15000 */
  heartbeatMs?: number
  /** drain stops this long before the notice time, default 5000 */
  drainMarginMs?: number
  /** default AWS_EC2_METADATA_SERVICE_ENDPOINT, then http://169.254.169.254 */
  imdsEndpoint?: string
  /** with checkpointBandwidthGiBps: ask the planner what can be saved in the notice left */
  checkpointStateGiB?: number
  checkpointBandwidthGiBps?: number
  /** drain poll interval, default 500 */
  drainPollMs?: number
  /** send the local vLLM queue (running + waiting) with each heartbeat, shown as its load in the Fleet view */
  heartbeatLoad?: boolean
  /**
   * A deadline job runs on this instance (its state directory, AGENT_JOB_STATE_DIR in the boot
   * script's container): report its command's exit status, and at a notice drop the notice file that
   * stops the job and saves its checkpoint instead of draining a model server.
   */
  jobStateDir?: string
}

export interface AgentDeps {
  clock?: Clock
  /** one human-readable line per action; default console.log */
  logger?: (line: string) => void
  /** default: EC2 CreateTags on this instance */
  tagRecorder?: TagRecorder
  fetch?: typeof fetch
  retry?: RetryPolicy
  /** default: from reportsQueueUrl (SQS) or cockpitUrl + token (HTTP) */
  reports?: ReportTransport
}

export type AgentState = 'watching' | 'draining' | 'drained'

export interface AgentHandle {
  /** resolves with the instance id once known */
  readonly instanceId: Promise<string>
  /** resolves when the agent has stopped */
  readonly done: Promise<void>
  state(): AgentState
  /** stop watching, abort a drain in progress, flush reports (one try each), resolve when idle */
  stop(): Promise<void>
}

/**
 * What the boot script (engine/user-data.ts) leaves for the agent in its config directory, one value
 * per file (no quoting to get wrong): the reports queue URL, the model server's port, which address
 * to publish, a cockpit URL. `synkti agent --config-dir` reads them; a flag wins over a file.
 */
export const AGENT_CONFIG_FILES = {
  reportsQueueUrl: 'reports-queue-url',
  servePort: 'model-port',
  endpointAddress: 'endpoint-address',
  cockpitUrl: 'cockpit-url',
  /** present on a job's instance: where (inside the agent's container) the job's state is */
  jobStateDir: 'job-state-dir'
} as const

/** where the boot script mounts a job's state directory in the agent's container */
export const AGENT_JOB_STATE_DIR = '/var/lib/synkti'

export { JOB_STATE_FILES } from './job'

export const AGENT_DEFAULTS = {
  metricsUrl: 'http://127.0.0.1:8000/metrics',
  pollMs: 2000,
  heartbeatMs: 15000,
  drainMarginMs: 5000,
  drainPollMs: 500
} as const

/** AWS gives two minutes; used only if a notice ever came without a time */
const FALLBACK_NOTICE_MS = 120_000
/** bound on one tag write, so a hung AWS call cannot hold shutdown */
const TAG_TIMEOUT_MS = 10_000

export function runAgent(options: AgentOptions, deps: AgentDeps = {}): AgentHandle {
  const o = { ...AGENT_DEFAULTS, ...stripUndefined(options) }
  const clock = deps.clock ?? systemClock
  const log = lineLog(clock, 'agent', deps.logger)
  const controller = new AbortController()
  const signal = controller.signal
  const imds = createImdsClient({ endpoint: o.imdsEndpoint, clock, fetch: deps.fetch })
  const region = async (): Promise<string> =>
    o.region ??
    process.env.AWS_REGION ??
    (await imds.getText('/latest/meta-data/placement/region')).trim()
  const cockpit = deps.reports ?? defaultReports(o, region, clock, deps)
  const recordTags = deps.tagRecorder ?? defaultTagRecorder(region)
  const tasks = new Set<Promise<void>>()
  let state: AgentState = 'watching'

  log('start', {
    reports: cockpit.target,
    imds: imds.endpoint,
    metrics: o.metricsUrl,
    pollMs: o.pollMs
  })

  /** report now; on failure, to tags so the cockpit still learns of it */
  const deliver = async (report: AgentEventReport): Promise<void> => {
    // once stopping, one try and then tags: shutdown must not wait on retries
    const sent = await cockpit.send('events', report, { stop: signal })
    const fields = {
      kind: report.event.kind,
      drain: report.drain?.outcome,
      attempts: sent.attempts
    }
    if (sent.ok) return log('reported', fields)
    log('cockpit-unreachable', { ...fields, reason: sent.reason })
    await writeTags(report)
  }

  const writeTags = async (report: AgentEventReport): Promise<void> => {
    const tags = buildAgentTags(report)
    try {
      await withTimeout(recordTags(report.instanceId, tags), TAG_TIMEOUT_MS, clock)
      log('tags-recorded', { instance: report.instanceId, keys: Object.keys(tags).join(',') })
    } catch (error) {
      log('tags-failed', { instance: report.instanceId, error: errorText(error) })
    }
  }

  const deregister = o.routerDeregisterUrl
    ? (instanceId: string) => () => postDeregister(o.routerDeregisterUrl!, instanceId, deps.fetch)
    : undefined

  const handleNotice = async (
    event: InterruptionEvent,
    firstReport: Promise<void>
  ): Promise<void> => {
    const noticeDeadline = event.deadline ?? event.observedAt + FALLBACK_NOTICE_MS
    state = 'draining'
    const result = await drain({
      metricsUrl: o.metricsUrl,
      deregister: deregister?.(event.instanceId),
      deadline: drainDeadline(noticeDeadline, o.drainMarginMs),
      pollMs: o.drainPollMs,
      clock,
      signal,
      log,
      fetch: deps.fetch
    })
    state = 'drained'
    const checkpoint = planFor(o, noticeDeadline, clock.now())
    if (checkpoint)
      log('checkpoint', {
        decision: checkpoint.decision,
        savedFraction: checkpoint.savedFraction.toFixed(2),
        secondsLeft: checkpoint.secondsLeft.toFixed(1)
      })
    await firstReport // keep the order: the fuller report (or its tags) lands last
    await deliver({ instanceId: event.instanceId, event, drain: result, checkpoint })
  }

  /** a job's instance has no model server to drain: the host stops the job and saves its checkpoint */
  const handleJobNotice = async (event: InterruptionEvent, stateDir: string): Promise<void> => {
    state = 'draining'
    try {
      await writeJobNotice(stateDir, event.deadline ?? event.observedAt + FALLBACK_NOTICE_MS)
      log('job-notice', { file: stateDir })
    } catch (error) {
      log('job-notice-failed', { error: errorText(error) })
    }
    state = 'drained'
  }

  const handleEvent = async (event: InterruptionEvent): Promise<void> => {
    const name = event.kind === 'interruption-notice' ? 'notice' : 'rebalance'
    log(name, {
      action: event.action,
      deadline: iso(event.deadline),
      instance: event.instanceId,
      detail: event.detail
    })
    // the job's checkpoint is the urgent part: its stop and save start before any report
    if (event.kind === 'interruption-notice' && o.jobStateDir) {
      await handleJobNotice(event, o.jobStateDir)
      return deliver({ instanceId: event.instanceId, event })
    }
    // the bare event first, so failover can start while we drain; the drain does not wait for it
    // (retries to an unreachable cockpit must not eat into the notice); then the drain result
    const firstReport = deliver({ instanceId: event.instanceId, event }).catch((error) =>
      log('error', { error: errorText(error) })
    )
    if (event.kind === 'interruption-notice') await handleNotice(event, firstReport)
    else await firstReport
  }

  const track = (task: Promise<void>): void => {
    const guarded = task.catch((error) => log('error', { error: errorText(error) }))
    tasks.add(guarded)
    void guarded.finally(() => tasks.delete(guarded))
  }

  const monitor = startImdsMonitor({
    client: imds,
    instanceId: o.instanceId,
    pollMs: o.pollMs,
    clock,
    signal,
    log,
    onEvent: (event) => track(handleEvent(event))
  })

  const endpoint = o.endpoint
  const published = endpoint
    ? monitor.instanceId.then(
        (instanceId) =>
          publishEndpoint(endpoint, {
            instanceId,
            imds,
            recordTags,
            clock,
            signal,
            log,
            fetch: deps.fetch,
            withTimeout: (p) => withTimeout(p, TAG_TIMEOUT_MS, clock)
          }),
        () => undefined
      )
    : Promise.resolve(undefined)

  const heartbeats = monitor.instanceId.then(
    (id) =>
      heartbeatLoop({
        id,
        cockpit,
        clock,
        signal,
        log,
        heartbeatMs: o.heartbeatMs,
        state: () => state,
        // the cockpit shows the real queue; a failed probe sends no load
        load: async () => {
          if (!options.heartbeatLoad) return undefined
          const probe = await probeMetrics(o.metricsUrl, 1000, signal, deps.fetch)
          return probe.ok ? probe.running + probe.waiting : undefined
        }
      }),
    () => undefined
  )

  const jobStateDir = o.jobStateDir
  const jobExit = jobStateDir
    ? monitor.instanceId.then(
        (instanceId) =>
          watchJobExit({
            instanceId,
            stateDir: jobStateDir,
            reports: cockpit,
            clock,
            signal,
            log,
            pollMs: o.pollMs,
            retryMs: o.heartbeatMs,
            reportable: () => state === 'watching'
          }),
        () => undefined
      )
    : Promise.resolve(undefined)

  const done = (async () => {
    await new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true })
    )
    await Promise.all([monitor.done, heartbeats, published, jobExit])
    while (tasks.size > 0) await Promise.all([...tasks]) // bounded: no new events after abort
    log('stopped', { state })
  })()

  return {
    instanceId: monitor.instanceId,
    done,
    state: () => state,
    stop: async () => {
      controller.abort()
      await done
    }
  }
}

interface HeartbeatContext {
  id: string
  cockpit: ReportTransport
  clock: Clock
  signal: AbortSignal
  log: Log
  heartbeatMs: number
  state: () => AgentState
  /** running + waiting requests of the local vLLM, when readable */
  load: () => Promise<number | undefined>
}

/** One POST per interval, a single try each (the next beat is the retry); logged on change only. */
async function heartbeatLoop(c: HeartbeatContext): Promise<void> {
  let lastOk: boolean | undefined
  while (!c.signal.aborted) {
    const load = await c.load().catch(() => undefined)
    const body = {
      instanceId: c.id,
      at: c.clock.now(),
      state: c.state(),
      ...(load === undefined ? {} : { load })
    }
    const sent = await c.cockpit.send('heartbeat', body, { attempts: 1 })
    if (sent.ok !== lastOk)
      c.log(sent.ok ? 'heartbeat-ok' : 'heartbeat-failed', {
        reason: sent.ok ? undefined : sent.reason
      })
    lastOk = sent.ok
    await c.clock.sleep(c.heartbeatMs, c.signal).catch(() => {})
  }
}

function planFor(
  o: Pick<AgentOptions, 'checkpointStateGiB' | 'checkpointBandwidthGiBps'>,
  noticeDeadline: number,
  now: number
): AgentCheckpointReport | undefined {
  const stateGiB = o.checkpointStateGiB
  const bandwidthGiBps = o.checkpointBandwidthGiBps
  if (stateGiB === undefined || bandwidthGiBps === undefined) return undefined
  // the time left after the drain: drain and checkpoint share the same notice window
  const secondsLeft = Math.max(0, (noticeDeadline - now) / 1000)
  return {
    ...planCheckpoint(stateGiB, bandwidthGiBps, secondsLeft),
    stateGiB,
    bandwidthGiBps,
    secondsLeft
  }
}

async function postDeregister(
  url: string,
  instanceId: string,
  doFetch: typeof fetch = fetch
): Promise<void> {
  const res = await doFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instanceId }),
    signal: AbortSignal.timeout(5000)
  })
  await res.arrayBuffer().catch(() => undefined)
  if (!res.ok) throw new Error(`router answered HTTP ${res.status}`)
}

function defaultReports(
  o: AgentOptions,
  region: () => Promise<string>,
  clock: Clock,
  deps: AgentDeps
): ReportTransport {
  if (o.reportsQueueUrl) {
    const queueUrl = o.reportsQueueUrl
    let sender: Promise<ReportSender> | undefined
    // lazy, like the tag recorder: the SQS SDK loads only when a report is sent
    const load = async (): Promise<ReportSender> => {
      const [{ SQSClient }, { createSqsReportSender }] = await Promise.all([
        import('@aws-sdk/client-sqs'),
        import('../providers/aws/agent-channel')
      ])
      return createSqsReportSender({ queueUrl, client: new SQSClient({ region: await region() }) })
    }
    const cached = (): Promise<ReportSender> =>
      (sender ??= load().catch((error: unknown) => {
        sender = undefined // not cached: the next report tries again
        throw error
      }))
    return queueReports({ queueUrl, sender: cached, clock, retry: deps.retry })
  }
  if (!o.cockpitUrl || !o.token)
    throw new Error('the agent needs a reports queue URL, or a cockpit URL and its token')
  return httpReports({
    cockpitUrl: o.cockpitUrl,
    token: o.token,
    clock,
    fetch: deps.fetch,
    retry: deps.retry
  })
}

/** Lazy so that tests and the cockpit never load the EC2 SDK unless the agent really needs tags. */
function defaultTagRecorder(region: () => Promise<string>): TagRecorder {
  let recorder: Promise<TagRecorder> | undefined
  return async (instanceId, tags) => {
    recorder ??= import('./tag-recorder').then((m) => m.createEc2TagRecorder({ region }))
    await (
      await recorder
    )(instanceId, tags)
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, clock: Clock): Promise<T> {
  const timer = new AbortController()
  const timeout = clock.sleep(ms, timer.signal).then(
    () => Promise.reject(new Error(`timed out after ${ms} ms`)),
    () => new Promise<never>(() => {}) // cancelled: never settles, the race is already decided
  )
  try {
    return await Promise.race([promise, timeout])
  } finally {
    timer.abort()
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}
