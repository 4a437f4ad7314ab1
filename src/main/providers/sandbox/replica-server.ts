// The sandbox cloud's serving replica: a real loopback HTTP server that plays one vLLM OpenAI server,
// so the router, the readiness check and the fail-closed drain run against real HTTP. It loads (503
// on /health, no model listed) for a delay, then answers /v1/chat/completions and /v1/completions
// with OpenAI-shaped, deterministic answers after a service time, streams as server-sent events,
// and exposes vLLM's running/waiting gauges at /metrics, counting the requests really in progress.
// close() is a graceful stop; kill() is what a reclaim does to a replica: every socket cut at once.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Counter, Gauge, Registry } from 'prom-client'
import { errorText } from '../../../shared/errors'
import type { Clock } from '../../clock'
import {
  chatRequestSchema,
  completionRequestSchema,
  errorBody,
  fullAnswer,
  generate,
  MAX_PROMPT_CHARS,
  promptsOf,
  streamChunk,
  tokenPiece,
  usageChunk,
  type AnswerHeader,
  type ChatRequest,
  type CompletionRequest,
  type Endpoint,
  type Generation
} from './replica-answers'

export interface ServiceTime {
  /** real ms before the first token of every request (prefill), default 20 */
  requestMs: number
  /** real ms per generated token, default 2 */
  perTokenMs: number
}

export interface SandboxReplicaOptions {
  /** the model this replica serves (listed at /v1/models; any other is a 404) */
  model: string
  /** time for the load delay and the service times; the caller's clock */
  clock: Clock
  /** real ms from start to ready (computed by the caller from the sandbox speed), 0 = ready at once */
  loadDelayMs: number
  /** names the replica in ids and the x-synkti-replica header (default 'sandbox') */
  replicaId?: string
  requestMs?: number
  perTokenMs?: number
  /** requests generating at once, as vLLM's max_num_seqs (default 8); beyond it they wait */
  maxConcurrency?: number
  /** requests that may wait for a slot (default 256); beyond it 503 */
  maxWaiting?: number
  /** request body cap, bytes (default 1 MiB); beyond it 413 */
  maxBodyBytes?: number
  /** open connections at once (default 512) */
  maxConnections?: number
  /** how long close() lets in-flight requests finish before cutting them, ms (default 10 000) */
  closeTimeoutMs?: number
  /** listen port on 127.0.0.1 (default 0: an ephemeral port) */
  port?: number
  /** where an unexpected error is reported (default console.error) */
  log?: (line: string) => void
}

export type ReplicaState = 'loading' | 'ready' | 'closing' | 'closed'

export interface SandboxReplica {
  /** http://127.0.0.1:<port> */
  readonly url: string
  readonly port: number
  readonly model: string
  readonly state: ReplicaState
  /** requests holding a generation slot / waiting for one (what /metrics reports) */
  readonly running: number
  readonly waiting: number
  /** requests answered in full since start */
  readonly completed: number
  /** resolves when the model is loaded; rejects if the replica stops first */
  whenReady(): Promise<void>
  /** change the service time for requests admitted from now on */
  setServiceTime(time: Partial<ServiceTime>): void
  /** graceful: stop accepting, let in-flight requests finish (bounded by closeTimeoutMs), stop */
  close(): Promise<void>
  /** a reclaim: destroy every socket at once, in-flight requests see their connection reset */
  kill(): Promise<void>
}

const DEFAULTS = {
  replicaId: 'sandbox',
  requestMs: 20,
  perTokenMs: 2,
  maxConcurrency: 8,
  maxWaiting: 256,
  maxBodyBytes: 1024 * 1024,
  maxConnections: 512,
  closeTimeoutMs: 10_000
}

/** Why a request or the replica's sleep was cut short: ours, not a fault. */
class Cancelled extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Cancelled'
  }
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly param?: string
  ) {
    super(message)
    this.name = 'HttpProblem'
  }
}

/** A FIFO of generation slots: at most `size` run, at most `queueLimit` wait. */
class Slots {
  running = 0
  private readonly queue: { admit: () => void }[] = []

  constructor(
    private readonly size: number,
    private readonly queueLimit: number
  ) {}

