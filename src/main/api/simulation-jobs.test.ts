import { beforeAll, describe, expect, it } from 'vitest'
import { simulationWorkerScript } from '../../../test/support/simulation-worker'
import type { SimulationJobStatus } from '../../shared/api'
import { defaultSimulationConfig } from '../simulator/config'
import { ApiError } from './handlers'
import { createSimulationJobs, SIMULATION_JOB_LIMITS } from './simulation-jobs'

function tinyConfig(runs = 1) {
  const config = defaultSimulationConfig()
  config.runs = runs
  config.durationHours = 2
  if (config.workload.kind === 'batch') config.workload.tasks = 2
  return config
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 5))
  }
}

let workerScript: string
beforeAll(async () => {
  workerScript = await simulationWorkerScript()
})

/** How late a 10 ms timer fires: what any request (status, cancel, a failover) waits on this event loop. */
async function loopLagMs(): Promise<number> {
  const start = performance.now()
  await new Promise((r) => setTimeout(r, 10))
  return performance.now() - start - 10
}

describe('simulation jobs are bounded', () => {
  it('defaults: 2 running, 20 ended kept', () => {
    expect(SIMULATION_JOB_LIMITS).toEqual({ running: 2, retained: 20 })
  })

  it('refuses a job over the running limit with a too-many ApiError', () => {
    const jobs = createSimulationJobs({ workerScript, limits: { running: 1 } })
    const first = jobs.start(tinyConfig(4000))
    let refusal: unknown
    try {
      jobs.start(tinyConfig())
    } catch (error) {
      refusal = error
    }
    expect(refusal).toBeInstanceOf(ApiError)
    expect(refusal).toMatchObject({ code: 'too-many' })
    jobs.cancel(first.jobId)
  })

  it('keeps only the newest ended jobs, never dropping a running one', async () => {
    const statuses: SimulationJobStatus[] = []
    const jobs = createSimulationJobs({
      workerScript,
      limits: { running: 5, retained: 2 },
      publish: (s) => statuses.push(s)
    })
    const ids: string[] = []
    for (let k = 0; k < 5; k++) {
      const { jobId } = jobs.start(tinyConfig())
      ids.push(jobId)
      await until(() => jobs.status(jobId)?.state === 'done')
    }
    expect(jobs.size()).toBe(2)
    expect(ids.map((id) => jobs.status(id)?.state)).toEqual([
      undefined,
      undefined,
      undefined,
      'done',
      'done'
    ])
    const long = jobs.start(tinyConfig(4000))
    const { jobId } = jobs.start(tinyConfig())
    await until(() => jobs.status(jobId)?.state === 'done')
    expect(jobs.status(long.jobId)?.state).toBe('running')
    expect(jobs.size()).toBe(3)
    jobs.cancel(long.jobId)
    await until(() => jobs.status(ids[4]) === undefined)
    expect(jobs.size()).toBe(2)
  })

  it('a large sweep runs off the event loop: status and cancel answer within 100 ms, cancel stops the workers', async () => {
    const jobs = createSimulationJobs({ workerScript })
    const config = defaultSimulationConfig()
    config.runs = 200
    config.durationHours = 240
    if (config.workload.kind === 'batch') {
      config.workload.tasks = 3000
      config.workload.arrivalWindowHours = 200
    }
    const { jobId } = jobs.start(config)
    // the workers are up and simulating (the first run included) while we ask
    await until(() => (jobs.status(jobId)?.done ?? 0) >= 1, 60_000)
    let worst = 0
    for (let k = 0; k < 30; k++) {
      worst = Math.max(worst, await loopLagMs())
      expect(jobs.status(jobId)?.state).toBe('running')
    }
    expect(worst).toBeLessThan(100)
    const asked = performance.now()
    expect(jobs.cancel(jobId)).toBe(true)
    await until(() => jobs.status(jobId)?.state === 'cancelled', 1000)
    expect(performance.now() - asked).toBeLessThan(100)
    // the workers are terminated: the process (its worker threads included) falls quiet
    await new Promise((r) => setTimeout(r, 300))
    const before = process.cpuUsage()
    const wall = performance.now()
    await new Promise((r) => setTimeout(r, 500))
    const used = process.cpuUsage(before)
    const cpuMs = (used.user + used.system) / 1000
    expect(cpuMs).toBeLessThan(0.3 * (performance.now() - wall))
  }, 90_000)
})

describe('a service-mode what-if', () => {
  it('runs on the worker threads like any other and is saved under a name that says it is a service', async () => {
    const config = defaultSimulationConfig()
    config.runs = 2
    config.durationHours = 2
    config.policies = []
    config.workload = {
      kind: 'service',
      replicas: 2,
      overProvision: 1,
      standby: 0,
      bootSeconds: 60,
      modelLoadSeconds: 60,
      placements: ['spothedge', 'even-spread']
    }
    const saved: string[] = []
    const jobs = createSimulationJobs({
      workerScript,
      save: (name) => {
        saved.push(name)
        return 1
      }
    })
    const { jobId } = jobs.start(config)
    await until(() => jobs.status(jobId)?.state === 'done')
    const output = jobs.status(jobId)?.output
    expect(output?.services?.map((s) => s.placement)).toEqual(['spothedge', 'even-spread'])
    expect(saved[0]).toMatch(/^service of 2 replicas, 2 h, synthetic/)
  })
})
