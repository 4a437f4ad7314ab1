// The daemon's HTTP transport on loopback with a real engine (sandbox) and a real SQLite file.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StreamEvent } from '../../src/shared/api'
import { startApiServer, type ApiServer } from '../../src/main/api/http-server'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'

/** The daemon answers JSON envelopes; these tests read them loosely. */
type Envelope = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  result?: any
  clock?: { speed: number }
  error: { code: string; message: string }
}
const readJson = async (res: Response): Promise<Envelope> => (await res.json()) as Envelope

const TOKEN = 'test-token-0123456789abcdef'

describe('synkti serve over HTTP', () => {
  let dir: string
  let runtime: Runtime
  let server: ApiServer

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-http-'))
    const www = join(dir, 'www')
    mkdirSync(www)
    writeFileSync(join(www, 'index.html'), '<!doctype html><title>cockpit</title>')
    runtime = await startRuntime({
      dataDir: join(dir, 'data'),
      mode: 'sandbox',
      demo: false,
      routerPort: 0,
      token: TOKEN
    })
    server = await startApiServer({
      handlers: runtime.handlers,
      stream: runtime.hub,
      token: TOKEN,
      speed: runtime.speed,
      staticDir: www,
      agentSink: (kind, body) => runtime.engine.agentReport(kind, body)
    })
  })

  afterAll(async () => {
    await server?.close()
    await runtime?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const rpc = (method: string, body: unknown, token: string | null = TOKEN) =>
    fetch(`${server.url}/api/rpc/${method}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {})
      },
      body: JSON.stringify(body)
    })

  it('listens on loopback only by default', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('refuses calls without the token or with a wrong one', async () => {
    expect((await rpc('status', {}, null)).status).toBe(401)
    const wrong = await rpc('status', {}, 'not-the-token-at-all-000')
    expect(wrong.status).toBe(401)
    expect((await readJson(wrong)).error.code).toBe('unauthorized')
  })

  it('answers a valid call with the engine status', async () => {
    const res = await rpc('status', {})
    expect(res.status).toBe(200)
    const { result } = await readJson(res)
    expect(result.mode).toBe('sandbox')
  })

  it('says with every answer that carries times which clock they are on (the sandbox speed)', async () => {
    const status = (await readJson(await rpc('status', {}))).result
    expect(status.speed).toBeGreaterThan(1)
    const now = Date.now()
    for (const [method, body] of [
      ['events', { from: now - 3_600_000, to: now }],
      ['costs', { by: 'instance', from: now - 3_600_000, to: now }],
      ['listInstances', {}]
    ] as const) {
      const answer = await readJson(await rpc(method, body))
      expect(answer.error, method).toBeUndefined()
      expect(answer.clock, method).toEqual({ speed: status.speed })
    }
  })

  it('rejects a bad payload with a clear message naming the field, not a crash', async () => {
    const res = await rpc('events', { from: 10, to: 5 })
    expect(res.status).toBe(400)
    expect((await readJson(res)).error.message).toMatch(/"to" must be after "from"/)
    const launch = await rpc('launchInstance', { instanceType: 'g5.xlarge', market: 'moon' })
    expect(launch.status).toBe(400)
    expect((await readJson(launch)).error.message).toMatch(/market/)
    const unknown = await rpc('formatDisk', {})
    expect(unknown.status).toBe(404)
    const garbage = await fetch(`${server.url}/api/rpc/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: '{nope'
    })
    expect(garbage.status).toBe(400)
    expect((await readJson(garbage)).error.message).toMatch(/not valid JSON/)
  })

  it('refuses a what-if on a file outside the bundled traces and history exports', async () => {
    const { result: config } = await readJson(await rpc('defaultSimulationConfig', {}))
    config.market = { kind: 'trace', path: '/etc/passwd', binaryCapacity: 1000 }
    const res = await rpc('startSimulation', { config })
    expect(res.status).toBe(400)
    expect((await readJson(res)).error.message).toMatch(/not a bundled trace/)
  })

  it('streams live events: a launch shows up on the event stream', async () => {
    const controller = new AbortController()
    const response = await fetch(`${server.url}/api/stream?token=${TOKEN}`, {
      signal: controller.signal
    })
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/)
    const reader = response.body!.getReader()
    const seen: StreamEvent[] = []
    const reading = (async () => {
      let buffer = ''
      const decoder = new TextDecoder()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buffer += decoder.decode(value, { stream: true })
        let cut: number
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut)
          buffer = buffer.slice(cut + 2)
          if (frame.startsWith('data: ')) seen.push(JSON.parse(frame.slice(6)))
          if (seen.some((e) => e.type === 'event' && e.event.kind === 'launch')) return
        }
      }
    })()
    const launch = await rpc('launchInstance', {
      instanceType: 'g5.xlarge',
      market: 'ondemand',
      model: 'test/model'
    })
    expect(launch.status).toBe(200)
    await Promise.race([
      reading,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('no launch event streamed')), 10_000)
      )
    ])
    controller.abort()
    const launched = seen.find((e) => e.type === 'event' && e.event.kind === 'launch')
    expect(launched).toBeDefined()
  })

  it('serves the cockpit with a strict content security policy', async () => {
    const res = await fetch(`${server.url}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/)
    expect(await res.text()).toContain('cockpit')
    const traversal = await fetch(`${server.url}/..%2f..%2fetc%2fpasswd`)
    expect(await traversal.text()).not.toContain('root:')
  })

  it('takes node agent reports with the token and refuses malformed ones', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}/api/agent/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(body)
      })
    expect(
      (await post('heartbeat', { instanceId: 'i-0abc', at: Date.now(), state: 'watching' })).status
    ).toBe(200)
    const bad = await post('events', { instanceId: 'i-0abc', event: { kind: 'meteor' } })
    expect(bad.status).toBe(400)
    expect((await readJson(bad)).error.message).toMatch(/agent events report/)
    // a deadline job's exit status
    expect(
      (await post('job', { instanceId: 'i-0abc', at: Date.now(), exitCode: 0, phase: 'run' }))
        .status
    ).toBe(200)
    const badJob = await post('job', { instanceId: 'i-0abc', at: 1, exitCode: 256, phase: 'run' })
    expect(badJob.status).toBe(400)
    expect((await readJson(badJob)).error.message).toMatch(/^agent job report: exitCode: /)
  })
})
