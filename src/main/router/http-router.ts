import { timingSafeEqual } from 'node:crypto'
import {
  Agent,
  createServer,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { pipeline } from 'node:stream'
import { z } from 'zod'
import { errorText } from '../../shared/errors'
import { systemClock, type Clock } from '../clock'
import { silentLog, type Log } from '../logging/log'
import {
  BodyTooLarge,
  ClientGone,
  endToEndHeaders,
  openAiError,
  readBody,
  routedRequestSchema,
  type OpenAiErrorType
} from './openai-wire'
import {
  ReplicaTable,
  type DeclaredService,
  type Outcome,
  type ReplicaState,
  type ServiceState
} from './replica-table'
import { createRouterMetrics, type RejectReason } from './router-metrics'
import type { ReplicaEndpoint, RouterPort } from './types'

export const DEFAULT_ROUTER_PORT = 8000

export interface HttpRouterOptions {
  /** stats time (the requests/s window, how long an emptied service stays known); real by default */
  clock?: Clock
  /** 127.0.0.1 unless told otherwise */
  host?: string
  /** 0 for an ephemeral port; DEFAULT_ROUTER_PORT (8000) when omitted */
  port?: number
  /** when set, every route but /health needs `Authorization: Bearer <apiKey>` */
  apiKey?: string
  /** larger request bodies get 413; 4 MiB by default */
  maxBodyBytes?: number
  /** to open a TCP connection to a replica; a timeout is retried on another replica */
  connectTimeoutMs?: number
  /** from sending the request to the replica's response headers; a timeout is answered 504 */
  firstByteTimeoutMs?: number
  /** silence of a replica in the middle of a response after which the response is cut */
  idleTimeoutMs?: number
  /** the Retry-After of a 503 when no replica is ready, seconds */
  retryAfterSeconds?: number
  /** new requests avoid a replica this long after it refused or reset a connection (0: never) */
  ejectMs?: number
  /** on close(), how long requests in flight may take to finish before they are cut */
  closeGraceMs?: number
  /** idle keep-alive connections kept per replica */
  maxFreeSocketsPerReplica?: number
  /** services the controller wants: their models get 503 (not 404) while none is ready */
  declaredServices?: () => Iterable<DeclaredService>
  /** latencies kept per replica and per service for p50/p99 */
  latencySamples?: number
  rateWindowSeconds?: number
  /** how long a service whose last replica left stays known (503, not 404), clock ms */
  forgetAfterMs?: number
  log?: Log
}

export interface HttpRouter extends RouterPort {
  /** http://host:port */
  readonly url: string
  readonly port: number
  /** the Prometheus exposition text that GET /metrics answers */
  metricsText(): Promise<string>
  /** stops accepting, lets requests in flight finish within closeGraceMs, then cuts the rest */
  close(): Promise<void>
}

const MiB = 1 << 20
/** the error codes OpenAI itself uses, where it has one */
const OPENAI_CODE: Partial<Record<RejectReason, string>> = {
  unauthorized: 'invalid_api_key',
  unknown_model: 'model_not_found'
}
const PROXIED_PATHS = new Set(['/v1/chat/completions', '/v1/completions'])

const replicaEndpointSchema = z.object({
  id: z.string().min(1).max(256),
  service: z.string().min(1).max(256),
  model: z.string().min(1).max(512),
  baseUrl: z
    .string()
    .max(2048)
    .refine((text) => URL.canParse(text) && new URL(text).protocol === 'http:', {
      message: 'baseUrl must be an http:// URL'
    })
})

/** how one attempt on one replica ended before anything was forwarded to the client */
type AttemptResult =
  | { kind: 'response'; upstream: IncomingMessage; request: ClientRequest }
  | { kind: 'failed'; error: Error; cause: FailureCause; reusedSocket: boolean }

type FailureCause = 'connect-timeout' | 'first-byte-timeout' | 'connection' | 'client-gone'

/** one client request's shared fate: the client went away, or the replica cut the answer */
interface Exchange {
  clientGone: AbortController
  replicaCut: boolean
}

class UpstreamTimeout extends Error {
  override name = 'UpstreamTimeout'
}

/**
 * An OpenAI-compatible proxy in front of the ready replicas: the model in the request picks the
 * replicas, the one with the fewest requests in flight serves. A request that fails before any
 * byte reached the client is retried once on another replica; once the replica's headers are
 * forwarded the answer is the replica's, byte for byte, streamed as it comes.
 */
export async function startHttpRouter(options: HttpRouterOptions = {}): Promise<HttpRouter> {
  const clock = options.clock ?? systemClock
  const log = options.log ?? silentLog
  const host = options.host ?? '127.0.0.1'
  const maxBodyBytes = options.maxBodyBytes ?? 4 * MiB
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000
  const firstByteTimeoutMs = options.firstByteTimeoutMs ?? 120_000
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000
  const retryAfterSeconds = options.retryAfterSeconds ?? 5
  const ejectMs = options.ejectMs ?? 5_000
  const closeGraceMs = options.closeGraceMs ?? 5_000
  const apiKey = options.apiKey === undefined ? undefined : Buffer.from(options.apiKey)
  if (apiKey !== undefined && apiKey.length === 0)
    throw new RangeError('the router API key must not be empty')

  // the metrics read the table at scrape time; the table tells the metrics what happens
  const metrics = createRouterMetrics(() => replicas)
  const replicas = new ReplicaTable({
    clock,
    latencySamples: options.latencySamples,
    rateWindowSeconds: options.rateWindowSeconds,
    forgetAfterMs: options.forgetAfterMs,
    declaredServices: options.declaredServices,
    observer: metrics.observer
  })
  // one keep-alive pool for every replica (the agent keys sockets by host:port)
  const agent = new Agent({
    keepAlive: true,
    maxFreeSockets: options.maxFreeSocketsPerReplica ?? 64,
    scheduling: 'lifo'
  })
  const active = new Set<ServerResponse>()
  let closing = false

  const sendJson = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {}
  ): void => {
    if (res.headersSent || res.destroyed) return
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers
    })
    res.end(text)
  }

  const reject = (
    res: ServerResponse,
    status: number,
    reason: RejectReason,
    type: OpenAiErrorType,
    message: string,
    headers: Record<string, string> = {}
  ): void => {
    metrics.rejected(reason)
    sendJson(res, status, openAiError(message, type, OPENAI_CODE[reason] ?? reason), headers)
  }

  const authorized = (req: IncomingMessage): boolean => {
    if (apiKey === undefined) return true
    const header = req.headers.authorization ?? ''
    const match = /^Bearer (.+)$/i.exec(header)
    if (!match) return false
    const given = Buffer.from(match[1])
    // compare in constant time for keys of the same length; a length mismatch leaks only that
    return given.length === apiKey.length && timingSafeEqual(given, apiKey)
  }

  const createdAt = Math.floor(clock.now() / 1000)
  const modelObject = (id: string): unknown => ({
    id,
    object: 'model',
    created: createdAt,
    owned_by: 'synkti'
  })

  const listModels = (): unknown => ({
    object: 'list',
    data: replicas.readyModels().map((id) => modelObject(id))
  })

  /** one attempt: resolves when the replica's headers arrive or the attempt failed before that */
  const attempt = (
    replica: ReplicaEndpoint,
    req: IncomingMessage,
    body: Buffer,
    signal: AbortSignal
  ): Promise<AttemptResult> =>
    new Promise((resolve) => {
      const base = new URL(replica.baseUrl)
      const prefix = base.pathname.replace(/\/+$/, '')
      const headers = endToEndHeaders(req.headers, [
        'host',
        'content-length',
        'expect',
        // the router's own key stays at the router; without one, the client's goes on
        ...(apiKey === undefined ? [] : ['authorization'])
      ])
      headers['content-length'] = String(body.length)
      const forwardedFor = req.headers['x-forwarded-for']
      const remote = req.socket.remoteAddress ?? ''
      headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${remote}` : remote
      let settled = false
      let connectTimer: NodeJS.Timeout | undefined
      let firstByteTimer: NodeJS.Timeout | undefined
      const clearTimers = (): void => {
        clearTimeout(connectTimer)
        clearTimeout(firstByteTimer)
      }
      const upstream = httpRequest({
        agent,
        // URL keeps IPv6 literals in brackets; the socket wants the bare address
        host: base.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: base.port || 80,
        method: req.method,
        path: prefix + (req.url ?? '/'),
        headers,
        signal
      })
      let cause: FailureCause = 'connection'
      const fail = (error: Error): void => {
        clearTimers()
        if (settled) return
        settled = true
        upstream.destroy()
        resolve({
          kind: 'failed',
          error,
          cause: signal.aborted ? 'client-gone' : cause,
          reusedSocket: upstream.reusedSocket
        })
      }
      upstream.on('socket', (socket: Socket) => {
        if (!socket.connecting) return
        connectTimer = setTimeout(() => {
          cause = 'connect-timeout'
          upstream.destroy(new UpstreamTimeout(`no connection within ${connectTimeoutMs} ms`))
        }, connectTimeoutMs)
        socket.once('connect', () => clearTimeout(connectTimer))
      })
      upstream.on('response', (response) => {
        clearTimers()
        if (settled) return response.destroy()
        settled = true
        resolve({ kind: 'response', upstream: response, request: upstream })
      })
      upstream.on('error', fail)
      upstream.end(body, () => {
        if (settled) return
        firstByteTimer = setTimeout(() => {
          cause = 'first-byte-timeout'
          upstream.destroy(new UpstreamTimeout(`no response within ${firstByteTimeoutMs} ms`))
        }, firstByteTimeoutMs)
      })
    })

  /**
   * Forwards a committed response: headers now, then the body as it arrives. Resolves with how
   * the attempt ended; a replica that stops mid-answer cuts the client's response too, so the
   * client sees a truncated answer rather than a wrong complete one.
   */
  const forward = (
    replica: ReplicaEndpoint,
    result: Extract<AttemptResult, { kind: 'response' }>,
    res: ServerResponse,
    exchange: Exchange
  ): Promise<Outcome> =>
    new Promise((resolve) => {
      const { upstream, request } = result
      // registered before pipeline's own listeners: a cut by the replica is known as such before
      // the client's response is destroyed because of it
      const replicaCut = (): void => {
        exchange.replicaCut = true
      }
      upstream.once('aborted', replicaCut)
      upstream.once('error', replicaCut)
      const status = upstream.statusCode ?? 502
      res.writeHead(status, {
        ...endToEndHeaders(upstream.headers),
        'x-synkti-replica': replica.id
      })
      res.flushHeaders()
      request.setTimeout(idleTimeoutMs, () =>
        request.destroy(new UpstreamTimeout(`replica silent for ${idleTimeoutMs} ms`))
      )
      pipeline(upstream, res, (error) => {
        request.setTimeout(0)
        if (!error) return resolve(status >= 500 ? 'error' : status >= 400 ? 'client-error' : 'ok')
        if (exchange.clientGone.signal.aborted) return resolve('aborted')
        log('response-cut', { replica: replica.id, status, error: errorText(error) })
        res.destroy()
        resolve('error')
      })
    })

  const proxy = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const startedAt = performance.now()
    let body: Buffer
    try {
      body = await readBody(req, maxBodyBytes)
    } catch (error) {
      if (error instanceof BodyTooLarge)
        return reject(res, 413, 'too_large', 'invalid_request_error', error.message, {
          connection: 'close'
        })
      if (error instanceof ClientGone) return
      throw error
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch (_notJson) {
      return reject(res, 400, 'bad_request', 'invalid_request_error', 'the body is not valid JSON')
    }
    const request = routedRequestSchema.safeParse(parsed)
    if (!request.success) {
      const issue = request.error.issues[0]
      const message =
        parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)
          ? 'the body must be a JSON object'
          : issue.message
      return reject(res, 400, 'bad_request', 'invalid_request_error', message)
    }
    const model = request.data.model

    const exchange: Exchange = { clientGone: new AbortController(), replicaCut: false }
    res.once('close', () => {
      if (!res.writableFinished && !exchange.replicaCut) exchange.clientGone.abort()
    })
    const tried = new Set<string>()
    let route = replicas.route(model)
    if (route.kind === 'unknown-model')
      return reject(
        res,
        404,
        'unknown_model',
        'invalid_request_error',
        `The model \`${model}\` does not exist.`
      )
    const service: ServiceState = route.service
    replicas.requestStarted(service)
    const finish = (outcome: Outcome): void =>
      replicas.requestEnded(service, outcome, performance.now() - startedAt)

    for (let attemptNumber = 1; ; attemptNumber++) {
      if (route.kind !== 'replica') {
        finish('error')
        return reject(
          res,
          503,
          'no_ready_replica',
          'server_error',
          `no replica of \`${model}\` is ready; retry in ${retryAfterSeconds} s`,
          { 'retry-after': String(retryAfterSeconds) }
        )
      }
      const replica: ReplicaState = route.replica
      const endpoint = replica.endpoint
      tried.add(endpoint.id)
      replicas.attemptStarted(replica)
      const attemptStart = performance.now()
      const attemptEnded = (outcome: Outcome): void =>
        replicas.attemptEnded(replica, outcome, performance.now() - attemptStart)
      const result = await attempt(endpoint, req, body, exchange.clientGone.signal)

      if (result.kind === 'failed') {
        if (result.cause === 'client-gone') {
          attemptEnded('aborted')
          return finish('aborted')
        }
        attemptEnded('error')
        // a refused or broken fresh connection says the replica is unwell; a reset of a reused
        // keep-alive socket or a slow answer does not
        if (result.cause !== 'first-byte-timeout' && !result.reusedSocket)
          replicas.eject(replica, ejectMs)
        const retry =
          attemptNumber === 1 && result.cause !== 'first-byte-timeout'
            ? nextRoute(model, tried, endpoint.id, result.reusedSocket)
            : undefined
        log('replica-failed', {
          replica: endpoint.id,
          service: endpoint.service,
          cause: result.cause,
          error: errorText(result.error),
          retry: retry?.kind === 'replica' ? retry.replica.endpoint.id : undefined
        })
        if (retry?.kind === 'replica') {
          metrics.retried(service.service)
          route = retry
          continue
        }
        finish('error')
        const timedOut = result.cause === 'first-byte-timeout'
        return sendJson(
          res,
          timedOut ? 504 : 502,
          openAiError(
            `replica ${endpoint.id} ${timedOut ? 'did not answer in time' : 'failed'}: ${errorText(result.error)}`,
            timedOut ? 'timeout_error' : 'server_error',
            timedOut ? 'upstream_timeout' : 'upstream_failed'
          )
        )
      }

      const status = result.upstream.statusCode ?? 502
      if (status >= 500 && attemptNumber === 1) {
        const retry = nextRoute(model, tried, endpoint.id, false)
        if (retry?.kind === 'replica') {
          // nothing was forwarded yet: drop this answer (reading it keeps the socket reusable)
          result.upstream.resume()
          attemptEnded('error')
          log('replica-5xx', { replica: endpoint.id, status, retry: retry.replica.endpoint.id })
          metrics.retried(service.service)
          route = retry
          continue
        }
      }
      const outcome = await forward(endpoint, result, res, exchange)
      attemptEnded(outcome)
      return finish(outcome)
    }
  }

  /** another ready replica for a retry; the same one only after a reset of a reused keep-alive socket */
  const nextRoute = (
    model: string,
    tried: ReadonlySet<string>,
    failedId: string,
    reusedSocket: boolean
  ): ReturnType<ReplicaTable['route']> | undefined => {
    const other = replicas.route(model, tried)
    if (other.kind === 'replica') return other
    // a keep-alive socket the replica closed while we reused it: the replica itself may be fine
    if (!reusedSocket) return undefined
    const same = replicas.route(model, new Set([...tried].filter((id) => id !== failedId)))
    return same.kind === 'replica' ? same : undefined
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = pathOf(req.url)
    const method = req.method ?? 'GET'
    if (path === '/health') {
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET')
      return sendJson(res, 200, {
        status: closing ? 'closing' : 'ok',
        ready: replicas.replicas().length
      })
    }
    if (!authorized(req))
      return reject(
        res,
        401,
        'unauthorized',
        'authentication_error',
        'a valid API key is required: Authorization: Bearer <key>',
        { 'www-authenticate': 'Bearer' }
      )
    if (path === '/metrics') {
      if (method !== 'GET') return methodNotAllowed(res, 'GET')
      const text = await metrics.registry.metrics()
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text)
      return
    }
    if (path === '/v1/models') {
      if (method !== 'GET') return methodNotAllowed(res, 'GET')
      return sendJson(res, 200, listModels())
    }
    if (path.startsWith('/v1/models/')) {
      if (method !== 'GET') return methodNotAllowed(res, 'GET')
      const id = safeDecode(path.slice('/v1/models/'.length))
      if (id !== undefined && replicas.readyModels().includes(id))
        return sendJson(res, 200, modelObject(id))
      return reject(
        res,
        404,
        'unknown_model',
        'invalid_request_error',
        `The model \`${id ?? path}\` does not exist.`
      )
    }
    if (PROXIED_PATHS.has(path)) {
      if (method !== 'POST') return methodNotAllowed(res, 'POST')
      return proxy(req, res)
    }
    reject(res, 404, 'not_found', 'invalid_request_error', `no route ${method} ${path}`)
  }

  const methodNotAllowed = (res: ServerResponse, allow: string): void =>
    reject(
      res,
      405,
      'method_not_allowed',
      'invalid_request_error',
      `this route accepts ${allow} only`,
      { allow }
    )

  const server: Server = createServer((req, res) => {
    active.add(res)
    res.once('close', () => active.delete(res))
    handle(req, res).catch((error: unknown) => {
      // a bug: answer 500 once and say what happened
      log('router-error', { path: pathOf(req.url), error: errorText(error) })
      if (!res.headersSent)
        sendJson(res, 500, openAiError(errorText(error), 'server_error', 'router_error'))
      else res.destroy()
    })
  })

  await new Promise<void>((resolve, rejectListen) => {
    server.once('error', rejectListen)
    server.listen(options.port ?? DEFAULT_ROUTER_PORT, host, () => {
      server.off('error', rejectListen)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  log('listening', { url })

  const close = async (): Promise<void> => {
    if (closing) return
    closing = true
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    const deadline = performance.now() + closeGraceMs
    while (active.size > 0 && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20))
    server.closeAllConnections()
    await closed
    agent.destroy()
  }

  return {
    url,
    port,
    async register(replica) {
      const parsed = replicaEndpointSchema.safeParse(replica)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        throw new TypeError(`replica ${issue.path.join('.') || '?'}: ${issue.message}`)
      }
      replicas.register(parsed.data)
      log('register', { replica: replica.id, service: replica.service, model: replica.model })
    },
    async deregister(id) {
      replicas.deregister(id)
      log('deregister', { replica: id, inFlight: replicas.inFlight(id) })
    },
    inFlight: (id) => replicas.inFlight(id),
    replicas: () => replicas.replicas(),
    stats: () => replicas.stats(),
    metricsText: () => metrics.registry.metrics(),
    close
  }
}

function pathOf(url: string | undefined): string {
  const text = url ?? '/'
  const end = text.search(/[?#]/)
  return end < 0 ? text : text.slice(0, end)
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch (_malformed) {
    // a malformed %-escape names no model
    return undefined
  }
}
