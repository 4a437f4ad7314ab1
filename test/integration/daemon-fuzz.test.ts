// A seeded fuzz of the daemon's HTTP transport: a real loopback daemon (sandbox engine, SQLite file)
// gets well over 1,000 malformed requests across every route and every RPC method of the contract.
// Throughout: never a 500, `status` answered within 100 ms between batches, RSS growth bounded.
import { request, Agent } from 'node:http'
import { connect } from 'node:net'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_METHODS, DEFAULT_SETTINGS, type ApiMethod } from '../../src/shared/api'
import { createRandom, type Random } from '../../src/shared/random'
import { startApiServer, type ApiServer } from '../../src/main/api/http-server'
import { defaultSimulationConfig } from '../../src/main/simulator/config'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'
import { simulationWorkerScript } from '../support/simulation-worker'

const TOKEN = 'fuzz-token-0123456789abcdef'
const SEED = 20_251_101
const BATCH = 25
/** requests per RPC method from the value generator (on top of the fixed cases) */
const PER_METHOD = 40
const STATUS_WITHIN_MS = 100
const RSS_GROWTH_CAP_BYTES = 300 * 1024 * 1024

interface Probe {
  method: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
  /** what this request is, for the failure message */
  label: string
}

interface Answer {
  status: number
  body: string
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 })

function send(port: number, probe: Probe): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = probe.body === undefined ? undefined : Buffer.from(probe.body)
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: probe.method,
        path: probe.path,
        agent,
        headers: {
          ...(body && { 'content-length': String(body.length) }),
          ...probe.headers
        },
        timeout: 20_000
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })
        )
        res.on('error', reject)
      }
    )
    req.on('timeout', () => req.destroy(new Error(`timed out: ${probe.label}`)))
    req.on('error', reject)
    req.end(body)
  })
}

/** A request the HTTP client library would refuse to send: written to the socket as it is. */
function sendRaw(port: number, text: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')))
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', (error: NodeJS.ErrnoException) =>
      // the daemon may close after answering: what it answered is what counts
      error.code === 'ECONNRESET' && chunks.length ? finish() : reject(error)
    )
    const finish = (): void => {
      const text = Buffer.concat(chunks).toString('latin1')
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0)
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) })
    }
    socket.on('end', finish)
    socket.write(text, 'latin1')
  })
}

const auth: Record<string, string> = {
  authorization: `Bearer ${TOKEN}`,
  'content-type': 'application/json'
}

function deep(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
}

/** Values no field of the contract takes as they are: wrong types, out of range, hostile text. */
const HOSTILE: unknown[] = [
  1e308,
  -1e308,
  2 ** 53 + 2,
  -1,
  -0,
  1.5,
  1e-320,
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '0x10',
  '',
  ' ',
  'x'.repeat(70_000),
  '\u0000',
  '\ud800',
  '../../../../etc/passwd',
  '/dev/zero',
  '%E0%A4%A',
  null,
  true,
  [],
  [1, 2, 3],
  {},
  { $gt: '' },
  JSON.parse(deep(200, 'array')),
  JSON.parse(deep(200, 'object'))
]

function pick<T>(random: Random, list: readonly T[]): T {
  return list[Math.floor(random.next() * list.length)]
}

/** A valid input per method, so a one-field mutation reaches the deeper checks. */
function baseInputs(now: number): Record<ApiMethod, Record<string, unknown>> {
  const config = defaultSimulationConfig()
  config.durationHours = 6
  if (config.workload.kind === 'batch') config.workload.tasks = 5
  const window = { from: now - 3_600_000, to: now }
  return {
    status: {},
    listInstances: {},
    launchInstance: { instanceType: 'g5.xlarge', market: 'ondemand', name: 'fuzz' },
    terminateInstance: { instanceId: 'i-0000000000fuzz' },
    drainInstance: { instanceId: 'i-0000000000fuzz' },
    spotPrices: { ...window, zone: 'us-east-1a', limit: 10 },
    events: { ...window, limit: 10 },
    fleetAt: { at: now },
    costs: { ...window, by: 'day' },
    savings: window,
    costSeries: { ...window, buckets: 60 },
    exportTrace: { ...window, gapSeconds: 300 },
    bundledTraces: {},
    defaultSimulationConfig: {},
    startSimulation: { config, name: 'fuzz' },
    simulationStatus: { jobId: 'no-such-job' },
    cancelSimulation: { jobId: 'no-such-job' },
    listSimulationRuns: {},
    getSimulationRun: { id: 1 },
    getSettings: {},
    updateSettings: { settings: structuredClone(DEFAULT_SETTINGS) },
    checkCredentials: {},
    applyWorkloads: {
      text: 'kind: service\nname: fuzz\nmodel: m/fuzz\nreplicas: 0\ninstanceTypes: [g5.xlarge]\n',
      file: 'fuzz.yaml',
      dryRun: true
    },
    listWorkloads: {},
    cancelWorkload: { name: 'no-such-workload' },
    workloadEvents: { name: 'no-such-workload', limit: 10 },
    routerStats: {}
  }
}

