// The daemon's limits, one finding each, on a real loopback daemon (sandbox engine, SQLite file).
import { request } from 'node:http'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, MAX_EXPORT_TICKS } from '../../src/shared/api'
import { startApiServer, type ApiServer } from '../../src/main/api/http-server'
import { defaultSimulationConfig } from '../../src/main/simulator/config'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'
import { simulationWorkerScript } from '../support/simulation-worker'

const TOKEN = 'limits-token-0123456789abcdef'

type ErrorBody = { error: { code: string; message: string } }

/** A request with headers fetch will not send (Host, Origin), read to the end. */
function raw(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string }
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() })
        )
      }
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

describe('daemon limits over HTTP', () => {
  let dir: string
  let runtime: Runtime
  let server: ApiServer
  const logged: string[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-limits-'))
    const www = join(dir, 'www')
    mkdirSync(www)
    writeFileSync(join(www, 'index.html'), '<!doctype html><title>cockpit</title>')
    runtime = await startRuntime({
      // what-ifs run on worker threads only; the bundled worker of the current source
      workerScript: await simulationWorkerScript(),
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
      staticDir: www,
      log: (line) => logged.push(line)
    })
  })

  afterAll(async () => {
    runtime?.jobs.cancelAll()
    await server?.close()
    await runtime?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const rpc = async (method: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}/api/rpc/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body)
    })
    return {
      status: res.status,
      json: (await res.json()) as { result?: unknown; error?: { code: string; message: string } }
    }
  }

  it('answers a body over 1 MiB with 413, not a reset, and keeps serving', async () => {
    const big = await rpc('status', `{"pad":"${'x'.repeat(2 << 20)}"}`)
    expect(big).toEqual({
      status: 413,
      json: {
        error: { code: 'too-large', message: 'request body larger than 1048576 bytes (1 MiB)' }
      }
    })
    expect((await rpc('status', {})).status).toBe(200)
  })

  it('answers malformed %-encoding 400', async () => {
    const res = await fetch(`${server.url}/%E0%A4%A`)
    expect(res.status).toBe(400)
    expect(((await res.json()) as ErrorBody).error.message).toBe('malformed %-encoding in the path')
  })

  it('answers unknown instance ids 404 and unknown instance types 400', async () => {
    for (const method of ['drainInstance', 'terminateInstance']) {
      const res = await rpc(method, { instanceId: 'i-0123456789abcdef0' })
      expect(res.status, method).toBe(404)
      expect(res.json.error?.code).toBe('not-found')
    }
    const launch = await rpc('launchInstance', { instanceType: 'zz9.mega', market: 'spot' })
    expect(launch.status).toBe(400)
    expect(launch.json.error?.message).toMatch(/zz9\.mega/)
    expect(logged).toEqual([])
  })

  it('answers a launch over the budget cap 409', async () => {
    const settings = { ...structuredClone(DEFAULT_SETTINGS), budgetPerHour: 0.01 }
    expect((await rpc('updateSettings', { settings })).status).toBe(200)
    try {
      const launch = await rpc('launchInstance', { instanceType: 'g5.xlarge', market: 'ondemand' })
      expect(launch.status).toBe(409)
      expect(launch.json.error?.code).toBe('conflict')
    } finally {
      await rpc('updateSettings', { settings: DEFAULT_SETTINGS })
    }
  })

  it('refuses foreign Host and Origin headers with 403 (DNS rebinding), allows loopback names', async () => {
    const path = '/'
    expect((await raw(server.url, { path, headers: { host: 'evil.example:7777' } })).status).toBe(
      403
    )
    expect((await raw(server.url, { path, headers: { host: 'localhost:7777' } })).status).toBe(200)
    expect((await raw(server.url, { path, headers: { host: '[::1]:7777' } })).status).toBe(200)
    const origin = await raw(server.url, {
      method: 'POST',
      path: '/api/rpc/status',
      headers: { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' },
      body: '{}'
    })
    expect(origin.status).toBe(403)
    expect(JSON.parse(origin.body).error.message).toBe(
      'Origin "http://evil.example" is not this daemon'
    )
    expect((await rpc('status', {}, { origin: server.url })).status).toBe(200)
  })

  it('takes ?token= on the event stream only', async () => {
    const query = await fetch(`${server.url}/api/rpc/status?token=${TOKEN}`, {
      method: 'POST',
      body: '{}'
    })
    expect(query.status).toBe(401)
    const controller = new AbortController()
    const stream = await fetch(`${server.url}/api/stream?token=${TOKEN}`, {
      signal: controller.signal
    })
    expect(stream.status).toBe(200)
    controller.abort()
  })

  it('refuses an export of all history at once, quickly (it used to loop 6e6 ticks)', async () => {
    const started = performance.now()
    const res = await rpc('exportTrace', { from: 0, to: Date.now() })
    expect(res.status).toBe(400)
    expect(res.json.error?.message).toMatch(new RegExp(`at most ${MAX_EXPORT_TICKS}`))
    expect((await rpc('exportTrace', { from: -1e308, to: Date.now() })).status).toBe(400)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('refuses a saved trace path that is no trace, and a what-if through a symlink out of the exports', async () => {
    const fifo = join(dir, 'pipe.csv')
    execFileSync('mkfifo', [fifo])
    for (const tracePath of ['/dev/zero', '/etc/passwd', fifo]) {
      const settings = structuredClone(DEFAULT_SETTINGS)
      settings.sandbox.tracePath = tracePath
      const res = await rpc('updateSettings', { settings })
      expect(res.status, tracePath).toBe(400)
      expect(res.json.error?.message).toMatch(new RegExp(`^sandbox\\.tracePath: ${tracePath}: is `))
    }
    const exports = join(dir, 'data', 'traces')
    mkdirSync(exports, { recursive: true })
    symlinkSync('/etc', join(exports, 'escape'))
    const config = defaultSimulationConfig()
    config.market = { kind: 'trace', path: join(exports, 'escape', 'passwd'), binaryCapacity: 1000 }
    const res = await rpc('startSimulation', { config })
    expect(res.status).toBe(400)
    expect(res.json.error?.message).toMatch(/is not a bundled trace or a history export/)
  })

  it('runs at most 2 what-ifs at once: a third is 429', async () => {
    const config = defaultSimulationConfig()
    config.runs = 5000
    config.durationHours = 6
    if (config.workload.kind === 'batch') config.workload.tasks = 3
    const first = await rpc('startSimulation', { config })
    const second = await rpc('startSimulation', { config })
    expect([first.status, second.status]).toEqual([200, 200])
    const third = await rpc('startSimulation', { config })
    expect(third.status).toBe(429)
    expect(third.json.error?.message).toMatch(/2 what-if simulations are already running/)
    for (const job of [first, second])
      await rpc('cancelSimulation', { jobId: (job.json.result as { jobId: string }).jobId })
  })
})

describe('a bug is a 500, logged once with its context', () => {
  it('answers 500 without the stack and logs one line naming the route', async () => {
    const logged: string[] = []
    const runtimeless = await startApiServer({
      handlers: {
        status: async () => {
          throw new TypeError("Cannot read properties of undefined (reading 'x')")
        }
      } as never,
      stream: { publish: () => {}, subscribe: () => () => {} },
      token: TOKEN,
      log: (line) => logged.push(line)
    })
    try {
      const res = await fetch(`${runtimeless.url}/api/rpc/status`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: '{}'
      })
      expect(res.status).toBe(500)
      expect(((await res.json()) as ErrorBody).error).toEqual({
        code: 'failed',
        message:
          "internal error (logged by the daemon): TypeError: Cannot read properties of undefined (reading 'x')"
      })
      expect(logged).toEqual([
        "API bug: POST /api/rpc/status failed: TypeError: Cannot read properties of undefined (reading 'x')"
      ])
    } finally {
      await runtimeless.close()
    }
  })
})

describe('a saved trace path that cannot be replayed', () => {
  it('does not stop the start: the sandbox runs the synthetic market and status says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synkti-bad-trace-'))
    try {
      const data = join(dir, 'data')
      mkdirSync(data)
      const settings = structuredClone(DEFAULT_SETTINGS)
      settings.sandbox.tracePath = '/etc/passwd'
      writeFileSync(join(data, 'settings.json'), JSON.stringify(settings))
      const lines: string[] = []
      const runtime = await startRuntime({
        dataDir: data,
        mode: 'sandbox',
        demo: false,
        routerPort: 0,
        log: (l) => lines.push(l)
      })
      try {
        const message = runtime.engine.status().message
        expect(message).toMatch(
          /Sandbox: cannot replay trace: (TraceError: )?\/etc\/passwd: is not a trace file: .*; running the synthetic market instead$/
        )
        expect(message).not.toMatch(/root:/)
        expect(lines.some((l) => l.includes('running the synthetic market instead'))).toBe(true)
        expect(runtime.provider.name).toBeDefined()
      } finally {
        await runtime.stop()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
