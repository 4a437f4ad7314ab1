// The live side of a deadline job: the same pure step the simulator runs (policies/job-plan) on the
// cloud's truth, with the job's progress, checkpoints and decisions kept in history so a restart
// resumes where the last run stopped. Times are cloud seconds since the job was submitted (the
// sandbox's accelerated seconds there), the unit the policies and the simulator use.
//
// Running the command: on the sandbox the instance "runs" the job by its clock (progress accrues
// while it is running and past the changeover d), which is the simulator's model, and the job is
// done when that progress reaches C. On a real cloud (deps.bootScript) each launch boots the job's
// command (engine/user-data.ts: restore the checkpoint from S3, run, save) and the node agent reports
// its exit status, which history keeps as a `job-exit` event: exit 0 finishes the job, anything else
// fails it (stopped, not retried: a command that failed once is likely to fail again, at GPU prices).
// Progress there stays the clock's estimate the policy plans with, held just short of C: past its
// estimate a running job keeps its instance until its command says it is done.
import type { FleetEvent, ManagedInstance } from '../../shared/fleet'
import type { JobView } from '../../shared/api'
import { errorText } from '../../shared/errors'
import { gbpsToGiBps, planCheckpoint } from '../checkpoint/plan'
import type { Clock } from '../clock'
import { createBudget } from '../failover/budget'
import { launchWithinBudget } from '../failover/launcher'
import type { History, StoredWorkload } from '../history'
import { createPolicy, type DeadlineChoice, type DeadlineView, type Policy } from '../policies'
import { decideJobStep, decisionReason, nextJobWakeup } from '../policies/job-plan'
import { expectedProgress } from '../policies/uniform-progress'
import { isProviderError } from '../providers/errors'
import type { CloudProvider } from '../providers/types'
import { launchTags, roleOf } from './tags'
import type { JobSpec } from './types'

/** after spot failed in every zone (a provider that cannot say), spot counts as unavailable this long */
const SPOT_RETRY_SECONDS = 10 * 60
const DEFAULT_SPOT_PROBE_SECONDS = 60
/** decisions and checkpoints kept in the stored state (the newest) */
const KEEP_RECORDS = 500
/** JSON has no -Infinity: "free to choose again at once" is stored as this */
const NEVER = -1e300

export interface JobDecisionRecord {
  at: number
  choice: DeadlineChoice
  reason: string
  /** the instance launched for it, when it launched one */
  instanceId?: string
}

export interface JobCheckpointRecord {
  at: number
  /** work saved, seconds */
  progress: number
  how: 'periodic' | 'full' | 'partial' | 'restart' | 'missed-notice'
}

/** What history keeps of a job (JSON). */
export interface JobState {
  /** progress saved by the last checkpoint, seconds; a new instance resumes from here */
  checkpointed: number
  /** progress when the current instance started to make progress (at runStart) */
  base: number
  /** when the current instance makes progress from: its launch + d; undefined when none */
  runStart?: number
  instanceId?: string
  current: DeadlineChoice
  /** when the current choice was applied (NEVER after a reclaim chose for the policy) */
  choiceAt: number
  safetyNet: boolean
  recheckFrom: number
  preemptions: number
  finishedAt?: number
  reason: string
  decisions: JobDecisionRecord[]
  checkpoints: JobCheckpointRecord[]
  /** instances whose notice was already handled */
  noticed: string[]
  /** on a real cloud: the command (or its checkpoint's restore or save) exited non-zero, job time */
  failedAt?: number
  /** the reported exit that ended the job (real cloud) */
  exit?: { exitCode: number; phase: string }
  /**
   * Where progress bent, [t, progress] in seconds, oldest first: each run's start and end and each
   * drop to a checkpoint, so the cockpit can draw progress over time (absent in states saved before it).
   */
  trail?: [number, number][]
}

export interface JobRunnerDeps {
  provider: CloudProvider
  history: History
  clock: Clock
  record: (e: FleetEvent) => void
  log: (line: string) => void
  /** cloud seconds per real second */
  timeScale: number
  priceOf: (instanceType: string, market: 'spot' | 'ondemand') => number | undefined
  /** asks for a reconcile pass at a real time (the controller's wake-up) */
  wakeAt: (realMs: number) => void
  fallbackAfterPreemptions?: number
  /**
   * While the job is off spot, how often (cloud seconds) it looks whether spot is back: a cloud does
   * not announce returning capacity, so this bounds how late the controller sees it (default 60).
   */
  spotProbeSeconds?: number
  /**
   * A real cloud: the boot script of the job's launches (engine/user-data.ts), undefined while none
   * can be made (e.g. the node agent's bundle is not published yet: then nothing is launched, since
   * an instance that boots nothing only bills). With it the job ends on the agent's exit report.
   */
  bootScript?: (workload: string, spec: JobSpec) => string | undefined
}

