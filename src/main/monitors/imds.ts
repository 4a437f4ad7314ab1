// IMDSv2 client and spot-interruption monitor. Plain Node (global fetch), no AWS SDK: IMDS is a
// local link-local HTTP service and the SDK's metadata client adds nothing we need here.
import { z } from 'zod'
import type { InterruptionAction, InterruptionEvent, InterruptionKind } from '../../shared/fleet'
import { systemClock, type Clock } from '../clock'
import { silentLog, type Log } from '../logging/log'
import { errorText } from '../../shared/errors'

export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254'
export const DEFAULT_TOKEN_TTL_SECONDS = 21600
/** refresh the token once this share of its TTL has passed, well before IMDS would reject it */
const TOKEN_REFRESH_FRACTION = 0.8

export const INSTANCE_ACTION_PATH = '/latest/meta-data/spot/instance-action'
export const REBALANCE_PATH = '/latest/meta-data/events/recommendations/rebalance'
export const INSTANCE_ID_PATH = '/latest/meta-data/instance-id'
export const TOKEN_PATH = '/latest/api/token'

export interface ImdsClientOptions {
  /** default: AWS_EC2_METADATA_SERVICE_ENDPOINT, then http://169.254.169.254 */
  endpoint?: string
  tokenTtlSeconds?: number
  /** per request; IMDS is local, so a slow answer means it is not there */
  requestTimeoutMs?: number
  clock?: Clock
  fetch?: typeof fetch
}

export interface ImdsResponse {
  status: number
  body: string
}

export interface ImdsClient {
  readonly endpoint: string
  /** GET with the session token; one token refresh and retry on 401 */
  get(path: string, signal?: AbortSignal): Promise<ImdsResponse>
  /** GET that must answer 200; throws otherwise */
  getText(path: string, signal?: AbortSignal): Promise<string>
  instanceId(signal?: AbortSignal): Promise<string>
  /** drop the cached token (next request fetches a new one) */
  invalidateToken(): void
}

export function resolveImdsEndpoint(explicit?: string): string {
  const raw = explicit || process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT || DEFAULT_IMDS_ENDPOINT
  return raw.replace(/\/+$/, '')
}

export function createImdsClient(options: ImdsClientOptions = {}): ImdsClient {
  const endpoint = resolveImdsEndpoint(options.endpoint)
  const ttlSeconds = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS
  const timeoutMs = options.requestTimeoutMs ?? 1000
  const clock = options.clock ?? systemClock
  const doFetch = options.fetch ?? fetch
  let token: { value: string; refreshAt: number } | undefined
  let pendingToken: Promise<string> | undefined

  const request = (path: string, init: RequestInit, signal?: AbortSignal): Promise<Response> =>
    doFetch(endpoint + path, { ...init, signal: withTimeout(timeoutMs, signal) })

  const fetchToken = async (signal?: AbortSignal): Promise<string> => {
    const obtainedAt = clock.now()
    const res = await request(
      TOKEN_PATH,
      { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(ttlSeconds) } },
      signal
    )
    const body = await res.text()
    if (res.status !== 200 || !body) throw new Error(`IMDS token PUT answered ${res.status}`)
    token = {
      value: body.trim(),
      refreshAt: obtainedAt + ttlSeconds * 1000 * TOKEN_REFRESH_FRACTION
    }
    return token.value
  }

  const getToken = (signal?: AbortSignal): Promise<string> => {
    if (token && clock.now() < token.refreshAt) return Promise.resolve(token.value)
    // concurrent GETs share one PUT
    pendingToken ??= fetchToken(signal).finally(() => (pendingToken = undefined))
    return pendingToken
  }

  const getOnce = async (path: string, signal?: AbortSignal): Promise<ImdsResponse> => {
    const value = await getToken(signal)
    const res = await request(path, { headers: { 'X-aws-ec2-metadata-token': value } }, signal)
    return { status: res.status, body: await res.text() }
  }

  const get = async (path: string, signal?: AbortSignal): Promise<ImdsResponse> => {
    const first = await getOnce(path, signal)
    if (first.status !== 401) return first
    // token expired or IMDS restarted: one fresh token, one retry
    token = undefined
    return getOnce(path, signal)
  }

  const getText = async (path: string, signal?: AbortSignal): Promise<string> => {
    const res = await get(path, signal)
    if (res.status !== 200) throw new Error(`IMDS GET ${path} answered ${res.status}`)
    return res.body
  }

  return {
    endpoint,
    get,
    getText,
    instanceId: async (signal) => (await getText(INSTANCE_ID_PATH, signal)).trim(),
    invalidateToken: () => (token = undefined)
  }
}

function withTimeout(ms: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(ms)
  return signal ? AbortSignal.any([timeout, signal]) : timeout
}

// ---- parsing the two notice documents ----

const instanceActionSchema = z.object({ action: z.string(), time: z.string() })
const rebalanceSchema = z.object({ noticeTime: z.string() })
const KNOWN_ACTIONS: readonly string[] = [
  'terminate',
  'stop',
  'hibernate'
] satisfies InterruptionAction[]

export type NoticeParse =
  | { ok: true; action?: InterruptionAction; deadline?: number; detail?: string }
  | { ok: false; reason: string }

/** The spot/instance-action document: {"action":"terminate","time":"2026-11-23T14:00:00Z"}. */
export function parseInstanceAction(body: string): NoticeParse {
  const doc = parseJson(body, instanceActionSchema)
  if (!doc.ok) return doc
  const deadline = Date.parse(doc.value.time)
  if (!Number.isFinite(deadline))
    return { ok: false, reason: `unparsable time ${JSON.stringify(doc.value.time)}` }
  // An action AWS adds later is still a notice: report it without an action rather than miss it.
  if (!KNOWN_ACTIONS.includes(doc.value.action)) {
    return { ok: true, deadline, detail: `unknown action ${JSON.stringify(doc.value.action)}` }
  }
  return { ok: true, action: doc.value.action as InterruptionAction, deadline }
}

