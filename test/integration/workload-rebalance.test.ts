// A service with `rebalance: replace` on the sandbox's synthetic market, where half the reclaims are
// announced by a rebalance recommendation 10 simulated minutes before the notice: the controller
// promotes a spare for the at-risk replica at once and retires the at-risk one (drained, then
// terminated) once the replacement serves, so it leaves before its notice ever comes.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { FleetEvent } from '../../src/shared/fleet'
import { systemClock } from '../../src/main/clock'
import { WORKLOAD_TAG } from '../../src/main/controller/tags'
import { createSandboxProvider } from '../../src/main/providers/sandbox'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'
import { createSandboxServing } from '../../src/main/serving/sandbox'
import { until } from '../support/until'

const SERVICE = (rebalance: 'replace' | 'wait'): string => `
kind: service
name: llama
model: meta-llama/Llama-3.1-8B-Instruct
replicas: 2
standby: 1
instanceTypes: [p3.2xlarge]
market: spot
rebalance: ${rebalance}
`

describe('rebalance recommendations', () => {
  let dir = ''
  let runtime: Runtime | undefined
  afterEach(async () => {
    await runtime?.stop()
    runtime = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  const run = async (rebalance: 'replace' | 'wait') => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-rebalance-'))
    // ×360: the recommendation comes 1.7 real s before the notice; boot + load take 0.4 s
    const sandbox = createSandboxProvider({
      clock: systemClock,
      seed: 11,
      speed: 360,
      bootSeconds: 60,
      preemptionRatePerHour: 3,
      market: { kind: 'synthetic' }
    })
    const serving = createSandboxServing(sandbox, systemClock, { loadSeconds: 90, requestMs: 5 })
    runtime = await startRuntime({
      dataDir: dir,
      mode: 'sandbox',
      sandbox: { provider: sandbox, serving },
      demo: false,
      routerPort: 0
    })
    await runtime.handlers.applyWorkloads({ text: SERVICE(rebalance), file: 'llama.yaml' })
    const history = runtime.history
    const events = (): FleetEvent[] => history.eventsBetween(0, Date.now() + 60_000)
    const ours = (e: FleetEvent): boolean =>
      !!e.instanceId && history.getInstance(e.instanceId)?.tags[WORKLOAD_TAG] === 'llama'
    // wait for recommendations whose instance has since gone (by us or by the reclaim)
    const settled = await until(
      'three recommended instances gone',
      () => {
        const all = events()
        const recommended = all.filter((e) => e.kind === 'rebalance' && ours(e))
        const gone = recommended.filter((r) =>
          all.some((e) => e.kind === 'terminate' && e.instanceId === r.instanceId)
        )
        return gone.length >= 3 ? { all, recommended: gone } : undefined
      },
      90_000
    )
    return settled
  }

  it('with rebalance: replace, an at-risk replica is replaced and retired before its notice', async () => {
    const { all, recommended } = await run('replace')
    let retiredEarly = 0
    for (const r of recommended) {
      const id = r.instanceId!
      const notice = all.find((e) => e.kind === 'notice' && e.instanceId === id)
      const drain = all.find((e) => e.kind === 'drain-start' && e.instanceId === id)
      if (drain?.data?.reason === 'rebalance recommendation: replaced by a ready one') {
        // retired after the recommendation, before any notice
        expect(drain.at).toBeGreaterThanOrEqual(r.at)
        if (notice) expect(drain.at).toBeLessThan(notice.at)
        retiredEarly++
      }
    }
    expect(retiredEarly).toBeGreaterThanOrEqual(2)
  }, 120_000)

  it('with rebalance: wait, nothing is retired for a recommendation', async () => {
    const { all } = await run('wait')
    expect(
      all.filter(
        (e) => e.kind === 'drain-start' && String(e.data?.reason ?? '').includes('rebalance')
      )
    ).toEqual([])
  }, 120_000)
})
