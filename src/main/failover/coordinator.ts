// Failover: when an instance gets an interruption notice, move its work to a new home within the
// grace period. Per notice: checkpoint (batch work with state) and drain run alongside
// select -> spawn -> start-serving -> health-check -> route, because waiting for the drain before
// looking for a new home would spend the grace period twice; route and the final record still wait
// for the drain. Every phase is timed and recorded; nothing fails silently.
import type {
  CapacityMarket,
  DrainResult,
  FleetEvent,
  InterruptionEvent,
  ManagedInstance
} from '../../shared/fleet'
import { errorText } from '../../shared/errors'
import {
  DEFAULT_CHECKPOINT,
  gbpsToGiBps,
  planCheckpoint,
  type CheckpointPlan
} from '../checkpoint/plan'
import type { Clock } from '../clock'
import { DEFAULT_DRAIN_MARGIN_MS, drainDeadline } from '../drain/drain'
import { MODEL_TAG_KEY, type CloudProvider } from '../providers/types'
import {
  slotPricePerHour,
  type Candidate,
  type CostOptions,
  type DisplacedWorkload,
  type StrategyName
} from '../placement/strategies'
import { createRandom } from '../../shared/random'
import type { CheckpointConfig } from '../../shared/simulation'
import type { Budget } from './budget'
import { launchWithinBudget, safeRecord, waitRunning, type LaunchDeps } from './launcher'
import {
  failed,
  ok,
  runPhase,
  skipped,
  sortPhases,
  type FailoverRecord,
  type FailoverTarget,
  type PhaseContext,
  type PhaseResult
} from './record'
import { createSelector, type LiveFacts, type Selection } from './select'
import type { StandbyPool } from './standby'

/** How a replacement is launched when no spare or free slot takes the work. */
export interface ReplacementPolicy {
  /** default: the noticed instance's type */
  instanceType?: string
  /** zones to use; spot goes to the others than the noticed one first. Absent: the cloud picks */
  zones?: string[]
  /** on-demand when spot capacity is exhausted; default true */
  onDemandFallback?: boolean
  /** $/h for the budget check; default the noticed instance's prices when the type is the same */
  priceOf?: (instanceType: string, market: CapacityMarket) => number | undefined
}

export interface FailoverOptions {
  /** notices reaching selection within this window are placed together (optimal); default 250 ms */
  batchWindowMs?: number
  /** stop draining this long before the notice deadline; default 5 s */
  drainMarginMs?: number
  /** notice length when an event has no deadline; default 120 s (EC2's two minutes) */
  defaultNoticeMs?: number
  /** /health polling; default 30 tries 2 s apart */
  health?: { retries?: number; intervalMs?: number }
  /** poll interval and give-up time while a launched replacement boots; default 5 s and 10 min */
  launchPollMs?: number
  launchTimeoutMs?: number
  cost?: CostOptions
  checkpointThresholds?: CheckpointConfig
  /** seed of the 'random' strategy */
  seed?: number
}

export interface FailoverDeps extends FailoverOptions {
  provider: CloudProvider
  clock: Clock
  /** history writes */
  record: (e: FleetEvent) => void
  drain: (instance: ManagedInstance, deadline: number) => Promise<DrainResult>
  /** tell the node agent to start the vLLM container for the model */
  startServing: (instance: ManagedInstance, model: string) => Promise<void>
  /** one /health probe: true on 200 */
  healthCheck: (instance: ManagedInstance) => Promise<boolean>
  /** router update: traffic of `from` now goes to `to` */
  route: (from: ManagedInstance, to: ManagedInstance) => Promise<void>
  /** tell the noticed instance's agent what to save */
  checkpoint?: (instance: ManagedInstance, plan: CheckpointPlan) => Promise<void>
  liveFacts: (instance: ManagedInstance) => LiveFacts | Promise<LiveFacts>
  strategy: StrategyName
  standby: StandbyPool
  budget: Budget
  replacement?: ReplacementPolicy
}

export interface FailoverCoordinator {
  /** idempotent per instance: a repeated notice (in flight or after) returns the first one's record */
  handleNotice(event: InterruptionEvent): Promise<FailoverRecord>
  /** instances failed over (or being), whose spend the budget leaves out */
  failingOver(): ReadonlySet<string>
  /** settles when every failover started so far has ended */
  idle(): Promise<void>
}

