import { afterEach, describe, expect, it } from 'vitest'
import type { InterruptionEvent } from '../../shared/fleet'
import { manualClock } from '../../../test/support/manual-clock'
import { startImdsServer, type ImdsFixture } from '../../../test/fixtures/imds-server'
import {
  INSTANCE_ACTION_PATH,
  REBALANCE_PATH,
  createImdsClient,
  parseInstanceAction,
  parseRebalance,
  resolveImdsEndpoint,
  startImdsMonitor,
  type ImdsMonitor
} from './imds'

let imds: ImdsFixture
let monitor: ImdsMonitor | undefined

afterEach(async () => {
  await monitor?.stop()
  monitor = undefined
  await imds?.close()
})

/** bounded wait for a condition on real time */
async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

const pollsOf = (path: string): number => imds.counters.byPath[path] ?? 0

describe('IMDSv2 client', () => {
  it('PUTs a token with the TTL header once and sends it on every GET', async () => {
    imds = await startImdsServer({ instanceId: 'i-abc' })
    const client = createImdsClient({ endpoint: imds.url, tokenTtlSeconds: 60 })
    expect(await client.instanceId()).toBe('i-abc')
    expect((await client.get(INSTANCE_ACTION_PATH)).status).toBe(404)
    expect(imds.counters).toMatchObject({
      tokenPuts: 1,
      tokenRejected: 0,
      gets: 2,
      unauthorized: 0
    })
  })

  it('the fixture refuses a token PUT without TTL and GETs without a token, like IMDS', async () => {
    imds = await startImdsServer()
    const put = await fetch(imds.url + '/latest/api/token', { method: 'PUT' })
    expect(put.status).toBe(400)
    const get = await fetch(imds.url + '/latest/meta-data/instance-id')
    expect(get.status).toBe(401)
    expect(imds.counters).toMatchObject({ tokenRejected: 1, unauthorized: 1 })
  })

  it('on 401 for an expired token it fetches a fresh token and retries once', async () => {
    imds = await startImdsServer({ instanceId: 'i-exp' })
    const client = createImdsClient({
      endpoint: imds.url,
      tokenTtlSeconds: 60,
      clock: manualClock(0)
    })
    await client.instanceId()
    imds.clock.advance(61_000) // the server sees the token expire; the client clock did not move
    expect(await client.instanceId()).toBe('i-exp')
    expect(imds.counters).toMatchObject({ tokenPuts: 2, unauthorized: 1 })
  })

  it('after revoked tokens it recovers the same way', async () => {
    imds = await startImdsServer()
    const client = createImdsClient({ endpoint: imds.url })
    await client.instanceId()
    imds.revokeTokens()
    expect((await client.get(REBALANCE_PATH)).status).toBe(404)
    expect(imds.counters).toMatchObject({ tokenPuts: 2, unauthorized: 1 })
  })

  it('refreshes the token at 80% of its TTL before IMDS would reject it', async () => {
    imds = await startImdsServer()
    const clock = manualClock(0)
    const client = createImdsClient({ endpoint: imds.url, tokenTtlSeconds: 100, clock })
    await client.instanceId()
    await clock.advance(79_000)
    await client.instanceId()
    expect(imds.counters.tokenPuts).toBe(1)
    await clock.advance(1_000)
    await client.instanceId()
    expect(imds.counters).toMatchObject({ tokenPuts: 2, unauthorized: 0 })
  })

  it('takes the endpoint from AWS_EC2_METADATA_SERVICE_ENDPOINT unless given', () => {
    const saved = process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT
    try {
      delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT
      expect(resolveImdsEndpoint()).toBe('http://169.254.169.254')
      process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = 'http://127.0.0.1:9/'
      expect(resolveImdsEndpoint()).toBe('http://127.0.0.1:9')
      expect(resolveImdsEndpoint('http://x:1')).toBe('http://x:1')
    } finally {
      if (saved === undefined) delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT
      else process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = saved
    }
  })

  it('times out quickly when IMDS does not answer', async () => {
    const client = createImdsClient({ endpoint: 'http://127.0.0.1:9', requestTimeoutMs: 300 })
    const started = Date.now()
    await expect(client.instanceId()).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(2000)
  })
})

