import { describe, expect, it } from 'vitest'
import { FakeProvider } from '../../../test/support/fake-provider'
import { manualClock } from '../../../test/support/manual-clock'
import type { FleetEvent } from '../../shared/fleet'
import { jobWorkloadSchema } from '../../shared/workload'
import { openHistory } from '../history'
import { createJobRunner, freshJobState, jobTimes, networkGbps, progressOf } from './job'
import { WORKLOAD_TAG } from './tags'
import type { JobSpec } from './types'

describe('job state helpers', () => {
  it('counts progress only past the changeover of the current instance', () => {
    const s = { ...freshJobState(), checkpointed: 100, base: 100, runStart: 1000 }
    expect(progressOf(s, 900)).toBe(100)
    expect(progressOf(s, 1500)).toBe(600)
    expect(progressOf({ ...s, runStart: undefined }, 1500)).toBe(100)
  })

  it('reads C, R, d and the checkpoint period in seconds; an absolute deadline from submission', () => {
    const spec = {
      workHours: 6,
      deadline: '2026-12-01T09:00:00Z',
      changeoverHours: 0.2,
      checkpoint: { dir: '/ckpt', stateGiB: 20, everyMinutes: 30 }
    } as JobSpec
    expect(jobTimes(spec, Date.parse('2026-12-01T00:00:00Z'))).toEqual({
      C: 6 * 3600,
      R: 9 * 3600,
      d: 720,
      every: 1800
    })
  })

  it("reads a link's speed from the cloud's wording", () => {
    expect(networkGbps('Up to 10 Gigabit')).toBe(10)
    expect(networkGbps('25 Gigabit')).toBe(25)
    expect(networkGbps('Moderate')).toBeUndefined()
  })
})