/** Everything one failover carries between phases. */
interface Job extends PhaseContext {
  event: InterruptionEvent
  deadline: number
  startedAt: number
  instance?: ManagedInstance
  model?: string
  facts?: LiveFacts
  selection?: Selection & { batchSize: number }
  target?: FailoverTarget & { instance: ManagedInstance }
  drain?: DrainResult
  checkpoint?: CheckpointPlan
  reservedSlot?: string
  warnings: string[]
}

export function createFailoverCoordinator(deps: FailoverDeps): FailoverCoordinator {
  const jobs = new Map<string, Promise<FailoverRecord>>()
  const reservedSlots = new Map<string, number>()
  const failingOver = (): ReadonlySet<string> => new Set(jobs.keys())
  const launchDeps: LaunchDeps = { ...deps, excludeFromSpend: failingOver }
  const selector = createSelector({
    clock: deps.clock,
    standby: deps.standby,
    strategy: deps.strategy,
    random: createRandom(deps.seed ?? 1),
    cost: deps.cost ?? {},
    batchWindowMs: deps.batchWindowMs ?? 250,
    candidates: () => candidates(deps, failingOver(), reservedSlots),
    reserveSlot: (id) => reservedSlots.set(id, (reservedSlots.get(id) ?? 0) + 1)
  })

  /** a spare or a fresh launch also gets a slot held, until its model shows in its live facts */
  function holdSlot(job: Job, instanceId: string): void {
    reservedSlots.set(instanceId, (reservedSlots.get(instanceId) ?? 0) + 1)
    job.reservedSlot = instanceId
  }

  function releaseSlot(job: Job): void {
    if (!job.reservedSlot) return
    const n = (reservedSlots.get(job.reservedSlot) ?? 1) - 1
    if (n > 0) reservedSlots.set(job.reservedSlot, n)
    else reservedSlots.delete(job.reservedSlot)
  }

  async function run(event: InterruptionEvent): Promise<FailoverRecord> {
    const now = deps.clock.now()
    const deadline = event.deadline ?? event.observedAt + (deps.defaultNoticeMs ?? 120_000)
    const job: Job = {
      clock: deps.clock,
      record: deps.record,
      instanceId: event.instanceId,
      phases: [],
      warnings: [],
      event,
      deadline,
      startedAt: now
    }
    let verdict: PhaseResult<unknown>
    try {
      verdict = await failover(job)
    } catch (error) {
      verdict = failed(`unexpected error: ${errorText(error)}`) // a bug must still leave a record
    } finally {
      releaseSlot(job)
    }
    return finish(job, verdict)
  }

  async function failover(job: Job): Promise<PhaseResult<unknown>> {
    const early = await prepare(job)
    if (early) return early
    const background = Promise.all([checkpointPhase(deps, job), drainPhase(deps, job)])
    const result = await moveWork(job)
    await background // the instance goes away regardless; the record waits for its drain
    return result
  }

  /** Finds the instance and what it serves; returns a verdict when there is nothing to move. */
  async function prepare(job: Job): Promise<PhaseResult<unknown> | undefined> {
    const { event } = job
    if (event.kind === 'rebalance-recommendation') {
      return skipped('rebalance recommendation: no failover until an interruption notice arrives')
    }
    let instance: ManagedInstance | undefined
    try {
      instance = (await deps.provider.listInstances()).find((i) => i.id === event.instanceId)
    } catch (error) {
      return failed(`cannot list the fleet to find ${event.instanceId}: ${errorText(error)}`)
    }
    if (!instance)
      return failed(
        `${event.instanceId} is not in the fleet (not ours, or already gone): nothing known to move`
      )
    job.instance = instance
    if (deps.standby.discard(instance.id))
      return skipped('a standby spare: dropped from the pool, which refills')
    job.model = instance.model ?? instance.tags[MODEL_TAG_KEY]
    try {
      job.facts = await deps.liveFacts(instance)
    } catch (error) {
      // placement still works on defaults; the checkpoint cannot be planned without the state size
      job.warnings.push(
        `live facts of ${instance.id} unavailable (${errorText(error)}): no checkpoint, default memory need`
      )
    }
    if (!job.model) {
      await drainPhase(deps, job)
      return skipped(
        `${instance.id} serves no known model (no ${MODEL_TAG_KEY} tag): nothing to move`
      )
    }
    return undefined
  }

  async function moveWork(job: Job): Promise<PhaseResult<unknown>> {
    const sel = await runPhase(job, 'select', () => selectPhase(job))
    if (sel.outcome === 'failed') return failed(`select: ${sel.reason}`)
    const spawn = await runPhase(job, 'spawn', () => spawnPhase(job))
    if (spawn.outcome === 'failed') return failed(`spawn: ${spawn.reason}`)
    const target = job.target?.instance as ManagedInstance
    const serve = await runPhase(job, 'start-serving', async () => {
      await deps.startServing(target, job.model as string)
      return ok()
    })
    if (serve.outcome === 'failed') return failed(`start-serving on ${target.id}: ${serve.reason}`)
    const health = await runPhase(job, 'health-check', () => healthPhase(deps, target))
    if (health.outcome === 'failed') return failed(`health-check of ${target.id}: ${health.reason}`)
    const routed = await runPhase(job, 'route', async () => {
      await deps.route(job.instance as ManagedInstance, target)
      return ok(undefined, { from: job.instanceId, to: target.id })
    })
    if (routed.outcome === 'failed')
      return failed(`route ${job.instanceId} -> ${target.id}: ${routed.reason}`)
    return ok()
  }

  async function selectPhase(job: Job): Promise<PhaseResult<unknown>> {
    const selection = await selector.select({ workload: workloadOf(job) })
    job.selection = selection
    if (selection.via === 'existing') job.reservedSlot = selection.instance.id
    const detail = { via: selection.via, by: selection.by, batchSize: selection.batchSize }
    if (selection.via === 'launch')
      return ok(undefined, { ...detail, ...(selection.note ? { note: selection.note } : {}) })
    return ok(undefined, { ...detail, instanceId: selection.instance.id })
  }

  async function spawnPhase(job: Job): Promise<PhaseResult<unknown>> {
    const sel = job.selection as Selection
    if (sel.via === 'existing') {
      setTarget(job, sel.instance, 'existing')
      return skipped('target already running', { instanceId: sel.instance.id })
    }
    if (sel.via === 'standby') {
      const up = await stillRunning(sel.instance.id)
      if (up) {
        setTarget(job, up, 'standby')
        holdSlot(job, up.id)
        return ok(undefined, { promoted: up.id })
      }
    }
    return launchPhase(
      job,
      sel.via === 'standby' ? `spare ${sel.instance.id} is no longer running` : undefined
    )
  }

  async function stillRunning(id: string): Promise<ManagedInstance | undefined> {
    const found = (await deps.provider.listInstances()).find((i) => i.id === id)
    return found?.state === 'running' ? found : undefined
  }

  async function launchPhase(job: Job, note?: string): Promise<PhaseResult<unknown>> {
    const launched = await launchReplacement(launchDeps, deps.replacement ?? {}, job)
    if (!launched.ok)
      return failed(launched.reason, { attempts: launched.attempts, ...(note ? { note } : {}) })
    const up = await waitRunning(deps, launched.instance.id, {
      pollMs: deps.launchPollMs ?? 5000,
      timeoutMs: deps.launchTimeoutMs ?? 600_000
    })
    const detail = {
      instanceId: launched.instance.id,
      market: launched.instance.market,
      zone: launched.instance.zone,
      attempts: launched.attempts
    }
    if (!up.ok) return failed(up.reason, detail)
    setTarget(job, up.instance, launched.instance.market)
    holdSlot(job, up.instance.id)
    return ok(undefined, note ? { ...detail, note } : detail)
  }

  function finish(job: Job, verdict: PhaseResult<unknown>): FailoverRecord {
    const endedAt = deps.clock.now()
    const record: FailoverRecord = {
      instanceId: job.instanceId,
      kind: job.event.kind,
      noticeDeadline: job.deadline,
      startedAt: job.startedAt,
      endedAt,
      durationMs: endedAt - job.startedAt,
      outcome: verdict.outcome,
      ...(verdict.reason ? { reason: verdict.reason } : {}),
      ...(job.model ? { model: job.model } : {}),
      ...(job.target ? { target: targetOf(job.target) } : {}),
      ...(job.selection
        ? { selection: { by: job.selection.by, batchSize: job.selection.batchSize } }
        : {}),
      phases: sortPhases(job.phases),
      ...(job.drain ? { drain: job.drain } : {}),
      ...(job.checkpoint ? { checkpoint: job.checkpoint } : {}),
      ...(job.warnings.length ? { warnings: job.warnings } : {})
    }
    safeRecord(deps.record, {
      at: endedAt,
      kind: 'failover-end',
      instanceId: job.instanceId,
      data: { ...record }
    })
    return record
  }

  return {
    handleNotice(event) {
      const existing = jobs.get(event.instanceId)
      if (existing) return existing // never a second launch for the same instance
      const job = run(event)
      jobs.set(event.instanceId, job)
      return job
    },
    failingOver,
    idle: async () => {
      await Promise.all(jobs.values())
    }
  }
}

