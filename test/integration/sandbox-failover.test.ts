// End to end on the sandbox cloud: a replayed real trace preempts a running spot instance, the engine
// fails it over, and the notice, the failover and its phases are in the SQLite history.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../src/shared/api'
import type { FleetEvent } from '../../src/shared/fleet'
import { openHistory } from '../../src/main/history'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'

const TRACE = resolve(__dirname, '../../resources/traces/aws-v100-4node-preemption-2023-08')

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const found = probe()
    if (found !== undefined) return found
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('sandbox fleet on a replayed trace', () => {
  let dir: string
  let runtime: Runtime | undefined

  afterEach(async () => {
    await runtime?.stop()
    runtime = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  it('a trace preemption is failed over and the whole story is in history', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-e2e-'))
    // one trace hour per real second, p3.2xlarge like the trace, a warm spare
    writeFileSync(
      join(dir, 'settings.json'),
      JSON.stringify({
        ...DEFAULT_SETTINGS,
        sandbox: { speed: 3600, tracePath: TRACE },
        fleet: { ...DEFAULT_SETTINGS.fleet, instanceType: 'p3.2xlarge' }
      })
    )
    runtime = await startRuntime({
      dataDir: dir,
      mode: 'sandbox',
      demo: true,
      routerPort: 0,
      seed: 3
    })
    const history = runtime.history
    const all = (): FleetEvent[] => history.eventsBetween(0, Date.now() + 60_000)

    const failoverEnd = await waitFor(
      'a completed failover',
      () =>
        all().find(
          (e) =>
            e.kind === 'failover-end' &&
            e.data?.outcome === 'ok' &&
            e.data?.role === 'serving' &&
            typeof e.data?.replacement === 'string'
        ),
      80_000
    )
    const noticed = failoverEnd.instanceId!
    const events = all().filter((e) => e.instanceId === noticed)
    const kinds = events.map((e) => e.kind)
    expect(kinds).toContain('launch')
    expect(kinds).toContain('notice')
    expect(kinds.indexOf('notice')).toBeLessThan(kinds.indexOf('failover-end'))
    const phases = events.filter((e) => e.kind === 'failover-phase').map((e) => e.data?.phase)
    expect(phases).toEqual(
      expect.arrayContaining([
        'noticed',
        'draining',
        'drained',
        'replacement-chosen',
        'replacement-ready',
        'routed'
      ])
    )
    // every phase is timed, in history's failover record
    const [stored] = history
      .failoversBetween(0, Date.now() + 1)
      .filter((f) => f.instanceId === noticed)
    expect(stored.phases.length).toBeGreaterThanOrEqual(4)
    for (const phase of stored.phases) expect(phase.durationMs).toBeGreaterThanOrEqual(0)
    // the replacement took the work: it serves behind the router (or was itself replaced since)
    const target = failoverEnd.data?.replacement as string
    expect(
      history.eventsBetween(0, Date.now() + 1, { instanceId: target }).map((e) => e.kind)
    ).toContain('launch')
    // it is billed, and the file is sound when reopened by another connection
    await runtime.stop()
    runtime = undefined
    const reopened = openHistory(join(dir, 'history.db'))
    expect(reopened.savings(0, Date.now() + 1).cost).toBeGreaterThan(0)
    expect(reopened.failoversBetween(0, Date.now() + 1).some((f) => f.instanceId === noticed)).toBe(
      true
    )
    reopened.close()
  }, 100_000)
})
