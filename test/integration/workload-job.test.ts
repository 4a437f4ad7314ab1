// A deadline job (C = 6 h, R = 9 h, uniform-progress) run live on the sandbox cloud replaying a
// bundled spot trace, and the simulator on the same trace from the same start: the controller must
// make the simulator's decisions, meet the deadline, cost no more than on-demand and resume from
// checkpoints after reclaims. The manual clock makes the live run deterministic.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { SimulationTimelineEvent } from '../../src/shared/simulation'
import type { JobState } from '../../src/main/controller/job'
import { WORKLOAD_TAG } from '../../src/main/controller/tags'
import { createSandboxProvider } from '../../src/main/providers/sandbox'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'
import { createSandboxServing } from '../../src/main/serving/sandbox'
import { defaultSimulationConfig } from '../../src/main/simulator/config'
import { prepareSimulation, simulateOneRun } from '../../src/main/simulator/run'
import { manualClock, type ManualClock } from '../support/manual-clock'

/** one zone that is reclaimed three times in the job's first four hours */
const TRACE = join(
  import.meta.dirname,
  '../../resources/traces/aws-v100-1node-2023-02/us-west-2a_v100_1.csv'
)
/** simulated seconds per real second */
const SPEED = 3600
/** real ms per manual-clock step: 36 simulated seconds, the "tick" decisions are compared within */
const STEP_MS = 10
const TICK_SECONDS = (STEP_MS / 1000) * SPEED
/**
 * How late a live decision may be. The simulator wakes on the market's capacity events; a cloud
 * does not announce returning spot, so the controller looks again every spot probe (60 s, the
 * controller's default) while off spot, and a pass runs at the next clock step after that.
 */
const LATENESS_SECONDS = 60 + TICK_SECONDS
const START = Date.UTC(2026, 11, 1, 0, 0, 0)
const JOB = `
kind: job
name: finetune
command: ["python", "train.py", "--resume", "/ckpt"]
workHours: 6
deadlineHours: 9
changeoverHours: 0.2
checkpoint: { dir: /ckpt, stateGiB: 20, everyMinutes: 30 }
policy: uniform-progress
instanceTypes: [p3.2xlarge]
`

interface Decision {
  at: number
  choice: string
}

/** the simulator's decisions: every launch, and the idle gaps a reclaim leaves */
function simulated(): { decisions: Decision[]; cost: number; ondemandCost: number; met: boolean } {
  const c = defaultSimulationConfig()
  const prepared = prepareSimulation({
    ...c,
    runs: 1,
    durationHours: 9,
    changeoverSeconds: 0.2 * 3600,
    policies: ['uniform-progress', 'ondemand'],
    market: { kind: 'trace', path: TRACE, binaryCapacity: 1 },
    workload: { kind: 'deadline', computeHours: 6, deadlineHours: 9 }
  })
  const timelines: Partial<Record<'uniform-progress', SimulationTimelineEvent[]>> = {
    'uniform-progress': []
  }
  const [up, od] = simulateOneRun(prepared, 0, timelines)
  const decisions = timelines['uniform-progress']!.filter((e) => e.kind === 'launch').map((e) => ({
    at: e.t,
    choice: e.market!
  }))
  return {
    decisions,
    cost: up.total_cost,
    ondemandCost: od.total_cost,
    met: up.deadline_met_pct === 100
  }
}

