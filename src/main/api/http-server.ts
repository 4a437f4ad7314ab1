import { timingSafeEqual } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { isIP, type AddressInfo } from 'node:net'
import { hostname as machineHostname } from 'node:os'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { API_ERROR_STATUS, type ApiErrorBody, type ApiErrorCode } from '../../shared/api'
import { errorText } from '../../shared/errors'
import { ApiError, dispatchApiCall, toApiError, type ApiHandlers, type StreamHub } from './handlers'

/** the node agents' report routes and the kind each carries */
const AGENT_ROUTES = new Map<string, 'events' | 'heartbeat' | 'job'>([
  ['/api/agent/events', 'events'],
  ['/api/agent/heartbeat', 'heartbeat'],
  ['/api/agent/job', 'job']
])

export interface ApiServerOptions {
  handlers: ApiHandlers
  /** cloud seconds per real second, sent with every result (default 1) */
  speed?: number
  stream: StreamHub
  token: string
  /** the built renderer (out/renderer); omitted: API only */
  staticDir?: string
  /** node agents' reports: path below /api/agent/ and the JSON body */
  agentSink?: (kind: 'events' | 'heartbeat' | 'job', body: unknown) => Promise<void>
  host?: string
  port?: number
  /** keep-alive comment interval of the live stream, ms */
  streamHeartbeatMs?: number
  /**
   * Host names (besides loopback names, IP literals, the listen host and this machine's name) a
   * request's Host and Origin may carry, asked per request: e.g. the settings' cockpit URL agents use.
   */
  allowedHosts?: () => readonly string[]
  /** where a 500 (a bug) is reported, once, with its context */
  log?: (line: string) => void
}

export interface ApiServer {
  server: Server
  url: string
  close(): Promise<void>
}

/** Largest request body read; a larger one is answered 413. */
export const MAX_BODY_BYTES = 1 << 20
/** Live streams open at once; more are answered 429. */
export const MAX_STREAMS = 32
/** A stream whose client reads slower than the events come is dropped past this much buffered output. */
const MAX_STREAM_BUFFER_BYTES = 4 << 20
/** The whole request (headers and body) must arrive within this; slow senders are cut off. */
const REQUEST_TIMEOUT_MS = 30_000

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2'
}

// The same policy the Electron window enforces: nothing but this origin.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

const STREAM_PATH = '/api/stream'

function sameToken(given: string | undefined, expected: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * The bearer token of a request. Only the live stream may carry it in the query (`?token=`), since
 * EventSource cannot set headers; anywhere else a token in the URL would end up in logs and history.
 */
function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization
  if (header?.startsWith('Bearer ')) return header.slice(7)
  if (url.pathname === STREAM_PATH && req.method === 'GET')
    return url.searchParams.get('token') ?? undefined
  return undefined
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff'
  })
  res.end(text)
}

function sendError(res: ServerResponse, code: ApiErrorCode, message: string): void {
  if (res.headersSent) {
    res.end()
    return
  }
  sendJson(res, API_ERROR_STATUS[code], { error: { code, message } } satisfies ApiErrorBody)
}

/**
 * The body as parsed JSON (an empty body is `{}`). Over MAX_BODY_BYTES the rest is read and thrown
 * away, and the caller answers 413: answering before the client has finished sending would make
 * most clients see a reset instead of the answer. requestTimeout bounds how long that can take.
 */
function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolveBody, reject) => {
    const tooLarge = (): ApiError =>
      new ApiError('too-large', `request body larger than ${MAX_BODY_BYTES} bytes (1 MiB)`)
    const declared = Number(req.headers['content-length'] ?? NaN)
    let size = 0
    let over = declared > MAX_BODY_BYTES
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) over = true
      if (!over) chunks.push(chunk)
    })
    req.on('end', () => {
      if (over) return reject(tooLarge())
      const text = Buffer.concat(chunks).toString('utf8')
      if (text.trim() === '') return resolveBody({})
      try {
        resolveBody(JSON.parse(text))
      } catch {
        // SyntaxError, or RangeError for nesting deeper than the parser's stack: both the caller's
        reject(new ApiError('bad-request', 'request body is not valid JSON'))
      }
    })
    // 'aborted' / ECONNRESET: the client went away mid-body; there is nobody left to answer
    req.on('error', (error) => reject(new ClientGoneError(errorText(error))))
  })
}