/** how far before C the clock's estimate is held on a real cloud, seconds (at least a minute, 1% of C) */
export function estimateCeiling(C: number): number {
  return C - Math.min(C / 2, Math.max(60, C / 100))
}

export interface JobRunner {
  reconcile(w: StoredWorkload, mine: ManagedInstance[]): Promise<void>
  view(w: StoredWorkload): JobView | undefined
}

const ALIVE = new Set(['pending', 'running', 'draining'])

export function freshJobState(): JobState {
  return {
    checkpointed: 0,
    base: 0,
    current: 'idle',
    choiceAt: NEVER,
    safetyNet: false,
    recheckFrom: NEVER,
    preemptions: 0,
    reason: 'not decided yet',
    decisions: [],
    checkpoints: [],
    noticed: [],
    trail: []
  }
}

/** Closes the current run in the trail: its start (when it ran at all) and where it stands at t. */
function markRun(s: JobState, t: number): void {
  const trail = (s.trail ??= [])
  if (s.runStart !== undefined && s.runStart < t) trail.push([s.runStart, s.base])
  trail.push([t, progressOf(s, t)])
}

/**
 * Progress over time in hours, [t, progress] points oldest first: from submission through every
 * run and drop the trail holds to now (or the finish), capped at the work C.
 */
export function progressTrail(s: JobState, now: number, C: number): [number, number][] {
  const points: [number, number][] = [[0, 0], ...(s.trail ?? [])]
  const end = s.finishedAt ?? now
  if (s.finishedAt === undefined) {
    if (s.runStart !== undefined && s.runStart < end) points.push([s.runStart, s.base])
    points.push([end, progressOf(s, end)])
  }
  return points.map(([t, p]) => [t / 3600, Math.min(C, p) / 3600])
}

/** Progress at job time t: what was saved plus the run of the current instance past its changeover. */
export function progressOf(s: JobState, t: number): number {
  if (s.runStart === undefined) return s.checkpointed
  return s.base + Math.max(0, t - s.runStart)
}

/** The job's C, R, d in seconds; R counted from submission (an absolute deadline in wall time). */
export function jobTimes(
  spec: JobSpec,
  submittedAt: number
): { C: number; R: number; d: number; every: number } {
  const C = spec.workHours * 3600
  const R =
    spec.deadlineHours !== undefined
      ? spec.deadlineHours * 3600
      : (Date.parse(spec.deadline!) - submittedAt) / 1000
  const every = (spec.checkpoint?.everyMinutes ?? 0) * 60
  return { C, R, d: spec.changeoverHours * 3600, every }
}

/** Gbit/s from a cloud's wording like 'Up to 10 Gigabit'; undefined when it says no number. */
export function networkGbps(wording: string): number | undefined {
  const m = /([\d.]+)\s*Gigabit/i.exec(wording)
  return m ? Number(m[1]) : undefined
}

/** the decision the reason comes from, when it is one: its figures are of that moment */
function reasonTime(s: JobState): { reasonAtHours?: number } {
  const last = s.decisions.at(-1)
  return last && last.reason === s.reason ? { reasonAtHours: last.at / 3600 } : {}
}