  get waiting(): number {
    return this.queue.length
  }

  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason)
    if (this.running < this.size) {
      this.running++
      return Promise.resolve()
    }
    if (this.queue.length >= this.queueLimit)
      return Promise.reject(
        new HttpProblem(503, 'ServiceUnavailableError', 'too many requests waiting')
      )
    return new Promise((resolve, reject) => {
      const entry = {
        admit: () => {
          signal.removeEventListener('abort', onAbort)
          this.running++
          resolve()
        }
      }
      const onAbort = (): void => {
        const i = this.queue.indexOf(entry)
        if (i >= 0) this.queue.splice(i, 1)
        reject(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.queue.push(entry)
    })
  }

  release(): void {
    this.running--
    this.queue.shift()?.admit()
  }
}

export async function startSandboxReplica(options: SandboxReplicaOptions): Promise<SandboxReplica> {
  const o = { ...DEFAULTS, ...options }
  check(o.model.length > 0 && o.model.length <= 256, 'model must be 1 to 256 characters')
  check(Number.isFinite(o.loadDelayMs) && o.loadDelayMs >= 0, 'loadDelayMs must be >= 0')
  check(Number.isInteger(o.maxConcurrency) && o.maxConcurrency >= 1, 'maxConcurrency must be >= 1')
  check(Number.isInteger(o.maxWaiting) && o.maxWaiting >= 0, 'maxWaiting must be >= 0')
  const log = o.log ?? ((line: string) => console.error(line))
  const clock = o.clock
  let serviceTime: ServiceTime = { requestMs: o.requestMs, perTokenMs: o.perTokenMs }
  checkServiceTime(serviceTime)

  let state: ReplicaState = 'loading'
  let completed = 0
  let sequence = 0
  // every sleep of the replica ends with it: a kill or a close cancels loading and generation
  const lifetime = new AbortController()
  const slots = new Slots(o.maxConcurrency, o.maxWaiting)
  const inFlight = new Set<Promise<void>>()
  const sockets = new Set<Socket>()

  const metrics = replicaMetrics(o.model, slots)

  // a zero wait is no wait: not even a timer (nor a sleeper on a manual clock that never moves)
  const pause = (ms: number, signal: AbortSignal): Promise<void> =>
    ms > 0
      ? clock.sleep(ms, signal)
      : signal.aborted
        ? Promise.reject(signal.reason)
        : Promise.resolve()

  const loaded = pause(o.loadDelayMs, lifetime.signal).then(() => {
    if (state === 'loading') state = 'ready'
  })
  // a stop before the model loaded rejects whenReady(), which a caller may never ask for
  loaded.catch(() => undefined)

  // while shutting down, no connection is kept alive for another request
  const replicaHeaders = (): Record<string, string> =>
    state === 'ready' || state === 'loading'
      ? { 'x-synkti-replica': o.replicaId }
      : { 'x-synkti-replica': o.replicaId, connection: 'close' }

  const send = (
    res: ServerResponse,
    status: number,
    body: object | string,
    type?: string
  ): void => {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, {
      'content-type': type ?? 'application/json',
      ...replicaHeaders()
    })
    res.end(text)
  }
  const sendProblem = (res: ServerResponse, problem: HttpProblem): void =>
    send(
      res,
      problem.status,
      errorBody(problem.status, problem.type, problem.message, problem.param)
    )

  const inference = async (
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: Endpoint
  ): Promise<void> => {
    const raw = await readBody(req, o.maxBodyBytes)
    const request = parseRequest(endpoint, raw)
    if (request.model !== o.model)
      throw new HttpProblem(
        404,
        'NotFoundError',
        `The model \`${request.model}\` does not exist.`,
        'model'
      )
    if (state === 'loading')
      throw new HttpProblem(503, 'ServiceUnavailableError', `the model ${o.model} is still loading`)
    if (state !== 'ready')
      throw new HttpProblem(503, 'ServiceUnavailableError', 'the replica is shutting down')

    const prompts = promptsOf(endpoint, request)
    if (prompts.reduce((sum, p) => sum + p.length, 0) > MAX_PROMPT_CHARS)
      throw new HttpProblem(
        400,
        'BadRequestError',
        `the prompt is over ${MAX_PROMPT_CHARS} characters`
      )
    const limit =
      (endpoint === 'chat' ? (request as ChatRequest).max_completion_tokens : undefined) ??
      request.max_tokens ??
      undefined
    const generations = prompts.map((p) => generate(p, limit, request.seed ?? 0))

    // the client going away (or a kill) cancels the request, waiting or running
    const cancel = new AbortController()
    res.on('close', () => cancel.abort(new Cancelled('client went away')))
    const signal = AbortSignal.any([cancel.signal, lifetime.signal])
    await slots.acquire(signal)
    try {
      const time = serviceTime
      const header: AnswerHeader = {
        id: `${endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-${o.replicaId}-${++sequence}`,
        created: Math.floor(clock.now() / 1000),
        model: o.model
      }
      if (request.stream)
        await streamAnswer(res, endpoint, header, generations, time, request, signal)
      else {
        const longest = Math.max(...generations.map((g) => g.tokens.length))
        await pause(time.requestMs + time.perTokenMs * longest, signal)
        send(res, 200, fullAnswer(endpoint, header, generations))
      }
      metrics.finished(generations)
      completed++
    } finally {
      slots.release()
    }
  }

  const streamAnswer = async (
    res: ServerResponse,
    endpoint: Endpoint,
    header: AnswerHeader,
    generations: readonly Generation[],
    time: ServiceTime,
    request: ChatRequest | CompletionRequest,
    signal: AbortSignal
  ): Promise<void> => {
    const event = (body: object | string): void => {
      res.write(`data: ${typeof body === 'string' ? body : JSON.stringify(body)}\n\n`)
    }
    await pause(time.requestMs, signal)
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...replicaHeaders()
    })
    if (endpoint === 'chat')
      generations.forEach((_, i) => event(streamChunk(endpoint, header, i, { role: true })))
    const longest = Math.max(...generations.map((g) => g.tokens.length))
    for (let t = 0; t < longest; t++) {
      if (t > 0) await pause(time.perTokenMs, signal)
      generations.forEach((g, i) => {
        if (t < g.tokens.length)
          event(streamChunk(endpoint, header, i, { text: tokenPiece(g.tokens, t) }))
      })
    }
    generations.forEach((g, i) =>
      event(streamChunk(endpoint, header, i, { finishReason: g.finishReason }))
    )
    if (request.stream_options?.include_usage) event(usageChunk(endpoint, header, generations))
    event('[DONE]')
    res.end()
  }

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://replica').pathname
    const method = req.method ?? 'GET'
    const allow = (expected: string): void => {
      if (method !== expected) throw new HttpProblem(405, 'MethodNotAllowed', 'Method Not Allowed')
    }
    switch (path) {
      case '/health':
        allow('GET')
        return send(res, state === 'ready' ? 200 : 503, '', 'text/plain; charset=utf-8')
      case '/v1/models':
        allow('GET')
        return send(res, 200, modelList(o.model, state === 'ready', clock))
      case '/metrics':
        allow('GET')
        return send(res, 200, await metrics.registry.metrics(), metrics.registry.contentType)
      case '/v1/chat/completions':
        allow('POST')
        return inference(req, res, 'chat')
      case '/v1/completions':
        allow('POST')
        return inference(req, res, 'completion')
      default:
        return send(res, 404, { detail: 'Not Found' })
    }
  }

  const server = createServer((req, res) => {
    const done = route(req, res)
      .catch((error: unknown) => {
        if (res.headersSent || res.destroyed) {
          // cut mid-answer by a kill, a close timeout or the client: nothing left to tell
          if (!(error instanceof Cancelled))
            log(`sandbox replica ${o.replicaId}: ${errorText(error)}`)
          res.destroy()
          return
        }
        if (error instanceof HttpProblem) return sendProblem(res, error)
        if (error instanceof Cancelled) return void res.destroy()
        log(`sandbox replica ${o.replicaId}: ${req.method} ${req.url}: ${errorText(error)}`)
        sendProblem(res, new HttpProblem(500, 'InternalServerError', errorText(error)))
      })
      .finally(() => inFlight.delete(done))
    inFlight.add(done)
  })
  server.maxConnections = o.maxConnections
  server.headersTimeout = 10_000
  server.requestTimeout = 60_000
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port

  const stopped = new Promise<void>((resolve) => server.once('close', () => resolve()))
  const stop = (): Promise<void> => {
    state = 'closed'
    lifetime.abort(new Cancelled('replica stopped'))
    for (const socket of sockets) socket.destroy()
    return stopped
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    model: o.model,
    get state() {
      return state
    },
    get running() {
      return slots.running
    },
    get waiting() {
      return slots.waiting
    },
    get completed() {
      return completed
    },
    whenReady: () => loaded,
    setServiceTime(time) {
      const next = { ...serviceTime, ...time }
      checkServiceTime(next)
      serviceTime = next
    },
    async close() {
      if (state === 'closed') return stopped
      state = 'closing'
      server.close() // stops accepting; idle keep-alive connections are closed too
      server.closeIdleConnections()
      const drained = Promise.allSettled([...inFlight]).then(() => undefined)
      const timeout = new AbortController()
      await Promise.race([
        drained,
        // this sleep only ever rejects when the abort below ends it, after the race is decided
        clock.sleep(o.closeTimeoutMs, timeout.signal).catch(() => undefined)
      ])
      timeout.abort()
      return stop()
    },
    kill() {
      if (state === 'closed') return stopped
      server.close()
      return stop()
    }
  }
}