/** The client hung up before its request was read: nothing to answer, and not a bug. */
class ClientGoneError extends Error {}

/** `http://host:port` for a listen address; IPv6 in brackets (`http://[::1]:7777`). */
export function formatUrl(host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, '')
  return `http://${isIP(bare) === 6 ? `[${bare}]` : bare}:${port}`
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.'])
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', ''])

/** The host part of a Host header or of an origin's authority, lower-case, without port or brackets. */
export function hostOf(authority: string): string | undefined {
  const text = authority.trim().toLowerCase()
  if (text === '') return undefined
  if (text.startsWith('[')) {
    const end = text.indexOf(']')
    if (end < 0) return undefined
    const rest = text.slice(end + 1)
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined
    return text.slice(1, end)
  }
  const match = /^([^:\s/@]+)(?::(\d{1,5}))?$/.exec(text)
  return match ? match[1] : undefined
}

/**
 * Whether a Host header (or an Origin) names this daemon. DNS rebinding makes a browser send an
 * attacker's name with our address, so names are allowed only when they are ours: loopback names,
 * the listen host, this machine's name and the allowed extras. IP literals are always fine, since a
 * rebinding attack needs a name.
 */
export function isAllowedHost(host: string, allowed: readonly string[]): boolean {
  if (isIP(host) !== 0) return true
  if (LOOPBACK_NAMES.has(host) || host.endsWith('.localhost')) return true
  return allowed.some((name) => name.toLowerCase().replace(/^\[|\]$/g, '') === host)
}

/**
 * The daemon's HTTP transport: the cockpit's static files, the RPC endpoint of the shared contract
 * (POST /api/rpc/<method>), the live event stream (GET /api/stream, server-sent events) and the node
 * agents' report endpoints. Every request must name this daemon in Host (and Origin, when sent);
 * every /api route needs the token.
 */
