// Faults of the history file under a running daemon: a full disk (SQLite's max_page_count) and a
// read-only database (query_only). What the daemon acknowledges is what history holds; status says
// why it cannot write; the daemon stays up and recovers when writes work again.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../../src/main/api/http-server'
import { defaultSimulationConfig } from '../../src/main/simulator/config'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'
import { simulationWorkerScript } from '../support/simulation-worker'

const TOKEN = 'fault-token-0123456789abcdef'
let dir: string
let runtime: Runtime
let server: ApiServer
let db: Database.Database
const logged: string[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'synkti-faults-'))
  runtime = await startRuntime({
    dataDir: join(dir, 'data'),
    mode: 'sandbox',
    demo: false,
    routerPort: 0,
    token: TOKEN,
    workerScript: await simulationWorkerScript(),
    log: (line) => logged.push(line)
  })
  server = await startApiServer({
    handlers: runtime.handlers,
    stream: runtime.hub,
    token: TOKEN,
    agentSink: (kind, body) => runtime.engine.agentReport(kind, body)
  })
  // the runtime's own connection: the limits below are per connection
  db = Reflect.get(runtime.history, 'db') as Database.Database
})

afterAll(async () => {
  await server?.close()
  await runtime?.stop()
  rmSync(dir, { recursive: true, force: true })
})

afterEach(() => {
  db.pragma('query_only = OFF')
  db.pragma('max_page_count = 1073741823')
})

/** the parts of the daemon's answers these tests read */
interface Reply {
  result?: { message?: string; jobId?: string; state?: string; error?: string }
  error?: { code: string; message: string }
}

const post = async (path: string, body: unknown) => {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body)
  })
  return { status: res.status, json: (await res.json()) as Reply }
}

let seq = 0
/** one agent's notice (with its drain result) for a new instance; returns its id */
const report = async () => {
  const instanceId = `i-fault${(seq++).toString().padStart(6, '0')}`
  const at = Date.now()
  const res = await post('/api/agent/events', {
    instanceId,
    event: {
      instanceId,
      kind: 'interruption-notice',
      action: 'terminate',
      deadline: at + 120_000,
      source: 'imds',
      observedAt: at,
      detail: 'x'.repeat(2000)
    },
    drain: {
      outcome: 'drained',
      startedAt: at,
      endedAt: at + 1,
      deregisterMs: 1,
      lastRunning: 0,
      lastWaiting: 0
    }
  })
  return { instanceId, res }
}

const stored = (instanceId: string) =>
  runtime.history
    .eventsBetween(0, Date.now() + 1e9)
    .filter((e) => e.instanceId === instanceId)
    .map((e) => e.kind)
    .sort()

describe('acknowledged = stored', () => {
  it('on a full disk: every 200 is in history, every refusal is a 503 with the reason', async () => {
    const pages = db.pragma('page_count', { simple: true }) as number
    db.pragma(`max_page_count = ${pages + 4}`)
    const outcomes = []
    for (let i = 0; i < 60; i++) outcomes.push(await report())
    const acked = outcomes.filter((o) => o.res.status === 200)
    const refused = outcomes.filter((o) => o.res.status !== 200)
    expect(refused.length).toBeGreaterThan(0)
    for (const o of acked) expect(stored(o.instanceId)).toEqual(['drain-end', 'notice'])
    for (const o of refused) {
      expect(o.res.status).toBe(503)
      expect(o.res.json.error?.message).toMatch(/^history cannot store .*full/)
    }
    const status = await post('/api/rpc/status', {})
    expect(status.json.result?.message).toMatch(/history cannot write: .*full/)
    // one log line for the condition, not one per refused report
    expect(logged.filter((l) => /history cannot write/.test(l))).toHaveLength(1)

    // space again: the agent's retry is stored and answered, and status clears
    db.pragma('max_page_count = 1073741823')
    for (const o of refused.slice(0, 3)) {
      const retry = await post('/api/agent/events', {
        instanceId: o.instanceId,
        event: {
          instanceId: o.instanceId,
          kind: 'interruption-notice',
          source: 'imds',
          observedAt: Date.now()
        }
      })
      expect(retry.status).toBe(200)
      expect(stored(o.instanceId)).toContain('notice')
    }
    expect((await post('/api/rpc/status', {})).json.result?.message).not.toMatch(/cannot write/)
    expect(logged).toContain('history writes again')
  })

  it('on a read-only database: nothing is acknowledged, and the daemon keeps answering', async () => {
    db.pragma('query_only = ON')
    for (let i = 0; i < 10; i++) {
      const { instanceId, res } = await report()
      expect(res.status).toBe(503)
      expect(res.json.error?.message).toMatch(
        /^history cannot store .*readonly|read-only|query_only/i
      )
      expect(stored(instanceId)).toEqual([])
    }
    expect((await post('/api/rpc/status', {})).json.result?.message).toMatch(/history cannot write/)
  })

  it('a what-if whose result cannot be saved is a failed job with the reason, not a crash', async () => {
    db.pragma('query_only = ON')
    const config = defaultSimulationConfig()
    config.runs = 2
    config.durationHours = 6
    if (config.workload.kind === 'batch') config.workload.tasks = 3
    const started = await post('/api/rpc/startSimulation', { config })
    expect(started.status).toBe(200)
    const jobId = started.json.result?.jobId as string
    let status: NonNullable<Reply['result']> = {}
    for (let i = 0; i < 200; i++) {
      status = (await post('/api/rpc/simulationStatus', { jobId })).json.result ?? {}
      if (status.state !== 'running') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(status.state).toBe('failed')
    expect(status.error).toMatch(/^result not saved: .*(readonly|query_only)/i)
    expect((await post('/api/rpc/status', {})).status).toBe(200)
  })
})