/** vLLM's own exposition names: the drain reads vllm:num_requests_running and _waiting. */
function replicaMetrics(model: string, slots: Slots) {
  const registry = new Registry()
  const labels = { model_name: model, engine: '0' }
  const labelNames = ['model_name', 'engine'] as const
  new Gauge({
    name: 'vllm:num_requests_running',
    help: 'Number of requests in model execution batches.',
    labelNames,
    registers: [registry],
    collect() {
      this.set(labels, slots.running)
    }
  })
  new Gauge({
    name: 'vllm:num_requests_waiting',
    help: 'Number of requests waiting to be processed.',
    labelNames,
    registers: [registry],
    collect() {
      this.set(labels, slots.waiting)
    }
  })
  const success = new Counter({
    name: 'vllm:request_success_total',
    help: 'Count of successfully processed requests.',
    labelNames: [...labelNames, 'finished_reason'],
    registers: [registry]
  })
  const promptTokens = new Counter({
    name: 'vllm:prompt_tokens_total',
    help: 'Number of prefill tokens processed.',
    labelNames,
    registers: [registry]
  })
  const generationTokens = new Counter({
    name: 'vllm:generation_tokens_total',
    help: 'Number of generation tokens processed.',
    labelNames,
    registers: [registry]
  })
  return {
    registry,
    finished(generations: readonly Generation[]) {
      for (const g of generations) {
        success.inc({ ...labels, finished_reason: g.finishReason })
        promptTokens.inc(labels, g.promptTokens)
        generationTokens.inc(labels, g.tokens.length)
      }
    }
  }
}

