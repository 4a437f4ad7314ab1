import { timingSafeEqual } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { ApiErrorBody } from '../../shared/api'
import { ApiError, dispatchApiCall, type ApiHandlers, type StreamHub } from './handlers'
import { errorText } from '../../shared/errors'

export interface ApiServerOptions {
  handlers: ApiHandlers
  stream: StreamHub
  token: string
  /** the built renderer (out/renderer); omitted: API only */
  staticDir?: string
  /** node agents' reports: path below /api/agent/ and the JSON body */
  agentSink?: (kind: 'events' | 'heartbeat', body: unknown) => Promise<void>
  host?: string
  port?: number
  /** keep-alive comment interval of the live stream, ms */
  streamHeartbeatMs?: number
}

export interface ApiServer {
  server: Server
  url: string
  close(): Promise<void>
}

const MAX_BODY_BYTES = 1 << 20

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

function sameToken(given: string | undefined, expected: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization
  if (header?.startsWith('Bearer ')) return header.slice(7)
  // EventSource cannot set headers, so the live stream may carry the token in the query.
  return url.searchParams.get('token') ?? undefined
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store'
  })
  res.end(text)
}

function sendError(
  res: ServerResponse,
  status: number,
  code: ApiErrorBody['error']['code'],
  message: string
): void {
  sendJson(res, status, { error: { code, message } } satisfies ApiErrorBody)
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolveBody, reject) => {
    let size = 0
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError('bad-request', `request body larger than ${MAX_BODY_BYTES} bytes`))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      if (text.trim() === '') return resolveBody({})
      try {
        resolveBody(JSON.parse(text))
      } catch {
        reject(new ApiError('bad-request', 'request body is not valid JSON'))
      }
    })
    req.on('error', reject)
  })
}

const STATUS_OF: Record<ApiErrorBody['error']['code'], number> = {
  'bad-request': 400,
  unauthorized: 401,
  'not-found': 404,
  failed: 500
}

/**
 * The daemon's HTTP transport: the cockpit's static files, the RPC endpoint of the shared contract
 * (POST /api/rpc/<method>), the live event stream (GET /api/stream, server-sent events) and the node
 * agents' report endpoints. Every /api route needs the token.
 */
export function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1'
  const staticRoot = options.staticDir ? resolve(options.staticDir) : undefined
  const streams = new Set<ServerResponse>()

  const serveStatic = (res: ServerResponse, pathname: string): void => {
    if (!staticRoot)
      return sendError(res, 404, 'not-found', 'no cockpit is bundled with this daemon')
    const relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '')
    let file = join(staticRoot, relative)
    if (!file.startsWith(staticRoot + sep) && file !== staticRoot)
      return sendError(res, 404, 'not-found', 'not found')
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(staticRoot, 'index.html')
    if (!existsSync(file)) return sendError(res, 404, 'not-found', 'not found')
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
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive'
    })
    res.write(': connected\n\n')
    streams.add(res)
    const unsubscribe = options.stream.subscribe((event) =>
      res.write(`data: ${JSON.stringify(event)}\n\n`)
    )
    const heartbeat = setInterval(
      () => res.write(': keep-alive\n\n'),
      options.streamHeartbeatMs ?? 15_000
    )
    heartbeat.unref()
    req.on('close', () => {
      clearInterval(heartbeat)
      unsubscribe()
      streams.delete(res)
    })
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (!url.pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendError(res, 404, 'not-found', 'not found')
      return serveStatic(res, url.pathname)
    }
    if (!sameToken(tokenOf(req, url), options.token))
      return sendError(res, 401, 'unauthorized', 'missing or wrong token')
    if (url.pathname === '/api/stream' && req.method === 'GET') return openStream(req, res)
    if (req.method !== 'POST')
      return sendError(res, 404, 'not-found', `no route ${req.method} ${url.pathname}`)
    try {
      const body = await readJson(req)
      if (url.pathname.startsWith('/api/rpc/')) {
        const result = await dispatchApiCall(
          options.handlers,
          url.pathname.slice('/api/rpc/'.length),
          body
        )
        return sendJson(res, 200, { result })
      }
      if (url.pathname === '/api/agent/events' || url.pathname === '/api/agent/heartbeat') {
        if (!options.agentSink)
          return sendError(res, 404, 'not-found', 'this daemon takes no agent reports')
        await options.agentSink(url.pathname.endsWith('events') ? 'events' : 'heartbeat', body)
        return sendJson(res, 200, { ok: true })
      }
      return sendError(res, 404, 'not-found', `no route POST ${url.pathname}`)
    } catch (error) {
      if (error instanceof ApiError)
        return sendError(res, STATUS_OF[error.code], error.code, error.message)
      // errors that mark themselves as the caller's fault (e.g. a malformed agent report)
      if ((error as { badRequest?: boolean }).badRequest === true)
        return sendError(res, 400, 'bad-request', errorText(error))
      return sendError(res, 500, 'failed', error instanceof Error ? error.message : String(error))
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent)
        sendError(res, 500, 'failed', error instanceof Error ? error.message : String(error))
      else res.end()
    })
  })

  return new Promise((resolveServer, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      const { port } = server.address() as AddressInfo
      resolveServer({
        server,
        url: `http://${host}:${port}`,
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