describe('notice documents', () => {
  it('parses instance-action and rebalance, rejects malformed ones', () => {
    expect(parseInstanceAction('{"action":"terminate","time":"2026-11-23T14:00:00Z"}')).toEqual({
      ok: true,
      action: 'terminate',
      deadline: Date.parse('2026-11-23T14:00:00Z')
    })
    const unknown = parseInstanceAction('{"action":"reboot","time":"2026-11-23T14:00:00Z"}')
    expect(unknown).toMatchObject({ ok: true, detail: 'unknown action "reboot"' })
    expect(unknown).not.toHaveProperty('action')
    expect(parseInstanceAction('{"action":"stop"')).toMatchObject({ ok: false })
    expect(parseInstanceAction('{"action":"stop","time":"soon"}')).toMatchObject({ ok: false })
    expect(parseRebalance('{"noticeTime":"2026-11-23T13:50:00Z"}')).toMatchObject({ ok: true })
    expect(parseRebalance('<html>')).toMatchObject({ ok: false })
  })
})

describe('IMDS monitor', () => {
  it('sees 404 until the notice, then emits exactly one event across polls', async () => {
    imds = await startImdsServer({ instanceId: 'i-notice' })
    const events: InterruptionEvent[] = []
    monitor = startImdsMonitor({ endpoint: imds.url, pollMs: 20, onEvent: (e) => events.push(e) })
    expect(await monitor.instanceId).toBe('i-notice')
    await until(() => pollsOf(INSTANCE_ACTION_PATH) >= 3)
    expect(events).toEqual([])

    imds.scheduleNotice('terminate', '2026-11-23T14:00:00Z')
    await until(() => events.length > 0)
    const after = pollsOf(REBALANCE_PATH)
    await until(() => pollsOf(REBALANCE_PATH) >= after + 3) // several more polls
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      instanceId: 'i-notice',
      kind: 'interruption-notice',
      action: 'terminate',
      deadline: Date.parse('2026-11-23T14:00:00Z'),
      source: 'imds'
    })
    expect(imds.counters.byPath[INSTANCE_ACTION_PATH]).toBeGreaterThan(3)
    // deduplicated: the monitor stops asking for a kind it already reported
    const actionPolls = pollsOf(INSTANCE_ACTION_PATH)
    await until(() => pollsOf(REBALANCE_PATH) >= after + 6)
    expect(pollsOf(INSTANCE_ACTION_PATH)).toBe(actionPolls)
  })

  it('emits a rebalance recommendation once, independently of the notice', async () => {
    imds = await startImdsServer()
    const events: InterruptionEvent[] = []
    monitor = startImdsMonitor({ endpoint: imds.url, pollMs: 20, onEvent: (e) => events.push(e) })
    imds.scheduleRebalance('2026-11-23T13:50:00Z')
    await until(() => events.length === 1)
    imds.scheduleNotice('stop', '2026-11-23T14:00:00Z')
    await until(() => events.length === 2)
    await new Promise((r) => setTimeout(r, 150)) // several more poll intervals
    expect(events.map((e) => e.kind)).toEqual(['rebalance-recommendation', 'interruption-notice'])
    expect(events[0].detail).toBe('noticeTime=2026-11-23T13:50:00Z')
    expect(events[1].action).toBe('stop')
  })

  it('logs malformed JSON and keeps polling until the document is valid', async () => {
    imds = await startImdsServer()
    const events: InterruptionEvent[] = []
    const logs: string[] = []
    monitor = startImdsMonitor({
      endpoint: imds.url,
      pollMs: 20,
      onEvent: (e) => events.push(e),
      log: (action, fields) => logs.push(`${action} ${JSON.stringify(fields)}`)
    })
    imds.setRaw(INSTANCE_ACTION_PATH, '{"action":"terminate","time":')
    const before = pollsOf(INSTANCE_ACTION_PATH)
    await until(() => pollsOf(INSTANCE_ACTION_PATH) >= before + 4)
    expect(events).toEqual([])
    expect(logs.filter((l) => l.includes('malformed JSON'))).toHaveLength(1) // logged once, not per poll
    imds.scheduleNotice('hibernate', '2026-11-23T14:00:00Z')
    await until(() => events.length === 1)
    expect(events[0].action).toBe('hibernate')
  })

  it('survives IMDS being down and stops on its AbortSignal', async () => {
    const controller = new AbortController()
    const logs: string[] = []
    const m = startImdsMonitor({
      endpoint: 'http://127.0.0.1:9',
      pollMs: 20,
      requestTimeoutMs: 200,
      signal: controller.signal,
      onEvent: () => {},
      log: (action) => logs.push(action)
    })
    await until(() => logs.length > 0)
    controller.abort()
    await m.done
    await expect(m.instanceId).rejects.toThrow(/stopped/)
    expect(logs[0]).toBe('imds-error')
  })
})