/** Every leaf path of a value (objects and arrays), e.g. ['config', 'workload', 'tasks']. */
function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix]
  const entries = Array.isArray(value)
    ? value.map((v, i) => [i, v] as const)
    : Object.entries(value as Record<string, unknown>)
  const inner = entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]))
  return prefix.length ? [prefix, ...inner] : inner
}

function withValue(base: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>
  let node = copy
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
  node[path[path.length - 1]] = value
  return copy
}

/** The generated probes: seeded, so a failure names a request that can be sent again. */
function buildProbes(random: Random, now: number): Probe[] {
  const probes: Probe[] = []
  const rpc = (method: string, body: string | Buffer, label: string, headers = auth): void => {
    probes.push({ method: 'POST', path: `/api/rpc/${method}`, headers, body, label })
  }
  const bases = baseInputs(now)
  for (const method of API_METHODS) {
    // checkCredentials asks AWS: only bodies the schema refuses, so the fuzz stays on loopback
    const objectCases = method !== 'checkCredentials'
    for (const wrong of [5, '"text"', '[]', 'null', 'true', '-1e308', deep(5000, 'array')])
      rpc(method, String(wrong), `${method} with a body of ${String(wrong).slice(0, 20)}`)
    if (!objectCases) continue
    const base = bases[method]
    const paths = leafPaths(base)
    for (let k = 0; k < PER_METHOD; k++) {
      const value = pick(random, HOSTILE)
      const path = paths.length && random.next() < 0.85 ? pick(random, paths) : ['extra']
      const body = JSON.stringify(withValue(base, path, value))
      rpc(method, body, `${method} with ${path.join('.')} = ${JSON.stringify(value)?.slice(0, 30)}`)
    }
    rpc(
      method,
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
      `${method} __proto__`
    )
  }
  // bodies that are not JSON, or not UTF-8
  const garbage: [string, string | Buffer][] = [
    ['truncated JSON', '{"from": 1, "to":'],
    ['trailing comma', '{"from": 1,}'],
    ['single quotes', "{'from': 1}"],
    ['NaN literal', '{"from": NaN, "to": 2}'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
    ['UTF-16 with BOM', Buffer.from('\ufeff{"from":1}', 'utf16le')],
    ['NUL bytes', Buffer.alloc(64)],
    ['deep nesting, 400k', deep(400_000, 'array')]
  ]
  for (const [what, body] of garbage)
    for (const method of ['events', 'launchInstance', 'startSimulation', 'updateSettings'])
      rpc(method, body, `${method}: ${what}`)
  // huge bodies: 413, never a reset
  for (const size of [(1 << 20) + 1, 3 << 20])
    rpc('status', Buffer.alloc(size, 0x20), `status with a ${size}-byte body`)
  // bad tokens, and the token where it may not go
  const badTokens: [string, Record<string, string>][] = [
    ['no token', { 'content-type': 'application/json' }],
    ['wrong token', { authorization: 'Bearer wrong-token-0123456789abcde' }],
    ['one character off', { authorization: `Bearer ${TOKEN.slice(0, -1)}x` }],
    ['longer token', { authorization: `Bearer ${TOKEN}x` }],
    ['Basic scheme', { authorization: `Basic ${Buffer.from(TOKEN).toString('base64')}` }],
    ['bearer lower-case', { authorization: `bearer ${TOKEN}` }],
    ['huge token', { authorization: `Bearer ${'t'.repeat(8000)}` }]
  ]
  for (const [what, headers] of badTokens)
    for (const method of ['status', 'updateSettings', 'launchInstance'])
      rpc(method, '{}', `${method}: ${what}`, headers)
  for (const path of ['/api/rpc/status', '/api/agent/heartbeat'])
    probes.push({
      method: 'POST',
      path: `${path}?token=${TOKEN}`,
      body: '{}',
      label: `?token= on ${path}`
    })
  // foreign Host and Origin headers (DNS rebinding)
  const foreign: [string, Record<string, string>][] = [
    ['Host evil.example', { host: 'evil.example' }],
    ['Host evil.example:7777', { host: 'evil.example:7777' }],
    ['Host 127.0.0.1.nip.io', { host: '127.0.0.1.nip.io' }],
    ['Host with junk', { host: 'local host' }],
    ['Host [::1 unclosed', { host: '[::1' }],
    ['Origin evil.example', { origin: 'http://evil.example' }],
    ['Origin null', { origin: 'null' }],
    ['Origin file://', { origin: 'file://' }]
  ]
  for (const [what, headers] of foreign) {
    probes.push({ method: 'GET', path: '/', headers, label: `static: ${what}` })
    probes.push({
      method: 'GET',
      path: '/api/stream',
      headers: { ...headers, ...auth },
      label: `stream: ${what}`
    })
    rpc('status', '{}', `rpc: ${what}`, { ...auth, ...headers })
  }
  // odd paths, methods and encodings
  const paths = [
    '/%E0%A4%A',
    '/%',
    '/%00',
    '/..%2f..%2fetc%2fpasswd',
    '/api/rpc/%E0%A4%A',
    '/api/rpc/',
    '/api/rpc/__proto__',
    '/api/rpc/constructor',
    '/api/rpc/hasOwnProperty',
    '/api/rpc/status/extra',
    '/api/agent/%ff',
    '/api/agent/events',
    '/api/agent/heartbeat',
    '/api/nothing',
    `/${'a'.repeat(4000)}`,
    '//double//slashes',
    '/api/../api/rpc/status'
  ]
  for (const path of paths)
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'])
      probes.push({
        method,
        path,
        headers: auth,
        body: method === 'GET' || method === 'HEAD' ? undefined : '{}',
        label: `${method} ${path.slice(0, 40)}`
      })
  // agent reports of every wrong shape
  for (let k = 0; k < 40; k++) {
    const kind = random.next() < 0.5 ? 'events' : 'heartbeat'
    const base =
      kind === 'events'
        ? {
            instanceId: 'i-0fuzz',
            event: {
              instanceId: 'i-0fuzz',
              kind: 'interruption-notice',
              source: 'imds',
              observedAt: now
            }
          }
        : { instanceId: 'i-0fuzz', at: now, state: 'watching', load: 0 }
    const path = pick(random, leafPaths(base))
    const value = pick(random, HOSTILE)
    probes.push({
      method: 'POST',
      path: `/api/agent/${kind}`,
      headers: auth,
      body: JSON.stringify(withValue(base, path, value)),
      label: `agent ${kind} with ${path.join('.')} = ${JSON.stringify(value)?.slice(0, 30)}`
    })
  }
  // a stable order that still interleaves the kinds of request
  return probes
    .map((probe) => ({ probe, key: random.next() }))
    .sort((a, b) => a.key - b.key)
    .map(({ probe }) => probe)
}

const RAW: [string, string][] = [
  ['a request line with a space in the path', 'GET /a b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
  ['a control character in the path', 'GET /\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
  ['no Host header on HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n'],
  [
    'an absolute-form URL with a broken host',
    'GET http://[::1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
  ],
  ['a header without a colon', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nbroken\r\n\r\n'],
  ['a 20 KiB header', `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nx-big: ${'b'.repeat(20_000)}\r\n\r\n`],
  [
    'a negative Content-Length',
    'POST /api/rpc/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n'
  ],
  [
    'two Content-Lengths',
    'POST /api/rpc/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'
  ],
  [
    'a bad chunk size',
    `POST /api/rpc/status HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`
  ],
  ['HTTP/0.9', 'GET /\r\n\r\n'],
  ['garbage', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n']
]

describe('daemon fuzz: malformed requests on every route', () => {
  let dir: string
  let runtime: Runtime
  let server: ApiServer
  let port: number
  const bugs: string[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-fuzz-'))
    const www = join(dir, 'www')
    mkdirSync(www)
    writeFileSync(join(www, 'index.html'), '<!doctype html><title>cockpit</title>')
    runtime = await startRuntime({
      // what-ifs run on worker threads only; the bundled worker of the current source
      workerScript: await simulationWorkerScript(),
      dataDir: join(dir, 'data'),
      mode: 'sandbox',
      demo: true,
      routerPort: 0,
      token: TOKEN,
      log: () => {}
    })
    server = await startApiServer({
      handlers: runtime.handlers,
      stream: runtime.hub,
      token: TOKEN,
      staticDir: www,
      agentSink: (kind, body) => runtime.engine.agentReport(kind, body),
      log: (line) => bugs.push(line)
    })
    port = Number(new URL(server.url).port)
  })

  afterAll(async () => {
    agent.destroy()
    await server?.close()
    await runtime?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers 1,000+ malformed requests without a 500, staying responsive and bounded', async () => {
    const started = performance.now()
    const now = runtime.engine.status().now
    const probes = buildProbes(createRandom(SEED), now)
    expect(probes.length).toBeGreaterThanOrEqual(1000)

    const statusMs: number[] = []
    const sampleStatus = async (): Promise<void> => {
      const t = performance.now()
      const answer = await send(port, {
        method: 'POST',
        path: '/api/rpc/status',
        headers: auth,
        body: '{}',
        label: 'status'
      })
      statusMs.push(performance.now() - t)
      expect(answer.status, 'status between batches').toBe(200)
    }

    const rssBefore = process.memoryUsage().rss
    let rssPeak = rssBefore
    const byStatus = new Map<number, number>()
    const failures: string[] = []
    const record = (label: string, answer: Answer): void => {
      byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1)
      if (answer.status >= 500 && answer.status !== 502 && answer.status !== 503)
        failures.push(`${answer.status} for ${label}: ${answer.body.slice(0, 200)}`)
      if (answer.status === 0) failures.push(`no HTTP answer for ${label}`)
    }

    await sampleStatus()
    for (let i = 0; i < probes.length; i += BATCH) {
      const batch = probes.slice(i, i + BATCH)
      const answers = await Promise.all(batch.map((probe) => send(port, probe)))
      answers.forEach((answer, k) => {
        record(batch[k].label, answer)
        // every refusal is the contract's JSON error with one line (HEAD answers carry no body)
        if (answer.status >= 400 && batch[k].method !== 'HEAD') {
          const parsed = JSON.parse(answer.body) as { error?: { code?: string; message?: string } }
          expect(parsed.error?.code, batch[k].label).toBeTypeOf('string')
          expect(parsed.error?.message, batch[k].label).not.toContain('\n')
        }
      })
      await sampleStatus()
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
    }
    for (const [what, text] of RAW) record(`raw: ${what}`, await sendRaw(port, text))
    await sampleStatus()

    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    const statuses = [...byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`)
    process.stdout.write(
      `fuzz: ${probes.length + RAW.length} requests in ${seconds} s; ${statuses.join(', ')}; ` +
        `status at most ${Math.max(...statusMs).toFixed(1)} ms (${[...statusMs]
          .sort((a, b) => b - a)
          .slice(0, 8)
          .map((ms) => ms.toFixed(0))
          .join(' ')}); RSS +${((rssPeak - rssBefore) / 2 ** 20).toFixed(0)} MiB\n`
    )
    expect(failures).toEqual([])
    expect(bugs).toEqual([])
    // the refusals the contract promises, each seen at least once
    for (const status of [400, 401, 403, 404, 413])
      expect(byStatus.get(status) ?? 0, `HTTP ${status}`).toBeGreaterThan(0)
    expect(
      Math.max(...statusMs),
      `status latencies ${statusMs.map((ms) => ms.toFixed(0)).join(',')}`
    ).toBeLessThan(STATUS_WITHIN_MS)
    expect(rssPeak - rssBefore).toBeLessThan(RSS_GROWTH_CAP_BYTES)
    expect(performance.now() - started).toBeLessThan(45_000)
  }, 60_000)
})