function targetOf(t: FailoverTarget): FailoverTarget {
  return { instanceId: t.instanceId, via: t.via, instanceType: t.instanceType, zone: t.zone }
}

function setTarget(job: Job, instance: ManagedInstance, via: FailoverTarget['via']): void {
  job.target = {
    instance,
    instanceId: instance.id,
    via,
    instanceType: instance.instanceType,
    zone: instance.zone
  }
}

function workloadOf(job: Job): DisplacedWorkload {
  const instance = job.instance as ManagedInstance
  const facts = job.facts
  return {
    model: job.model as string,
    gpuMemoryGiB: facts?.gpuMemoryNeedGiB ?? instance.gpuMemoryGiB,
    ...(facts?.stateGiB ? { stateGiB: facts.stateGiB } : {}),
    pricePerHour: slotPricePerHour(instance),
    ...(facts?.remainingSeconds !== undefined ? { remainingSeconds: facts.remainingSeconds } : {})
  }
}

/** Running instances that may take work: not under notice, not being failed over, not a spare. */
async function candidates(
  deps: FailoverDeps,
  excluded: ReadonlySet<string>,
  reserved: ReadonlyMap<string, number>
): Promise<Candidate[]> {
  const list = (await deps.provider.listInstances()).filter(
    (i) =>
      i.state === 'running' &&
      i.noticeDeadline === undefined &&
      !excluded.has(i.id) &&
      !deps.standby.owns(i.id) &&
      !i.standby
  )
  const facts = await Promise.all(
    list.map((i) => Promise.resolve(deps.liveFacts(i)).catch(() => undefined))
  )
  // an instance whose live facts cannot be read cannot be judged: it is not offered
  return list.flatMap((instance, k) => {
    const f = facts[k]
    if (!f) return []
    const free = f.freeSlots ?? Math.max(0, instance.gpus - f.modelsLoaded.length)
    const freeSlots = Math.max(0, free - (reserved.get(instance.id) ?? 0))
    return [
      {
        instance,
        freeSlots,
        load: f.load,
        modelsLoaded: f.modelsLoaded,
        bandwidthGbps: f.bandwidthGbps
      }
    ]
  })
}