function modelList(model: string, ready: boolean, clock: Clock): object {
  const created = Math.floor(clock.now() / 1000)
  return {
    object: 'list',
    data: ready
      ? [{ id: model, object: 'model', created, owned_by: 'vllm', root: model, parent: null }]
      : []
  }
}

function parseRequest(endpoint: Endpoint, raw: string): ChatRequest | CompletionRequest {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch (error) {
    throw new HttpProblem(400, 'BadRequestError', `the body is not JSON (${errorText(error)})`)
  }
  const parsed =
    endpoint === 'chat'
      ? chatRequestSchema.safeParse(json)
      : completionRequestSchema.safeParse(json)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const param = issue.path.join('.')
  throw new HttpProblem(
    400,
    'BadRequestError',
    `${param || 'body'}: ${issue.message}`,
    param || undefined
  )
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > limit) return reject(tooLarge(limit))
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        reject(tooLarge(limit))
        req.resume() // discard the rest; the 413 is sent once the handler sees the rejection
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
    // a client gone mid-body: without this the handler would wait for an end that never comes
    req.on('close', () => reject(new Cancelled('client went away')))
  })
}

const tooLarge = (limit: number): HttpProblem =>
  new HttpProblem(413, 'BadRequestError', `the request body is over ${limit} bytes`)

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`sandbox replica: ${message}`)
}

function checkServiceTime(time: ServiceTime): void {
  check(Number.isFinite(time.requestMs) && time.requestMs >= 0, 'requestMs must be >= 0')
  check(Number.isFinite(time.perTokenMs) && time.perTokenMs >= 0, 'perTokenMs must be >= 0')
}
