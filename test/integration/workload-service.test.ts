// A service through reclaims, end to end on the sandbox cloud replaying a bundled spot trace fast:
// real model servers on loopback, the real router, the controller, history in a SQLite file. A
// client sends a steady stream of requests through the router the whole time, while the daemon is
// restarted twice and its settings changed three times in the middle of failovers.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ManagedInstance } from '../../src/shared/fleet'
import { systemClock } from '../../src/main/clock'
import { ROLE_TAG, WORKLOAD_TAG } from '../../src/main/controller/tags'
import { createSandboxProvider } from '../../src/main/providers/sandbox'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'
import { createSandboxServing } from '../../src/main/serving/sandbox'

const TRACE = join(import.meta.dirname, '../../resources/traces/aws-v100-1node-2023-02')
/** one simulated hour per real second */
const SPEED = 3600
const SIM_HOURS = 24
const GRACE_MS = 1500
const BOOT_SECONDS = 90
const LOAD_SECONDS = 300
const SERVICE = `
kind: service
name: llama
model: meta-llama/Llama-3.1-8B-Instruct
replicas: 2
standby: 1
instanceTypes: [p3.2xlarge]
market: spot-with-fallback
`

interface Sample {
  at: number
  /** alive instances of the service, by role */
  serving: number
  standby: number
  leaving: number
  /** serving replicas not leaving that the router sends traffic to */
  routed: number
  untagged: number
  /** on-demand replicas covering for spot that cannot be had */
  fallback: number
  zones: string
}

