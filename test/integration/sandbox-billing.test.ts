// One bill, three readings: on a sandbox fleet run through the real runtime and a real SQLite file,
// the Fleet view's "cost so far", the Costs view's per-instance rows (the history ledger) and the
// sandbox cloud's own invoice agree to the cent for every instance at the same instant, for instances
// that ended (one after a few simulated seconds, so the one-minute minimum applies) and ones running.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, type ApiMethod } from '../../src/shared/api'
import type { FleetInstanceView } from '../../src/shared/api'
import type { CostRow, Savings } from '../../src/main/history'
import { dispatchApiCall } from '../../src/main/api/handlers'
import type { SandboxProvider } from '../../src/main/providers/sandbox'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'
import { manualClock, type ManualClock } from '../support/manual-clock'

/** simulated seconds per real second: a price step (300 s) every 83 ms, a sync every simulated hour */
const SPEED = 3600
/** two real seconds before a UTC midnight, so the run's bill falls on two days */
const START = Date.UTC(2025, 2, 1, 23, 59, 58)
const DAY = 86_400_000

/** moves the manual clock in small steps so every sleeper (sync loop, sandbox tick, drains) runs */
async function run(clock: ManualClock, ms: number, stepMs = 50): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) await clock.advance(stepMs)
}

/** equal to the cent: closeTo(x, 2) accepts a difference below half a cent */
function toTheCent(expected: number): unknown {
  return expect.closeTo(expected, 2)
}

describe('billing on the sandbox: the Fleet view, the Costs view and the cloud agree', () => {
  let dir: string
  let runtime: Runtime | undefined
  let clock: ManualClock

  afterEach(async () => {
    if (runtime) {
      // failovers in flight sleep on the manual clock: keep it moving until the runtime has stopped
      let stopped = false
      const stopping = runtime.stop().finally(() => (stopped = true))
      while (!stopped) await clock.advance(50)
      await stopping
      runtime = undefined
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('bills every instance, ended or running, the same to the cent in all three', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-billing-'))
    writeFileSync(
      join(dir, 'settings.json'),
      JSON.stringify({ ...DEFAULT_SETTINGS, sandbox: { speed: SPEED, tracePath: '' } })
    )
    clock = manualClock(START)
    runtime = await startRuntime({ dataDir: dir, mode: 'sandbox', demoFleet: 3, seed: 11, clock })
    const { engine, handlers } = runtime
    const sandbox = runtime.provider as SandboxProvider
    const api = <M extends ApiMethod>(method: M, input: unknown) =>
      dispatchApiCall(handlers, method, input)

    // a few simulated hours: prices step, the spare comes up, a reclaim is failed over
    await run(clock, 2500)
    const [longLived] = engine.instances().filter((i) => i.state === 'running' && !i.standby)
    expect(longLived).toBeDefined()
    await engine.terminate(longLived.id)
    // an instance that lives 10.8 simulated seconds: billed the one-minute minimum
    const brief = await engine.launch({ instanceType: 'g5.xlarge', market: 'ondemand' })
    await clock.advance(3)
    await engine.terminate(brief.id)
    await run(clock, 1500)

    // one instant for every reading: the manual clock stands still from here
    await engine.syncNow()
    const now = clock.now()
    const fleet = (await api('listInstances', {})) as FleetInstanceView[]
    const to = Math.ceil(now) // the Costs view's last-24-hours window
    const window = { from: to - DAY, to }
    const costs = (await api('costs', { ...window, by: 'instance' })) as CostRow[]
    const byInstance = new Map(costs.map((row) => [row.key, row]))
    const invoice = sandbox.billing()

    const running = fleet.filter((i) => i.state === 'running')
    const ended = invoice.filter((row) => !fleet.some((i) => i.id === row.instanceId))
    expect(running.length).toBeGreaterThan(0)
    expect(ended.map((row) => row.instanceId)).toEqual(
      expect.arrayContaining([longLived.id, brief.id])
    )
    expect(invoice.find((row) => row.instanceId === brief.id)?.cost).toBeCloseTo(
      (brief.onDemandPricePerHour * 60) / 3600,
      9
    )

    // the Fleet view against the Costs view
    for (const instance of fleet) {
      expect({ id: instance.id, cost: instance.costSoFar }).toEqual({
        id: instance.id,
        cost: toTheCent(byInstance.get(instance.id)?.cost ?? 0)
      })
    }
    // the Costs view against the cloud's invoice, for every instance the cloud billed
    expect(costs.map((row) => row.key).sort()).toEqual(invoice.map((row) => row.instanceId).sort())
    for (const bill of invoice) {
      const booked = byInstance.get(bill.instanceId)
      expect({
        id: bill.instanceId,
        cost: booked?.cost,
        ondemandCost: booked?.ondemandCost
      }).toEqual({
        id: bill.instanceId,
        cost: toTheCent(bill.cost),
        ondemandCost: toTheCent(bill.ondemandCost)
      })
    }
    // the Costs view's other readings are the same ledger: two days, and the savings total
    const days = (await api('costs', { ...window, by: 'day' })) as CostRow[]
    expect(days.map((d) => d.key)).toEqual(['2025-03-01', '2025-03-02'])
    const total = invoice.reduce((sum, bill) => sum + bill.cost, 0)
    expect(days.reduce((sum, d) => sum + d.cost, 0)).toEqual(toTheCent(total))
    expect(((await api('savings', window)) as Savings).cost).toEqual(toTheCent(total))
  }, 60_000)
})