describe('a deadline job live on the sandbox against the simulator on the same trace', () => {
  let dir: string
  let runtime: Runtime | undefined
  let clock: ManualClock

  afterEach(async () => {
    if (runtime) {
      let stopped = false
      const stopping = runtime.stop().finally(() => (stopped = true))
      while (!stopped) await clock.advance(STEP_MS)
      await stopping
      runtime = undefined
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('makes the same decisions, meets the deadline, costs no more than on-demand, resumes from checkpoints', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-job-'))
    clock = manualClock(START)
    const sandbox = createSandboxProvider({
      clock,
      seed: 3,
      speed: SPEED,
      minRealGraceMs: 0,
      bootSeconds: 90,
      // the cloud's own loop as fine as the test's steps, so a notice reaches the controller at once
      tickMs: STEP_MS,
      market: { kind: 'trace', path: TRACE, binaryCapacity: 1 }
    })
    const serving = createSandboxServing(sandbox, clock, { loadSeconds: 60 })
    runtime = await startRuntime({
      dataDir: dir,
      mode: 'sandbox',
      sandbox: { provider: sandbox, serving },
      demo: false,
      routerPort: 0,
      clock
    })
    const applied = await runtime.handlers.applyWorkloads({ text: JOB, file: 'job.yaml' })
    expect(applied.changes).toEqual([
      { name: 'finetune', kind: 'job', change: 'created', generation: 1 }
    ])

    // the first decision at submission, as the simulator's at t = 0
    await runtime.controller.reconcile()
    const sim = simulated()
    // the simulated run this test was built on: reclaims, then on-demand to the end
    expect(sim.decisions.length).toBeGreaterThanOrEqual(3)

    let finishedAt: number | undefined
    for (let ms = 0; ms < 9.5 * 1000 && finishedAt === undefined; ms += STEP_MS) {
      await clock.advance(STEP_MS)
      const [view] = await runtime.handlers.listWorkloads({})
      finishedAt = view.job?.finishedHours
    }
    expect(finishedAt).toBeDefined()
    // let the last terminate land
    for (let k = 0; k < 20; k++) await clock.advance(STEP_MS)

    const [view] = await runtime.handlers.listWorkloads({})
    const job = view.job!
    expect(job.progressHours).toBeCloseTo(6, 6)
    expect(job.finishedHours!).toBeLessThanOrEqual(9)
    expect(job.expectedProgressHours).toBeGreaterThan(0)

    const history = runtime.history
    const state = history.jobs.get('finetune')!.state as JobState
    const live = state.decisions
      .filter((d) => d.choice !== 'idle')
      .map((d) => ({ at: d.at, choice: d.choice }))
    // same choices in the same order, each within a tick of the simulator's instant
    expect(live.map((d) => d.choice)).toEqual(sim.decisions.map((d) => d.choice))
    live.forEach((d, k) =>
      expect(Math.abs(d.at - sim.decisions[k].at)).toBeLessThanOrEqual(LATENESS_SECONDS)
    )

    // resumed from checkpoints after reclaims: each notice checkpointed by the plan (Full here: 20
    // GiB through 10 Gbit/s in a 120 s notice), and the next instance started from that progress
    const reclaims = state.checkpoints.filter((c) => c.how !== 'periodic')
    expect(reclaims.length).toBe(state.preemptions)
    expect(state.preemptions).toBeGreaterThanOrEqual(1)
    expect(reclaims.every((c) => c.how === 'full' && c.progress > 0)).toBe(true)
    expect(state.checkpoints.some((c) => c.how === 'periodic')).toBe(true)

    // the cost: the cloud's invoice for the job's instances, against the simulator's
    const invoice = sandbox
      .billing()
      .filter((row) => history.getInstance(row.instanceId)?.tags[WORKLOAD_TAG] === 'finetune')
    const cost = invoice.reduce((s, row) => s + row.cost, 0)
    expect(invoice.length).toBe(live.length)
    expect(cost).toBeLessThanOrEqual(sim.ondemandCost)
    expect(sim.met).toBe(true)
    // Not to the cent: every live decision comes up to LATENESS_SECONDS after the simulator's (the
    // spot probe and the clock step; work stops at the notice in both, so a late pass changes only
    // when the next instance starts). Each lag moves at most LATENESS_SECONDS of one instance's
    // bill: that is the bound. Measured: $13.925 live against $13.932 simulated (decisions 2-21 s
    // apart; before work stopped at the notice live it was $13.897).
    const bound = (live.length * LATENESS_SECONDS * 3.06) / 3600
    expect(Math.abs(cost - sim.cost)).toBeLessThanOrEqual(bound)
  }, 120_000)

  it('resumes after a daemon restart: the same instance adopted, progress kept, the deadline met', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-job-restart-'))
    clock = manualClock(START)
    const sandbox = createSandboxProvider({
      clock,
      seed: 3,
      speed: SPEED,
      minRealGraceMs: 0,
      bootSeconds: 90,
      tickMs: STEP_MS,
      market: { kind: 'trace', path: TRACE, binaryCapacity: 1 }
    })
    const serving = createSandboxServing(sandbox, clock, { loadSeconds: 60 })
    const start = (): Promise<Runtime> =>
      startRuntime({
        dataDir: dir,
        mode: 'sandbox',
        sandbox: { provider: sandbox, serving },
        demo: false,
        routerPort: 0,
        clock
      })
    runtime = await start()
    await runtime.handlers.applyWorkloads({ text: JOB, file: 'job.yaml' })
    await runtime.controller.reconcile()
    // two simulated hours on the first spot instance
    for (let ms = 0; ms < 2000; ms += STEP_MS) await clock.advance(STEP_MS)
    const [before] = await runtime.handlers.listWorkloads({})
    expect(before.job!.decision).toBe('spot')
    expect(before.job!.progressHours).toBeGreaterThan(1.5)
    const instanceBefore = before.job!.instanceId

    let stopped = false
    const stopping = runtime.stop().finally(() => (stopped = true))
    while (!stopped) await clock.advance(STEP_MS)
    await stopping
    runtime = await start()
    await runtime.controller.reconcile()
    const [after] = await runtime.handlers.listWorkloads({})
    expect(after.job!.instanceId).toBe(instanceBefore)
    expect(after.job!.progressHours).toBeGreaterThanOrEqual(before.job!.progressHours)

    let finished: number | undefined
    for (let ms = 0; ms < 9.5 * 1000 && finished === undefined; ms += STEP_MS) {
      await clock.advance(STEP_MS)
      finished = (await runtime.handlers.listWorkloads({}))[0].job?.finishedHours
    }
    expect(finished).toBeLessThanOrEqual(9)
    const state = runtime.history.jobs.get('finetune')!.state as JobState
    // the first instance was not replaced by the restart: the decisions are the same as without one
    expect(state.decisions.filter((d) => d.choice !== 'idle').map((d) => d.choice)).toEqual(
      simulated().decisions.map((d) => d.choice)
    )
  }, 120_000)
})