describe('a service through reclaims, restarts and settings changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synkti-service-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('keeps 2 replicas answering through at least 10 reclaims, leaking and duplicating nothing', async () => {
    const sandbox = createSandboxProvider({
      clock: systemClock,
      seed: 5,
      speed: SPEED,
      minRealGraceMs: GRACE_MS,
      bootSeconds: BOOT_SECONDS,
      market: { kind: 'trace', path: TRACE, binaryCapacity: 4 }
    })
    const serving = createSandboxServing(sandbox, systemClock, {
      loadSeconds: LOAD_SECONDS,
      requestMs: 5
    })
    const logLines: string[] = []
    const log = (line: string): void => void logLines.push(`${Date.now()} ${line}`)
    const start = (): Promise<Runtime> =>
      startRuntime({
        dataDir: dir,
        mode: 'sandbox',
        sandbox: { provider: sandbox, serving },
        demo: false,
        routerPort: 0,
        log
      })
    let runtime = await start()
    const applied = await runtime.handlers.applyWorkloads({ text: SERVICE, file: 'llama.yaml' })
    expect(applied.changes).toEqual([
      { name: 'llama', kind: 'service', change: 'created', generation: 1 }
    ])

    // the client: two requests at a time through whichever router is up, for the whole run
    let routerUrl = runtime.router.url
    let stopClient = false
    const outcomes = { ok: 0, failed: 0, statuses: new Map<string, number>() }
    const failures: string[] = []
    const client = async (): Promise<void> => {
      while (!stopClient) {
        try {
          const res = await fetch(`${routerUrl}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'meta-llama/Llama-3.1-8B-Instruct',
              messages: [{ role: 'user', content: 'hello' }],
              max_tokens: 8
            }),
            signal: AbortSignal.timeout(5000)
          })
          await res.arrayBuffer()
          if (res.status === 200) outcomes.ok++
          else {
            failures.push(`${Date.now()} ${res.status}`)
            outcomes.failed++
            outcomes.statuses.set(
              String(res.status),
              (outcomes.statuses.get(String(res.status)) ?? 0) + 1
            )
          }
        } catch (error) {
          // the router itself is down only while the daemon restarts: not the service's failure
          if (!stopClient && !restarting) {
            outcomes.failed++
            const key = (error as Error).name
            outcomes.statuses.set(key, (outcomes.statuses.get(key) ?? 0) + 1)
          }
        }
        await new Promise((r) => setTimeout(r, 20))
      }
    }

    // wait until the service is up before counting
    let restarting = false
    const samples: Sample[] = []
    const sample = async (): Promise<Sample> => {
      const listed = (await sandbox.listInstances()).filter((i) => i.state !== 'terminated')
      const mine = listed.filter((i) => i.tags[WORKLOAD_TAG] === 'llama')
      const leaving = (i: ManagedInstance): boolean =>
        i.noticeDeadline !== undefined || i.tags['synkti:retiring'] === '1'
      const routedIds = new Set(runtime.router.replicas().map((r) => r.id))
      const s = {
        at: Date.now(),
        serving: mine.filter(
          (i) => i.tags[ROLE_TAG] === 'serving' && !leaving(i) && !i.tags['synkti:fallback']
        ).length,
        fallback: mine.filter((i) => i.tags['synkti:fallback'] === '1' && !leaving(i)).length,
        standby: mine.filter((i) => i.tags[ROLE_TAG] === 'standby' && !leaving(i)).length,
        leaving: mine.filter(leaving).length,
        routed: mine.filter((i) => routedIds.has(i.id) && !leaving(i)).length,
        untagged: listed.filter((i) => !i.tags[ROLE_TAG]).length,
        zones: [...new Set(mine.map((i) => i.zone))].sort().join(',')
      }
      if (!restarting) samples.push(s)
      return s
    }
    const deadline = Date.now() + 20_000
    while ((await sample()).routed < 2) {
      expect(Date.now()).toBeLessThan(deadline)
      await new Promise((r) => setTimeout(r, 50))
    }
    samples.length = 0
    const clients = [client(), client()]

    const simHours = (): number => sandbox.simulatedSeconds(Date.now()) / 3600
    const startHours = simHours()
    const settingsAt = [0.2, 0.45, 0.7].map((f) => startHours + f * SIM_HOURS)
    const restartAt = [0.33, 0.6].map((f) => startHours + f * SIM_HOURS)
    let settingsDone = 0
    let restartsDone = 0
    while (simHours() < startHours + SIM_HOURS) {
      await sample()
      const h = simHours()
      if (settingsDone < settingsAt.length && h >= settingsAt[settingsDone]) {
        const current = await runtime.handlers.getSettings({})
        const changes = [
          { budgetPerHour: 50, pollIntervalSeconds: 5 },
          { drainMarginSeconds: 20 },
          { budgetPerHour: 0, pollIntervalSeconds: 2, drainMarginSeconds: 5 }
        ][settingsDone]
        await runtime.handlers.updateSettings({ settings: { ...current, ...changes } })
        settingsDone++
      }
      if (restartsDone < restartAt.length && h >= restartAt[restartsDone]) {
        // restart while a failover is in flight when one is (the notices come every few seconds)
        restarting = true
        await runtime.stop()
        runtime = await start()
        routerUrl = runtime.router.url
        restarting = false
        restartsDone++
      }
      await new Promise((r) => setTimeout(r, 40))
    }
    stopClient = true
    await Promise.all(clients)
    expect(settingsDone).toBe(3)
    expect(restartsDone).toBe(2)

    const history = runtime.history
    const notices = history
      .eventsBetween(0, Date.now() + 1, { kinds: ['notice'] })
      .filter((e) => history.getInstance(e.instanceId!)?.tags[WORKLOAD_TAG] === 'llama')
    const ended = history.eventsBetween(0, Date.now() + 1, { kinds: ['failover-end'] })
    const summary = {
      reclaims: notices.length,
      failovers: ended.length,
      ok: outcomes.ok,
      failed: outcomes.failed,
      statuses: Object.fromEntries(outcomes.statuses),
      samples: samples.length
    }
    if (process.env.SYNKTI_TEST_TRACE) {
      const { writeFileSync } = await import('node:fs')
      writeFileSync(
        process.env.SYNKTI_TEST_TRACE,
        [
          ...logLines,
          ...failures.map((f) => `FAIL ${f}`),
          ...samples.map((s) => JSON.stringify(s)),
          JSON.stringify(summary)
        ].join('\n')
      )
    }

    // at least 10 reclaims over the run, each failed over
    expect(notices.length).toBeGreaterThanOrEqual(10)
    // no instance ever lacks a role; never more spot replicas and spares than declared, and never
    // more on-demand fallbacks than replicas (those cover failovers while spot cannot be had)
    const shown = (s: Sample): string =>
      `+${s.at - samples[0].at}ms serving ${s.serving} standby ${s.standby} fallback ${s.fallback} leaving ${s.leaving} untagged ${s.untagged}`
    expect(samples.filter((s) => s.untagged > 0).map(shown)).toEqual([])
    expect(samples.filter((s) => s.serving + s.standby > 2 + 1).map(shown)).toEqual([])
    expect(samples.filter((s) => s.fallback > 2).map(shown)).toEqual([])
    // serving back to 2 within the notice + boot + load time after every dip
    const recoverMs = GRACE_MS + ((BOOT_SECONDS + LOAD_SECONDS) * 1000) / SPEED + 1000
    let dipSince: number | undefined
    let longestDip = 0
    for (const s of samples) {
      if (s.routed < 2) dipSince ??= s.at
      else if (dipSince !== undefined) {
        longestDip = Math.max(longestDip, s.at - dipSince)
        dipSince = undefined
      }
    }
    expect(longestDip).toBeLessThanOrEqual(recoverMs)
    // the client: at least 99% answered, through reclaims and restarts
    expect(outcomes.ok / (outcomes.ok + outcomes.failed)).toBeGreaterThanOrEqual(0.99)

    // nothing leaked, nothing duplicated: after the last pass the provider and history agree
    await runtime.engine.syncNow()
    await runtime.engine.syncNow()
    const final = (await sandbox.listInstances()).filter((i) => i.state !== 'terminated')
    const settled = final.filter(
      (i) => i.noticeDeadline === undefined && i.tags['synkti:retiring'] !== '1'
    )
    expect(settled.filter((i) => i.tags[ROLE_TAG] === 'serving')).toHaveLength(2)
    expect(settled.filter((i) => i.tags[ROLE_TAG] === 'standby')).toHaveLength(1)
    const alive = new Set(final.map((i) => i.id))
    const historyAlive = history
      .fleetAt(Date.now())
      .filter((i) => i.tags[WORKLOAD_TAG] === 'llama')
      .map((i) => i.id)
    expect(new Set(historyAlive)).toEqual(alive)
    // every failover that started has ended
    const open = history
      .eventsBetween(0, Date.now() + 1, { kinds: ['failover-phase'] })
      .filter((e) => e.data?.phase === 'noticed')
      .map((e) => e.instanceId)
    const closed = new Set(ended.map((e) => e.instanceId))
    if (process.env.SYNKTI_TEST_TRACE) {
      const { appendFileSync } = await import('node:fs')
      for (const id of open.filter((id) => !closed.has(id) && !alive.has(id!)).slice(0, 3))
        appendFileSync(
          process.env.SYNKTI_TEST_TRACE,
          '\n' +
            history
              .eventsBetween(0, Date.now() + 1, { instanceId: id })
              .map((e) => JSON.stringify(e).slice(0, 300))
              .join('\n')
        )
    }
    expect(open.filter((id) => !closed.has(id) && !alive.has(id!))).toEqual([])

    await runtime.stop()
    await serving.stopAll()
    sandbox.stop()
  }, 120_000)
})