export function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1'
  const staticRoot = options.staticDir ? resolve(options.staticDir) : undefined
  const streams = new Set<ServerResponse>()
  const log = options.log ?? (() => {})
  const ownNames = [host, machineHostname()].filter((name) => !WILDCARDS.has(name))
  const allowedNames = (): readonly string[] => [...ownNames, ...(options.allowedHosts?.() ?? [])]

  /** Host and Origin must name this daemon; undefined when they do, else the refusal. */
  const refuseForeign = (req: IncomingMessage): [ApiErrorCode, string] | undefined => {
    const allowed = allowedNames()
    const hostHeader = req.headers.host
    if (hostHeader !== undefined) {
      const name = hostOf(hostHeader)
      if (name === undefined) return ['bad-request', 'malformed Host header']
      if (!isAllowedHost(name, allowed))
        return ['forbidden', `Host "${name.slice(0, 64)}" is not this daemon`]
    }
    const origin = req.headers.origin
    if (origin !== undefined) {
      const match = /^https?:\/\/([^/]+)$/i.exec(origin.trim())
      const name = match ? hostOf(match[1]) : undefined
      if (name === undefined || !isAllowedHost(name, allowed))
        return ['forbidden', `Origin "${origin.slice(0, 64)}" is not this daemon`]
    }
    return undefined
  }

  const serveStatic = (res: ServerResponse, pathname: string): void => {
    if (!staticRoot) return sendError(res, 'not-found', 'no cockpit is bundled with this daemon')
    let decoded: string
    try {
      decoded = decodeURIComponent(pathname)
    } catch {
      // URIError: a malformed %-sequence is the caller's
      return sendError(res, 'bad-request', 'malformed %-encoding in the path')
    }
    if (decoded.includes('\0')) return sendError(res, 'bad-request', 'NUL byte in the path')
    const relative = normalize(decoded).replace(/^([/\\])+/, '')
    let file = join(staticRoot, relative)
    if (!file.startsWith(staticRoot + sep) && file !== staticRoot)
      return sendError(res, 'not-found', 'not found')
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(staticRoot, 'index.html')
    if (!existsSync(file)) return sendError(res, 'not-found', 'not found')
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600'
    })
    createReadStream(file).pipe(res)
  }

  const openStream = (req: IncomingMessage, res: ServerResponse): void => {
    if (streams.size >= MAX_STREAMS)
      return sendError(res, 'too-many', `at most ${MAX_STREAMS} live streams are open at once`)
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive'
    })
    res.write(': connected\n\n')
    streams.add(res)
    const send = (text: string): void => {
      // a client that stopped reading must not make the daemon buffer without end
      if (res.writableLength > MAX_STREAM_BUFFER_BYTES) return void res.destroy()
      res.write(text)
    }
    const unsubscribe = options.stream.subscribe((event) =>
      send(`data: ${JSON.stringify(event)}\n\n`)
    )
    const heartbeat = setInterval(
      () => send(': keep-alive\n\n'),
      options.streamHeartbeatMs ?? 15_000
    )
    heartbeat.unref()
    res.on('close', () => {
      clearInterval(heartbeat)
      unsubscribe()
      streams.delete(res)
    })
  }

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (!url.pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendError(res, 'not-found', 'not found')
      return serveStatic(res, url.pathname)
    }
    if (!sameToken(tokenOf(req, url), options.token))
      return sendError(res, 'unauthorized', 'missing or wrong token')
    if (url.pathname === STREAM_PATH && req.method === 'GET') return openStream(req, res)
    if (req.method !== 'POST')
      return sendError(res, 'not-found', `no route ${req.method} ${url.pathname.slice(0, 64)}`)
    const body = await readJson(req)
    if (url.pathname.startsWith('/api/rpc/')) {
      const result = await dispatchApiCall(
        options.handlers,
        url.pathname.slice('/api/rpc/'.length),
        body
      )
      return sendJson(res, 200, { result, clock: { speed: options.speed ?? 1 } })
    }
    const agentKind = AGENT_ROUTES.get(url.pathname)
    if (agentKind) {
      if (!options.agentSink)
        return sendError(res, 'not-found', 'this daemon takes no agent reports')
      await options.agentSink(agentKind, body)
      return sendJson(res, 200, { ok: true })
    }
    return sendError(res, 'not-found', `no route POST ${url.pathname.slice(0, 64)}`)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch {
      // TypeError: Invalid URL, the caller's
      return sendError(res, 'bad-request', 'malformed request URL')
    }
    const foreign = refuseForeign(req)
    if (foreign) return sendError(res, ...foreign)
    try {
      await route(req, res, url)
    } catch (error) {
      if (error instanceof ClientGoneError) return void res.destroy()
      const refusal = toApiError(error)
      // a 500 is a bug: said once in the log with what was asked, and answered without internals
      if (refusal.code === 'failed') {
        log(`API bug: ${req.method} ${url.pathname.slice(0, 100)} failed: ${errorText(error)}`)
        return sendError(res, 'failed', `internal error (logged by the daemon): ${refusal.message}`)
      }
      return sendError(res, refusal.code, refusal.message)
    }
  }

  const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    handle(req, res).catch((error) => {
      // only a failure while answering gets here (the socket went away mid-reply)
      log(`API: answering ${req.method} failed: ${errorText(error)}`)
      if (!res.headersSent) sendError(res, 'failed', 'internal error (logged by the daemon)')
      else res.end()
    })
  })
  // a bad request line or header never reaches the handler: answer 400 rather than reset the socket
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy()
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : '400 Bad Request'
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
  })

  return new Promise((resolveServer, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      const { port } = server.address() as AddressInfo
      resolveServer({
        server,
        url: formatUrl(host, port),
        close: () =>
          new Promise((done) => {
            for (const res of streams) res.end()
            server.close(() => done())
            server.closeAllConnections()
          })
      })
    })
  })
}