describe('a job on a real cloud ends on its command exit', () => {
  const T0 = Date.UTC(2026, 11, 1)
  const BOOT = '#!/bin/bash\n# the job boot script\n'

  function setup(bootScript?: (workload: string, spec: JobSpec) => string | undefined) {
    const clock = manualClock(T0)
    const history = openHistory(':memory:', { clock: clock.now })
    const provider = new FakeProvider({ clock, bootMs: 0 })
    const events: FleetEvent[] = []
    const lines: string[] = []
    const runner = createJobRunner({
      provider,
      history,
      clock,
      record: (e) => {
        events.push(e)
        history.recordEvent(e)
      },
      log: (l) => lines.push(l),
      timeScale: 1,
      priceOf: (_type, market) => (market === 'spot' ? 0.45 : 1.01),
      wakeAt: () => {},
      bootScript
    })
    const spec = jobWorkloadSchema.parse({
      kind: 'job',
      name: 'ft',
      command: ['python', 'train.py'],
      workHours: 1,
      deadlineHours: 4,
      changeoverHours: 0,
      checkpoint: { dir: '/ckpt', stateGiB: 1, everyMinutes: 30 },
      instanceTypes: ['g5.xlarge'],
      diskGiB: 300
    })
    history.workloads.apply('ft', 'job', spec, T0)
    const w = () => history.workloads.get('ft')!
    const pass = async (): Promise<void> => {
      const mine = (await provider.listInstances()).filter((i) => i.tags[WORKLOAD_TAG] === 'ft')
      await runner.reconcile(w(), mine)
    }
    const view = () => runner.view(w())!
    const exit = (instanceId: string, exitCode: number, phase = 'run') =>
      history.recordEvent({
        at: clock.now(),
        kind: 'job-exit',
        instanceId,
        data: { exitCode, phase, source: 'agent' }
      })
    return { clock, history, provider, events, lines, pass, view, exit, spec }
  }

  it('launches with the boot script, runs past its estimate, and finishes on a reported exit 0', async () => {
    const seen: [string, JobSpec][] = []
    const j = setup((name, spec) => {
      seen.push([name, spec])
      return BOOT
    })
    await j.pass()
    expect(j.provider.launchRequests).toHaveLength(1)
    expect(j.provider.launchRequests[0].userData).toBe(BOOT)
    expect(j.provider.launchRequests[0].rootVolumeGiB).toBe(300)
    expect(seen[0]).toEqual(['ft', j.spec])
    const id = j.view().instanceId!
    expect(id).toBeDefined()
    // the launch's reason is the decision's, dated by it
    expect(j.view().reasonAtHours).toBe(0)
    // past C by the clock: not done, the instance keeps running, progress is held short of C
    await j.clock.advance(90 * 60_000)
    await j.pass()
    expect(j.view().finishedHours).toBeUndefined()
    expect(j.view().progressHours).toBeLessThan(1)
    expect(j.view().reason).toMatch(/past its estimate of 1.00 h: running until its command exits/)
    expect(j.view().reasonAtHours).toBeUndefined() // a state, not a decision
    expect(j.provider.terminated).toEqual([])
    j.exit(id, 0)
    await j.clock.advance(5000)
    await j.pass()
    const v = j.view()
    expect(v.finishedHours).toBeCloseTo(1.5, 5)
    expect(v.progressHours).toBe(1)
    expect(v.failed).toBeUndefined()
    expect(v.reason).toBe('done at 1.50 h (deadline 4.00 h): the command exited 0')
    expect(j.provider.terminated).toEqual([id])
    expect(j.events.filter((e) => e.kind === 'terminate')).toEqual([
      expect.objectContaining({
        instanceId: id,
        data: expect.objectContaining({ reason: 'job done', exitCode: 0 })
      })
    ])
    expect(j.events.filter((e) => e.kind === 'checkpoint').at(-1)!.data).toMatchObject({
      final: true,
      progressHours: 1
    })
    // done stays done: nothing more is launched
    await j.clock.advance(60_000)
    await j.pass()
    expect(j.provider.launchRequests).toHaveLength(1)
  })

  it('a non-zero exit fails the job with its code: stopped, not relaunched', async () => {
    const j = setup(() => BOOT)
    await j.pass()
    const id = j.view().instanceId!
    await j.clock.advance(10 * 60_000)
    j.exit(id, 3)
    await j.pass()
    const v = j.view()
    expect(v.failed).toEqual({ exitCode: 3, phase: 'run', atHours: expect.closeTo(10 / 60, 5) })
    expect(v.finishedHours).toBeUndefined()
    expect(v.decision).toBe('idle')
    expect(v.reason).toMatch(
      /^failed at 0.17 h: the command exited with code 3; stopped, not retried/
    )
    expect(j.provider.terminated).toEqual([id])
    expect(j.events.find((e) => e.kind === 'terminate')?.data).toMatchObject({
      reason: 'job failed',
      exitCode: 3,
      phase: 'run'
    })
    for (let i = 0; i < 3; i++) {
      await j.clock.advance(10 * 60_000)
      await j.pass()
    }
    expect(j.provider.launchRequests).toHaveLength(1)
    expect(
      j.lines.some((l) => /ft: failed at 0.17 h: the command exited with code 3/.test(l))
    ).toBe(true)
  })

  it('a failed checkpoint restore is a failure of its own, and an exit of another instance is not this one', async () => {
    const j = setup(() => BOOT)
    await j.pass()
    const id = j.view().instanceId!
    j.exit('i-someone-else', 0)
    await j.clock.advance(60_000)
    await j.pass()
    expect(j.view().finishedHours).toBeUndefined()
    expect(j.view().failed).toBeUndefined()
    j.exit(id, 1, 'restore')
    await j.pass()
    expect(j.view().failed).toMatchObject({ exitCode: 1, phase: 'restore' })
    expect(j.view().reason).toMatch(/restoring its checkpoint from S3 failed \(exit 1\)/)
  })

  it('without a boot script yet, launches nothing (an instance that boots nothing only bills)', async () => {
    const agent: { boot?: string } = {}
    const j = setup(() => agent.boot)
    await j.pass()
    expect(j.provider.launchRequests).toEqual([])
    await j.pass()
    expect(j.provider.launchRequests).toEqual([])
    expect(
      j.lines.filter((l) => /ft: not launched yet: no boot script for the job/.test(l))
    ).toHaveLength(1)
    expect(j.view().reason).toMatch(/waiting for the node agent/)
    expect(j.view().decision).toBe('idle')
    // the agent's bundle is published: the next pass launches, with it
    agent.boot = BOOT
    await j.clock.advance(1000)
    await j.pass()
    expect(j.provider.launchRequests.map((r) => r.userData)).toEqual([BOOT])
  })

  it('the sandbox (no boot script) still plays the job by its clock and ignores exit reports', async () => {
    const j = setup()
    await j.pass()
    expect(j.provider.launchRequests[0].userData).toBeUndefined()
    const id = j.view().instanceId!
    j.exit(id, 3)
    await j.clock.advance(61 * 60_000)
    await j.pass()
    expect(j.view().failed).toBeUndefined()
    expect(j.view().finishedHours).toBeCloseTo(1, 5)
  })
})