export function createJobRunner(deps: JobRunnerDeps): JobRunner {
  const { provider, history, clock } = deps
  const reported = deps.bootScript !== undefined
  /** progress as the policy sees it: on a real cloud the clock's estimate, held short of C */
  const estimate = (s: JobState, t: number, C: number): number =>
    reported ? Math.min(progressOf(s, t), estimateCeiling(C)) : progressOf(s, t)
  const policies = new Map<string, Policy>()
  /** jobs whose launch waits for a boot script (logged once) */
  const waitingForBoot = new Set<string>()
  const spotOutUntil = new Map<string, number>()
  const bandwidth = new Map<string, number>()

  const jobNow = (w: StoredWorkload): number =>
    ((clock.now() - w.createdAt) * deps.timeScale) / 1000
  const realAt = (w: StoredWorkload, t: number): number => w.createdAt + (t * 1000) / deps.timeScale

  const load = (w: StoredWorkload): JobState => {
    const stored = history.jobs.get(w.name)
    // a new generation is a new submission of the job: start it again
    if (stored && stored.generation === w.generation) return stored.state as JobState
    return freshJobState()
  }
  const save = (w: StoredWorkload, s: JobState): void => {
    s.decisions = s.decisions.slice(-KEEP_RECORDS)
    s.checkpoints = s.checkpoints.slice(-KEEP_RECORDS)
    s.noticed = s.noticed.slice(-KEEP_RECORDS)
    s.trail = (s.trail ?? []).slice(-KEEP_RECORDS)
    history.jobs.put(w.name, w.generation, s, clock.now())
  }
  const policyOf = (w: StoredWorkload, spec: JobSpec): Policy => {
    const key = `${w.name}#${w.generation}`
    let p = policies.get(key)
    if (!p) {
      p = createPolicy(spec.policy, {
        fallbackAfterPreemptions: deps.fallbackAfterPreemptions ?? 1
      })
      policies.set(key, p)
    }
    return p
  }

  const gibPerSecond = async (instanceType: string): Promise<number> => {
    const known = bandwidth.get(instanceType)
    if (known !== undefined) return known
    const [info] = await provider.describeInstanceTypes([instanceType])
    const gbps = info ? networkGbps(info.network) : undefined
    // a type whose link the cloud does not state: assume 1 Gbit/s, a plain floor
    const rate = gbpsToGiBps(gbps ?? 1)
    bandwidth.set(instanceType, rate)
    return rate
  }

  const checkpoint = (
    w: StoredWorkload,
    s: JobState,
    t: number,
    progress: number,
    how: JobCheckpointRecord['how'],
    data: Record<string, unknown> = {},
    instanceId?: string
  ): void => {
    s.checkpointed = progress
    s.checkpoints.push({ at: t, progress, how })
    deps.record({
      at: clock.now(),
      kind: 'checkpoint',
      instanceId,
      data: { workload: w.name, how, progressHours: progress / 3600, atHours: t / 3600, ...data }
    })
  }

  /** job time of the instance's interruption notice, from history (undefined when none was recorded) */
  const noticedAt = (w: StoredWorkload, instance: ManagedInstance): number | undefined => {
    const [notice] = history.eventsBetween(instance.launchedAt, clock.now(), {
      kinds: ['notice'],
      instanceId: instance.id,
      limit: 1
    })
    return notice ? ((notice.at - w.createdAt) * deps.timeScale) / 1000 : undefined
  }

  /** the current instance is gone or going: keep what the checkpoint plan saves */
  const lose = async (
    w: StoredWorkload,
    spec: JobSpec,
    s: JobState,
    t: number,
    instance: ManagedInstance | undefined
  ): Promise<void> => {
    // work stops at the notice, as in the simulator: what runs after it is not counted, so a notice
    // seen a pass late neither gains progress nor bills a checkpoint of work the plan never had
    const stoppedAt =
      instance?.noticeDeadline !== undefined ? Math.min(t, noticedAt(w, instance) ?? t) : t
    // a periodic checkpoint saved in a pass between the notice and now stays saved
    const progress = Math.max(s.checkpointed, estimate(s, stoppedAt, spec.workHours * 3600))
    const unsaved = progress - s.checkpointed
    // the run in the trail ends where its work stopped
    s.trail ??= []
    if (s.runStart !== undefined && s.runStart < stoppedAt) s.trail.push([s.runStart, s.base])
    s.trail.push([stoppedAt, progress])
    if (instance?.noticeDeadline !== undefined) {
      const secondsLeft = ((instance.noticeDeadline - clock.now()) * deps.timeScale) / 1000
      const stateGiB = spec.checkpoint?.stateGiB ?? 0
      const plan = planCheckpoint(stateGiB, await gibPerSecond(instance.instanceType), secondsLeft)
      checkpoint(
        w,
        s,
        stoppedAt,
        s.checkpointed + unsaved * plan.savedFraction,
        plan.decision,
        {
          secondsLeft,
          stateGiB,
          transferableGiB: plan.transferableGiB,
          savedFraction: plan.savedFraction
        },
        instance.id
      )
    } else if (unsaved > 0) {
      // gone without a notice: nothing could be saved, back to the last checkpoint
      s.checkpoints.push({ at: stoppedAt, progress: s.checkpointed, how: 'missed-notice' })
    }
    if (instance) s.noticed.push(instance.id)
    s.preemptions++
    s.runStart = undefined
    s.base = s.checkpointed
    s.instanceId = undefined
    s.current = 'idle'
    // the drop back to what was saved
    s.trail.push([stoppedAt, s.checkpointed])
    // the market chose for the policy: it may choose again at once
    s.choiceAt = NEVER
  }

  const terminate = async (id: string): Promise<void> => {
    try {
      await provider.terminate(id)
    } catch (error) {
      // already gone (a reclaim came first) is the expected race
      if (!isProviderError(error, 'not-found')) throw error
    }
  }

  const spotAvailable = (w: StoredWorkload, spec: JobSpec, s: JobState): boolean => {
    if (s.current === 'spot' && s.instanceId) return true
    const ask = provider.spotCapacityNow
    if (ask) return spec.instanceTypes.some((type) => ask.call(provider, type))
    return (spotOutUntil.get(w.name) ?? 0) <= clock.now()
  }

  const launch = async (
    w: StoredWorkload,
    spec: JobSpec,
    market: 'spot' | 'ondemand',
    userData: string | undefined
  ): Promise<ManagedInstance | undefined> => {
    let allFull = market === 'spot'
    for (const instanceType of spec.instanceTypes) {
      const result = await launchWithinBudget(
        { provider, clock, record: deps.record, budget: createBudget(0) },
        {
          instanceType,
          market,
          zones: spec.zones?.length ? spec.zones : undefined,
          name: `${w.name}-job-${clock.now().toString(36)}`,
          ...(userData !== undefined ? { userData } : {}),
          rootVolumeGiB: spec.diskGiB,
          tags: launchTags({ workload: w.name, role: 'job', generation: w.generation })
        },
        deps.priceOf(instanceType, market) ?? Number.NaN,
        { by: 'controller', workload: w.name, role: 'job' }
      )
      if (result.ok) return result.instance
      if (result.code !== 'capacity') allFull = false
      deps.log(`${w.name}: ${market} launch of ${instanceType} failed: ${result.reason}`)
    }
    if (allFull)
      spotOutUntil.set(w.name, clock.now() + (SPOT_RETRY_SECONDS * 1000) / deps.timeScale)
    return undefined
  }

  /** the agent's report that the job's command exited on this instance (history's job-exit event) */
  const exitOf = (instanceId: string, since: number): FleetEvent | undefined => {
    // the instance's clock stamps the report: no upper bound, so a clock ahead of ours still counts
    const [exit] = history.eventsBetween(since, Number.MAX_SAFE_INTEGER, {
      kinds: ['job-exit'],
      instanceId,
      limit: 1
    })
    return exit
  }

  /** exit 0 of the command: done; anything else: failed, stopped (not retried) */
  const endOnExit = (
    w: StoredWorkload,
    s: JobState,
    exit: FleetEvent,
    t: number,
    C: number,
    R: number
  ): void => {
    const exitCode = Number(exit.data?.exitCode)
    const phase = String(exit.data?.phase ?? 'run')
    const at = Math.max(0, Math.min(t, ((exit.at - w.createdAt) * deps.timeScale) / 1000))
    const instanceId = s.instanceId
    s.exit = { exitCode, phase }
    s.trail ??= []
    if (s.runStart !== undefined && s.runStart < at) s.trail.push([s.runStart, s.base])
    const hours = (x: number): string => `${(x / 3600).toFixed(2)} h`
    if (exitCode === 0 && phase === 'run') {
      s.finishedAt = at
      s.trail.push([at, C])
      checkpoint(w, s, at, C, 'periodic', { final: true, exitCode }, instanceId)
      s.base = C
      s.reason = `done at ${hours(at)} (deadline ${hours(R)}): the command exited 0`
    } else {
      s.failedAt = at
      s.trail.push([at, s.checkpointed])
      s.base = s.checkpointed
      const what =
        phase === 'run'
          ? `the command exited with code ${exitCode}`
          : phase === 'restore'
            ? `restoring its checkpoint from S3 failed (exit ${exitCode})`
            : phase === 'save'
              ? `saving its checkpoint to S3 failed (exit ${exitCode})`
              : `reading its hfTokenParameter from SSM failed (exit ${exitCode})`
      s.reason = `failed at ${hours(at)}: ${what}; stopped, not retried (apply it again to rerun it from its last checkpoint)`
      s.decisions.push({ at, choice: 'idle', reason: s.reason })
    }
    s.runStart = undefined
    s.instanceId = undefined
    s.current = 'idle'
    deps.record({
      at: clock.now(),
      kind: 'terminate',
      instanceId,
      data: {
        workload: w.name,
        reason: s.finishedAt !== undefined ? 'job done' : 'job failed',
        exitCode,
        phase,
        ...(s.finishedAt !== undefined ? { finishedHours: at / 3600 } : { failedHours: at / 3600 })
      }
    })
    deps.log(`${w.name}: ${s.reason}`)
  }

  const reconcile: JobRunner['reconcile'] = async (w, mine) => {
    const spec = w.spec as JobSpec
    const s = load(w)
    const { C, R, d, every } = jobTimes(spec, w.createdAt)
    const policy = policyOf(w, spec)
    const t = jobNow(w)
    const alive = mine.filter((i) => ALIVE.has(i.state) && roleOf(i) === 'job')

    if (s.finishedAt !== undefined || s.failedAt !== undefined) {
      for (const i of alive) await terminate(i.id)
      return
    }
    // a real cloud: the command's exit, reported by the agent, ends the job (before a reclaim that
    // came after it could count as lost work)
    if (reported && s.instanceId) {
      const exit = exitOf(s.instanceId, w.createdAt)
      if (exit) {
        endOnExit(w, s, exit, t, C, R)
        save(w, s)
        for (const i of alive) await terminate(i.id)
        return
      }
    }

    // the instance the state names: still there, under notice, or gone
    const current = s.instanceId ? alive.find((i) => i.id === s.instanceId) : undefined
    if (s.instanceId && (!current || current.noticeDeadline !== undefined))
      await lose(w, spec, s, t, current)
    // a booting instance makes progress from when it runs, if that is after launch + d
    if (current && s.runStart !== undefined && current.state === 'pending' && t > s.runStart)
      s.runStart = t

    let progress = estimate(s, t, C)
    if (!reported && progress >= C - 1e-9) {
      s.finishedAt = s.runStart !== undefined ? s.runStart + (C - s.base) : t
      markRun(s, s.finishedAt)
      checkpoint(w, s, s.finishedAt, C, 'periodic', { final: true }, s.instanceId)
      deps.record({
        at: clock.now(),
        kind: 'terminate',
        instanceId: s.instanceId,
        data: { workload: w.name, reason: 'job done', finishedHours: s.finishedAt / 3600 }
      })
      s.reason = `done at ${(s.finishedAt / 3600).toFixed(2)} h (deadline ${(R / 3600).toFixed(2)} h)`
      save(w, s)
      for (const i of alive) await terminate(i.id)
      return
    }
    // periodic checkpoints every `everyMinutes` of progress
    if (every > 0 && s.runStart !== undefined && progress - s.checkpointed >= every) {
      const saved = Math.floor(progress / every) * every
      checkpoint(w, s, s.runStart + (saved - s.base), saved, 'periodic', {}, s.instanceId)
    }
    // instances of this job the state does not know (a crash between launch and save): not ours to keep
    for (const i of alive)
      if (i.id !== s.instanceId && !s.noticed.includes(i.id)) await terminate(i.id)

    // past its estimate, a running job keeps its instance until its command exits
    if (reported && s.instanceId && progressOf(s, t) >= estimateCeiling(C)) {
      s.reason = `past its estimate of ${(C / 3600).toFixed(2)} h: running until its command exits`
      save(w, s)
      deps.wakeAt(realAt(w, t + (deps.spotProbeSeconds ?? DEFAULT_SPOT_PROBE_SECONDS)))
      return
    }

    const view = (): DeadlineView => ({
      now: t,
      progress: estimate(s, t, C),
      computeTime: C,
      deadline: R,
      changeover: d,
      spotAvailable: spotAvailable(w, spec, s),
      current: s.current,
      safetyNet: s.safetyNet,
      preemptions: s.preemptions,
      running: s.runStart !== undefined && t >= s.runStart,
      spotPrice: deps.priceOf(spec.instanceTypes[0], 'spot'),
      onDemandPrice: deps.priceOf(spec.instanceTypes[0], 'ondemand')
    })
    const before = view()
    const step = decideJobStep(policy, before, s.choiceAt === NEVER ? -Infinity : s.choiceAt)
    s.safetyNet = step.safetyNet
    // a real cloud: a launch needs the job's boot script; until it can be made (the node agent's
    // bundle and reports queue), nothing changes, since an instance that boots nothing only bills
    const userData =
      step.switchNow && step.choice !== 'idle' ? deps.bootScript?.(w.name, spec) : undefined
    const waitForBoot = reported && step.switchNow && step.choice !== 'idle' && !userData
    if (waitForBoot) {
      if (!waitingForBoot.has(w.name))
        deps.log(
          `${w.name}: not launched yet: no boot script for the job (the node agent's bundle and reports queue are needed: \`synkti aws setup\`, \`npm run build\`)`
        )
      waitingForBoot.add(w.name)
      s.reason = 'waiting for the node agent (its bundle and reports queue) before launching'
    } else waitingForBoot.delete(w.name)
    if (step.switchNow && !waitForBoot) {
      const reason = decisionReason(policy, { ...before, safetyNet: s.safetyNet }, step.choice)
      if (s.instanceId) {
        const old = s.instanceId
        markRun(s, t)
        progress = estimate(s, t, C)
        s.checkpointed = Math.max(s.checkpointed, progress)
        s.base = s.checkpointed
        s.runStart = undefined
        s.instanceId = undefined
        s.current = 'idle'
        // written before the terminate: a crash in between must not run the old instance on
        save(w, s)
        await terminate(old)
      }
      const record: JobDecisionRecord = { at: t, choice: step.choice, reason }
      if (step.choice !== 'idle') {
        const started = await launch(w, spec, step.choice, userData)
        if (started) {
          s.instanceId = started.id
          s.current = step.choice
          s.runStart = t + d
          s.base = s.checkpointed
          record.instanceId = started.id
        }
      }
      s.choiceAt = t
      s.reason = reason
      s.decisions.push(record)
      deps.log(`${w.name}: at ${(t / 3600).toFixed(3)} h -> ${step.choice}: ${reason}`)
    }
    const next = Math.min(
      nextJobWakeup(policy, view(), step.heldUntil, s),
      // the work completes, or a periodic checkpoint is due
      s.runStart !== undefined ? s.runStart + (C - s.base) : Infinity,
      s.runStart !== undefined && every > 0
        ? s.runStart + (Math.floor(progressOf(s, t) / every + 1) * every - s.base)
        : Infinity,
      s.runStart !== undefined && t < s.runStart ? s.runStart : Infinity,
      // off spot, a policy that would take spot may flip when it returns: look again
      s.current !== 'spot' ? t + (deps.spotProbeSeconds ?? DEFAULT_SPOT_PROBE_SECONDS) : Infinity
    )
    save(w, s)
    if (next < Infinity) deps.wakeAt(realAt(w, next))
  }

  return {
    reconcile: async (w, mine) => {
      try {
        await reconcile(w, mine)
      } catch (error) {
        deps.log(`${w.name}: job step failed: ${errorText(error)}`)
      }
    },
    view(w) {
      const spec = w.spec as JobSpec
      const stored = history.jobs.get(w.name)
      const s =
        stored && stored.generation === w.generation ? (stored.state as JobState) : freshJobState()
      const { C, R } = jobTimes(spec, w.createdAt)
      const t = s.finishedAt ?? s.failedAt ?? jobNow(w)
      return {
        progressHours:
          (s.finishedAt !== undefined ? Math.min(C, progressOf(s, t)) : estimate(s, t, C)) / 3600,
        workHours: C / 3600,
        expectedProgressHours:
          Math.min(C, expectedProgress({ computeTime: C, deadline: R }, t)) / 3600,
        elapsedHours: jobNow(w) / 3600,
        deadlineHours: R / 3600,
        checkpointedHours: s.checkpointed / 3600,
        checkpoints: s.checkpoints.length,
        preemptions: s.preemptions,
        safetyNet: s.safetyNet,
        decision: s.finishedAt !== undefined || s.failedAt !== undefined ? 'idle' : s.current,
        reason: s.reason,
        ...reasonTime(s),
        trail: progressTrail(s, t, C),
        ...(s.finishedAt !== undefined ? { finishedHours: s.finishedAt / 3600 } : {}),
        ...(s.failedAt !== undefined && s.exit
          ? { failed: { ...s.exit, atHours: s.failedAt / 3600 } }
          : {}),
        ...(s.instanceId ? { instanceId: s.instanceId } : {})
      }
    }
  }
}