// ---- phases that do not need the coordinator's state ----

async function checkpointPhase(deps: FailoverDeps, job: Job): Promise<void> {
  const stateGiB = job.facts?.stateGiB ?? 0
  if (stateGiB <= 0) return // nothing to save: serving work, or a job that starts over anyway
  await runPhase(job, 'checkpoint', async () => {
    const facts = job.facts as LiveFacts
    const secondsLeft = Math.max(0, (job.deadline - deps.clock.now()) / 1000)
    const plan = planCheckpoint(
      stateGiB,
      gbpsToGiBps(facts.bandwidthGbps),
      secondsLeft,
      deps.checkpointThresholds ?? DEFAULT_CHECKPOINT
    )
    job.checkpoint = plan
    const detail = { ...plan, stateGiB, bandwidthGbps: facts.bandwidthGbps, secondsLeft }
    safeRecord(deps.record, {
      at: deps.clock.now(),
      kind: 'checkpoint',
      instanceId: job.instanceId,
      data: detail
    })
    if (deps.checkpoint) await deps.checkpoint(job.instance as ManagedInstance, plan)
    return ok(undefined, detail)
  })
}

async function drainPhase(deps: FailoverDeps, job: Job): Promise<void> {
  const instance = job.instance as ManagedInstance
  await runPhase(job, 'drain', async () => {
    if (job.event.kind === 'state-change')
      return skipped(`${instance.id} is already ${job.event.action ?? 'gone'}: nothing to drain`)
    const deadline = drainDeadline(job.deadline, deps.drainMarginMs ?? DEFAULT_DRAIN_MARGIN_MS)
    safeRecord(deps.record, {
      at: deps.clock.now(),
      kind: 'drain-start',
      instanceId: instance.id,
      data: { deadline }
    })
    const result = await runDrain(deps, instance, deadline)
    job.drain = result
    safeRecord(deps.record, {
      at: deps.clock.now(),
      kind: 'drain-end',
      instanceId: instance.id,
      data: { ...result }
    })
    const detail = { drainOutcome: result.outcome }
    return result.outcome === 'drained'
      ? ok(undefined, detail)
      : failed(`${result.outcome}: ${result.reason ?? 'no reason given'}`, detail)
  })
}

