// The agent publishes where its model server answers: once the local vLLM is ready (/health 200 and
// the model listed at /v1/models, the same check the cockpit makes), it writes `synkti:endpoint` on
// its own instance. The cockpit's serving backend reads that tag; until it exists the replica is never
// reported ready or routed. The model comes from the instance's own `synkti:model` tag, read from
// instance metadata (the launch enables InstanceMetadataTags), unless given.
import type { Clock } from '../clock'
import type { Log } from '../logging/log'
import type { ImdsClient } from '../monitors/imds'
import { ENDPOINT_TAG_KEY } from '../providers/aws/agent-channel'
import { checkReady } from '../serving/serving'
import type { TagRecorder } from './tags'
import { errorText } from '../../shared/errors'

export const MODEL_TAG_PATH = '/latest/meta-data/tags/instance/synkti:model'
const ADDRESS_PATH = {
  public: '/latest/meta-data/public-ipv4',
  private: '/latest/meta-data/local-ipv4'
} as const
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/

export interface EndpointOptions {
  /** the port vLLM listens on, on this host and as published */
  port: number
  /** which address the cockpit reaches: the public one (a laptop) or the private one (in the VPC) */
  address: 'public' | 'private'
  /** default: the instance's `synkti:model` tag */
  model?: string
  /** readiness poll, default 5000 */
  pollMs?: number
}

export interface EndpointContext {
  instanceId: string
  imds: ImdsClient
  recordTags: TagRecorder
  clock: Clock
  signal: AbortSignal
  log: Log
  fetch?: typeof fetch
  /** bounds one tag write */
  withTimeout: <T>(p: Promise<T>) => Promise<T>
}

/** Polls until the endpoint is published or the signal aborts; resolves with the URL published. */
export async function publishEndpoint(
  e: EndpointOptions,
  c: EndpointContext
): Promise<string | undefined> {
  let model = e.model
  let lastReason = ''
  const note = (reason: string): void => {
    if (reason !== lastReason) c.log('endpoint-waiting', { reason })
    lastReason = reason
  }
  while (!c.signal.aborted) {
    try {
      model ??= await readOptional(c.imds, MODEL_TAG_PATH, c.signal)
      const url = model ? await readyUrl(e, model, c) : undefined
      if (!model) note('no synkti:model tag in instance metadata (are instance metadata tags on?)')
      else if (typeof url === 'object') note(url.reason)
      else if (url) {
        await c.withTimeout(c.recordTags(c.instanceId, { [ENDPOINT_TAG_KEY]: url }))
        c.log('endpoint-published', { url, model })
        return url
      }
    } catch (error) {
      if (c.signal.aborted) break
      note(errorText(error))
    }
    await c.clock.sleep(e.pollMs ?? 5000, c.signal).catch(() => undefined)
  }
  return undefined
}

async function readyUrl(
  e: EndpointOptions,
  model: string,
  c: EndpointContext
): Promise<string | { reason: string }> {
  const ready = await checkReady(`http://127.0.0.1:${e.port}`, model, { fetch: c.fetch })
  if (!ready.ready) return { reason: `model server not ready: ${ready.reason}` }
  const address = (await readOptional(c.imds, ADDRESS_PATH[e.address], c.signal))?.trim()
  if (!address || !IPV4.test(address))
    return { reason: `this instance has no ${e.address} IPv4 address in instance metadata` }
  return `http://${address}:${e.port}`
}

/** a metadata document, or undefined when IMDS answers 404 (no such tag or address) */
async function readOptional(
  imds: ImdsClient,
  path: string,
  signal: AbortSignal
): Promise<string | undefined> {
  const res = await imds.get(path, signal)
  if (res.status === 404) return undefined
  if (res.status !== 200) throw new Error(`instance metadata ${path} answered ${res.status}`)
  return res.body.trim() || undefined
}