/** The events/recommendations/rebalance document: {"noticeTime":"2026-11-23T13:50:00Z"}. */
export function parseRebalance(body: string): NoticeParse {
  const doc = parseJson(body, rebalanceSchema)
  if (!doc.ok) return doc
  if (!Number.isFinite(Date.parse(doc.value.noticeTime))) {
    return { ok: false, reason: `unparsable noticeTime ${JSON.stringify(doc.value.noticeTime)}` }
  }
  return { ok: true, detail: `noticeTime=${doc.value.noticeTime}` }
}

function parseJson<T>(
  body: string,
  schema: z.ZodType<T>
): { ok: true; value: T } | { ok: false; reason: string } {
  let raw: unknown
  try {
    raw = JSON.parse(body)
  } catch {
    return { ok: false, reason: `malformed JSON ${JSON.stringify(body.slice(0, 80))}` }
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success)
    return { ok: false, reason: `unexpected document ${JSON.stringify(body.slice(0, 80))}` }
  return { ok: true, value: parsed.data }
}

// ---- the monitor ----

export interface ImdsMonitorOptions extends ImdsClientOptions {
  onEvent: (event: InterruptionEvent) => void
  /** default 2000 */
  pollMs?: number
  /** skip reading instance-id from IMDS */
  instanceId?: string
  signal?: AbortSignal
  log?: Log
  /** share a client (and its token) with other users */
  client?: ImdsClient
}

export interface ImdsMonitor {
  /** resolves once the monitor has stopped (never rejects) */
  readonly done: Promise<void>
  /** resolves with the instance id once read (rejects only if stopped before) */
  readonly instanceId: Promise<string>
  stop(): Promise<void>
}

interface Probe {
  kind: InterruptionKind
  path: string
  parse: (body: string) => NoticeParse
}

const PROBES: Probe[] = [
  { kind: 'interruption-notice', path: INSTANCE_ACTION_PATH, parse: parseInstanceAction },
  { kind: 'rebalance-recommendation', path: REBALANCE_PATH, parse: parseRebalance }
]

/**
 * Polls the two spot documents every pollMs and calls onEvent once per (instance, kind). Errors
 * (IMDS down, 5xx, malformed JSON) are logged when they change and polling goes on: a monitor that
 * crashes on a bad answer would miss the notice that follows it.
 */
export function startImdsMonitor(options: ImdsMonitorOptions): ImdsMonitor {
  const clock = options.clock ?? systemClock
  const client = options.client ?? createImdsClient(options)
  const log = options.log ?? silentLog
  const pollMs = options.pollMs ?? 2000
  const controller = new AbortController()
  const signal = options.signal
    ? AbortSignal.any([controller.signal, options.signal])
    : controller.signal
  let resolveId!: (id: string) => void
  let rejectId!: (e: unknown) => void
  const instanceId = new Promise<string>((res, rej) => ((resolveId = res), (rejectId = rej)))
  instanceId.catch(() => {}) // callers that never look must not see an unhandled rejection

  const seen = new Set<string>()
  const lastError = new Map<string, string>()
  const noteError = (key: string, message: string): void => {
    if (lastError.get(key) === message) return
    lastError.set(key, message)
    log('imds-error', { path: key, error: message })
  }

  const readInstanceId = async (): Promise<string | undefined> => {
    if (options.instanceId) return options.instanceId
    try {
      const id = await client.instanceId(signal)
      lastError.delete(INSTANCE_ID_PATH)
      return id
    } catch (error) {
      if (!signal.aborted) noteError(INSTANCE_ID_PATH, errorText(error))
      return undefined
    }
  }

  const check = async (id: string, probe: Probe): Promise<void> => {
    const key = `${id}|${probe.kind}`
    if (seen.has(key)) return
    let res: ImdsResponse
    try {
      res = await client.get(probe.path, signal)
    } catch (error) {
      if (!signal.aborted) noteError(probe.path, errorText(error))
      return
    }
    if (res.status === 404) {
      lastError.delete(probe.path) // nothing scheduled: the normal answer
      return
    }
    if (res.status !== 200) return noteError(probe.path, `HTTP ${res.status}`)
    const parsed = probe.parse(res.body)
    if (!parsed.ok) return noteError(probe.path, parsed.reason)
    lastError.delete(probe.path)
    seen.add(key)
    const { ok: _ok, ...notice } = parsed
    emit({ instanceId: id, kind: probe.kind, source: 'imds', observedAt: clock.now(), ...notice })
  }

  const emit = (event: InterruptionEvent): void => {
    try {
      options.onEvent(event)
    } catch (error) {
      // a failing consumer must not stop detection of the other kind
      log('imds-consumer-error', { kind: event.kind, error: errorText(error) })
    }
  }

  const loop = async (): Promise<void> => {
    let id: string | undefined
    while (!signal.aborted) {
      const started = clock.now()
      id ??= await readInstanceId()
      if (id) {
        resolveId(id)
        await Promise.all(PROBES.map((probe) => check(id!, probe)))
      }
      // fixed cadence: detection latency stays within one poll interval however long a poll took
      const wait = Math.max(0, pollMs - (clock.now() - started))
      await clock.sleep(wait, signal).catch(() => {})
    }
  }

  const done = loop()
    .catch((error) => log('imds-crash', { error: errorText(error) }))
    .finally(() => rejectId(new Error('IMDS monitor stopped before reading the instance id')))
  return {
    done,
    instanceId,
    stop: async () => {
      controller.abort()
      await done
    }
  }
}