/** A drain that throws is a failed drain, with a reason, not a crashed failover. */
async function runDrain(
  deps: FailoverDeps,
  instance: ManagedInstance,
  deadline: number
): Promise<DrainResult> {
  const startedAt = deps.clock.now()
  try {
    return await deps.drain(instance, deadline)
  } catch (error) {
    const endedAt = deps.clock.now()
    return {
      outcome: 'failed',
      startedAt,
      endedAt,
      deregisterMs: 0,
      lastRunning: null,
      lastWaiting: null,
      reason: errorText(error)
    }
  }
}

async function healthPhase(
  deps: FailoverDeps,
  target: ManagedInstance
): Promise<PhaseResult<unknown>> {
  const retries = Math.max(1, deps.health?.retries ?? 30)
  const intervalMs = deps.health?.intervalMs ?? 2000
  let lastError = ''
  for (let attempt = 1; attempt <= retries; attempt++) {
    try {
      if (await deps.healthCheck(target)) return ok(undefined, { attempts: attempt })
      lastError = ''
    } catch (error) {
      lastError = `; last error: ${errorText(error)}`
    }
    if (attempt < retries) await deps.clock.sleep(intervalMs)
  }
  return failed(
    `/health did not answer 200 in ${retries} tries over ${((retries - 1) * intervalMs) / 1000} s${lastError}`,
    { attempts: retries }
  )
}

// ---- replacement launches ----

/** Spot in another zone first; on-demand when spot capacity is exhausted and the policy allows. */
async function launchReplacement(
  deps: LaunchDeps,
  policy: ReplacementPolicy,
  job: Job
): Promise<
  | { ok: true; instance: ManagedInstance; attempts: string[] }
  | { ok: false; reason: string; attempts: string[] }
> {
  const noticed = job.instance as ManagedInstance
  const instanceType = policy.instanceType ?? noticed.instanceType
  const { others, all } = zoneOrder(policy.zones, noticed.zone)
  const attempts: string[] = []
  const base = { instanceType, name: replacementName(noticed.name), model: job.model }
  const context = { purpose: 'failover', replaces: noticed.id }
  const spot = await launchWithinBudget(
    deps,
    { ...base, market: 'spot', zones: others },
    priceOf(policy, noticed, instanceType, 'spot'),
    context
  )
  if (spot.ok) return { ok: true, instance: spot.instance, attempts }
  attempts.push(`spot: ${spot.reason}`)
  if (spot.code !== 'capacity' || policy.onDemandFallback === false)
    return { ok: false, reason: spot.reason, attempts }
  const od = await launchWithinBudget(
    deps,
    { ...base, market: 'ondemand', zones: all },
    priceOf(policy, noticed, instanceType, 'ondemand'),
    context
  )
  if (od.ok) return { ok: true, instance: od.instance, attempts }
  attempts.push(`on-demand: ${od.reason}`)
  return {
    ok: false,
    reason: `spot capacity exhausted, and the on-demand fallback failed: ${od.reason}`,
    attempts
  }
}

/** Other zones first: the noticed zone is the one whose spot capacity is being reclaimed. */
function zoneOrder(
  zones: string[] | undefined,
  noticedZone: string
): { others?: string[]; all?: string[] } {
  if (!zones?.length) return {}
  const others = zones.filter((z) => z !== noticedZone)
  const all = zones.includes(noticedZone) ? [...others, noticedZone] : others
  return { others: others.length ? others : all, all }
}

function priceOf(
  policy: ReplacementPolicy,
  noticed: ManagedInstance,
  instanceType: string,
  market: CapacityMarket
): number {
  const given = policy.priceOf?.(instanceType, market)
  if (given !== undefined) return given
  if (instanceType !== noticed.instanceType) return NaN // unknown: the budget blocks it when capped
  if (market === 'ondemand') return noticed.onDemandPricePerHour
  // a spot price is capped by the on-demand price, so that bounds an unknown one
  return noticed.market === 'spot' ? noticed.pricePerHour : noticed.onDemandPricePerHour
}

/** demo-1 → demo-1-r1 → demo-1-r2: a replacement's name says whose work it carries, without growing. */
export function replacementName(name: string): string {
  const match = /^(.*)-r(\d+)$/.exec(name)
  return match ? `${match[1]}-r${Number(match[2]) + 1}` : `${name}-r1`
}
