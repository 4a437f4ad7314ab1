import { afterEach, describe, expect, it } from 'vitest'
import { request as httpRequest } from 'node:http'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { startReplicaStub, type ReplicaStub } from '../../../test/fixtures/openai-replica-stub'
import { manualClock } from '../../../test/support/manual-clock'
import { startHttpRouter, type HttpRouter, type HttpRouterOptions } from './http-router'

const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct'
const QWEN = 'Qwen/Qwen2.5-7B-Instruct'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

async function router(options: HttpRouterOptions = {}): Promise<HttpRouter> {
  const started = await startHttpRouter({ port: 0, ...options })
  cleanups.push(() => started.close())
  return started
}

async function stub(name: string, model = LLAMA): Promise<ReplicaStub> {
  const started = await startReplicaStub({ name, model })
  cleanups.push(() => started.close())
  return started
}

/** a stub registered under its own name as the replica id */
async function replica(
  target: HttpRouter,
  name: string,
  model = LLAMA,
  service = 'llama'
): Promise<ReplicaStub> {
  const started = await stub(name, model)
  await target.register({ id: name, service, model, baseUrl: started.url })
  return started
}

function chat(
  target: HttpRouter,
  model: string,
  extra: Record<string, unknown> = {},
  init: { headers?: Record<string, string>; signal?: AbortSignal } = {}
): Promise<Response> {
  return fetch(`${target.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
    signal: init.signal
  })
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

async function servedBy(response: Response): Promise<string> {
  expect(response.status).toBe(200)
  const body = (await response.json()) as { choices: { message: { content: string } }[] }
  return body.choices[0].message.content.replace('hello from ', '')
}

describe('the HTTP router: routing and balancing', () => {
  it('routes by the model in the body and passes the body and headers through', async () => {
    const target = await router()
    const llama = await replica(target, 'llama-1', LLAMA, 'llama')
    const qwen = await replica(target, 'qwen-1', QWEN, 'qwen')
    const response = await chat(
      target,
      QWEN,
      { temperature: 0.2 },
      { headers: { 'x-trace': 't1' } }
    )
    expect(response.headers.get('x-synkti-replica')).toBe('qwen-1')
    expect(await servedBy(response)).toBe('qwen-1')
    expect(qwen.last?.body).toEqual({
      model: QWEN,
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2
    })
    expect(qwen.last?.headers['x-trace']).toBe('t1')
    expect(qwen.last?.headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(await servedBy(await chat(target, LLAMA))).toBe('llama-1')
    expect([llama.counters.requests, qwen.counters.requests]).toEqual([1, 1])

    const completion = await fetch(`${target.url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: LLAMA, prompt: 'once upon' })
    })
    expect(((await completion.json()) as { object: string }).object).toBe('text_completion')
    expect(llama.counters.requests).toBe(2)
  })

  it('lists the union of models with a ready replica at /v1/models', async () => {
    const target = await router()
    await replica(target, 'a', LLAMA)
    await replica(target, 'b', LLAMA)
    await replica(target, 'c', QWEN, 'qwen')
    const models = async (): Promise<string[]> => {
      const body = (await (await fetch(`${target.url}/v1/models`)).json()) as {
        object: string
        data: { id: string; object: string; owned_by: string }[]
      }
      expect(body.object).toBe('list')
      for (const model of body.data) expect(model).toMatchObject({ object: 'model' })
      return body.data.map((model) => model.id)
    }
    expect(await models()).toEqual([QWEN, LLAMA].sort())
    const one = await fetch(`${target.url}/v1/models/${LLAMA}`)
    expect(await one.json()).toMatchObject({ id: LLAMA, object: 'model' })
    await target.deregister('c')
    expect(await models()).toEqual([LLAMA])
    expect((await fetch(`${target.url}/v1/models/${QWEN}`)).status).toBe(404)
    await target.deregister('a')
    expect(await models()).toEqual([LLAMA])
    await target.deregister('b')
    expect(await models()).toEqual([])
  })

  it('sends each request to the replica with the fewest requests in flight', async () => {
    const target = await router()
    const a = await replica(target, 'a')
    const b = await replica(target, 'b')
    a.hold()
    b.hold()
    const pending: Promise<Response>[] = []
    const send = async (expectedArrivals: number): Promise<void> => {
      pending.push(chat(target, LLAMA))
      await until(
        () => a.counters.requests + b.counters.requests === expectedArrivals,
        `request ${expectedArrivals} at a replica`
      )
    }
    for (let i = 1; i <= 6; i++) await send(i)
    expect([target.inFlight('a'), target.inFlight('b')]).toEqual([3, 3])
    expect([a.counters.inFlight, b.counters.inFlight]).toEqual([3, 3])

    b.release()
    await until(() => b.counters.completed === 3, 'b to finish its three')
    await until(() => target.inFlight('b') === 0, 'the router to see b idle')
    // a still serves three: the next three go to b although b has served more in total
    for (let i = 7; i <= 9; i++) await send(i)
    expect([a.counters.requests, b.counters.requests]).toEqual([3, 6])
    a.release()
    const names = await Promise.all(pending.map(async (response) => servedBy(await response)))
    expect(names.filter((name) => name === 'a')).toHaveLength(3)
    expect([target.inFlight('a'), target.inFlight('b')]).toEqual([0, 0])
  })

  it('breaks ties by fewer requests so far, then by id', async () => {
    const target = await router()
    await replica(target, 'b')
    await replica(target, 'a')
    await replica(target, 'c')
    const order: string[] = []
    for (let i = 0; i < 6; i++) order.push(await servedBy(await chat(target, LLAMA)))
    expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c'])
  })
})

describe('the HTTP router: failures and retries', () => {
  it('retries a refused connection once on another replica, then avoids the dead one', async () => {
    const target = await router()
    const dead = await replica(target, 'a-dead')
    const alive = await replica(target, 'b-alive')
    await dead.kill()
    for (let i = 0; i < 5; i++) expect(await servedBy(await chat(target, LLAMA))).toBe('b-alive')
    const stats = target.stats().replicas
    expect(stats.find((r) => r.id === 'a-dead')).toMatchObject({
      requests: 1,
      errors: 1,
      ejected: true
    })
    expect(stats.find((r) => r.id === 'b-alive')).toMatchObject({ requests: 5, errors: 0 })
    expect(alive.counters.requests).toBe(5)
    expect(target.stats().services[0]).toMatchObject({ requests: 5, errors: 0 })
    expect(await target.metricsText()).toContain('synkti_router_retries_total{service="llama"} 1')
  })

  it('retries a connection reset before any header on another replica', async () => {
    const target = await router()
    const resetting = await replica(target, 'a')
    const good = await replica(target, 'b')
    resetting.setBehaviour({ kind: 'reset-before-headers' })
    expect(await servedBy(await chat(target, LLAMA))).toBe('b')
    expect([resetting.counters.requests, good.counters.requests]).toEqual([1, 1])
  })

  it('retries a 5xx that came before the headers were forwarded, once', async () => {
    const target = await router()
    const failing = await replica(target, 'a')
    failing.setBehaviour({ kind: 'status', status: 500 })
    const second = await replica(target, 'b')
    second.setBehaviour({ kind: 'status', status: 503 })
    const third = await replica(target, 'c')
    // a and b fail; only one retry, so c is never tried and the client gets b's answer
    const response = await chat(target, LLAMA)
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: { message: 'stub b answers 503' } })
    expect([failing.counters.requests, second.counters.requests, third.counters.requests]).toEqual([
      1, 1, 0
    ])
    second.setBehaviour({ kind: 'answer' })
    // next: c has the fewest in total, serves; then a fails and its retry lands on b
    expect(await servedBy(await chat(target, LLAMA))).toBe('c')
    expect(await servedBy(await chat(target, LLAMA))).toBe('b')
    expect(target.stats().services[0]).toMatchObject({ requests: 3, errors: 1 })
  })

  it("forwards the only replica's 5xx as it is when no other replica can take it", async () => {
    const target = await router()
    const only = await replica(target, 'a')
    only.setBehaviour({ kind: 'status', status: 500 })
    const response = await chat(target, LLAMA)
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({ error: { message: 'stub a answers 500' } })
    expect(only.counters.requests).toBe(1)
  })

  it('answers 502 when the only replica refuses', async () => {
    const target = await router()
    const only = await replica(target, 'a')
    await only.kill()
    const response = await chat(target, LLAMA)
    expect(response.status).toBe(502)
    expect(await response.json()).toMatchObject({
      error: { type: 'server_error', code: 'upstream_failed' }
    })
  })

  it('does not retry once bytes were sent: the client sees the stream cut short', async () => {
    const target = await router()
    const cutting = await replica(target, 'a')
    const spare = await replica(target, 'b')
    cutting.setBehaviour({ kind: 'reset-mid-stream', chunksBeforeReset: 2 })
    const response = await chat(target, LLAMA, { stream: true })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let received = ''
    const outcome = await (async () => {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return 'ended cleanly'
        received += decoder.decode(value, { stream: true })
      }
    })().catch((error: unknown) => `failed: ${String(error)}`)
    expect(outcome).toMatch(/^failed/)
    expect(received).toContain('a-0 ')
    expect(received).not.toContain('[DONE]')
    expect(spare.counters.requests).toBe(0)
    await until(() => target.inFlight('a') === 0, 'the cut attempt to end')
    expect(target.stats().replicas.find((r) => r.id === 'a')).toMatchObject({ errors: 1 })
    expect(target.stats().services[0]).toMatchObject({ requests: 1, errors: 1 })
  })

  it('answers 504 when the replica sends no header within the first-byte timeout, no retry', async () => {
    const target = await router({ firstByteTimeoutMs: 150 })
    const hanging = await replica(target, 'a')
    hanging.setBehaviour({ kind: 'hang' })
    const other = await replica(target, 'b')
    const response = await chat(target, LLAMA)
    expect(response.status).toBe(504)
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_timeout' } })
    expect(other.counters.requests).toBe(0)
    await until(() => hanging.counters.closedEarly === 1, 'the hanging request to be abandoned')
  })

  it('cuts a response when the replica goes silent mid-stream past the idle timeout', async () => {
    const target = await router({ idleTimeoutMs: 150 })
    const slow = await replica(target, 'a')
    slow.setBehaviour({ kind: 'answer', chunks: 3, chunkDelayMs: 2000 })
    const response = await chat(target, LLAMA, { stream: true })
    const text = await response.text().catch((error: unknown) => `failed: ${String(error)}`)
    expect(text).toMatch(/^failed/)
    await until(() => slow.counters.closedEarly === 1, 'the replica to see the cut')
  })

  it('answers 503 with Retry-After when no replica is ready, 404 for a model nobody serves', async () => {
    const target = await router({
      retryAfterSeconds: 7,
      declaredServices: () => [{ service: 'qwen', model: QWEN }]
    })
    // declared but not ready yet
    const warming = await chat(target, QWEN)
    expect(warming.status).toBe(503)
    expect(warming.headers.get('retry-after')).toBe('7')
    expect(await warming.json()).toEqual({
      error: {
        message: `no replica of \`${QWEN}\` is ready; retry in 7 s`,
        type: 'server_error',
        param: null,
        code: 'no_ready_replica'
      }
    })
    // was ready, now every replica is gone
    await replica(target, 'a')
    await target.deregister('a')
    const gone = await chat(target, LLAMA)
    expect(gone.status).toBe(503)
    expect(gone.headers.get('retry-after')).toBe('7')
    const unknown = await chat(target, 'gpt-4o')
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'model_not_found' }
    })
    const services = target.stats().services
    expect(services.map((s) => [s.service, s.ready, s.requests, s.errors])).toEqual([
      ['llama', 0, 1, 1],
      ['qwen', 0, 1, 1]
    ])
  })

  it('deregister stops new requests at once while the ones in flight finish', async () => {
    const target = await router()
    const leaving = await replica(target, 'a')
    leaving.hold()
    const inFlight = [chat(target, LLAMA), chat(target, LLAMA, { stream: true })]
    await until(() => leaving.counters.requests === 2, 'two requests held at a')
    const staying = await replica(target, 'b')
    expect(target.inFlight('a')).toBe(2)

    await target.deregister('a')
    expect(target.replicas().map((r) => r.id)).toEqual(['b'])
    for (let i = 0; i < 5; i++) expect(await servedBy(await chat(target, LLAMA))).toBe('b')
    expect([leaving.counters.requests, staying.counters.requests]).toEqual([2, 5])
    expect(target.inFlight('a')).toBe(2)
    expect(target.stats().replicas.find((r) => r.id === 'a')).toMatchObject({
      registered: false,
      inFlight: 2
    })

    leaving.release()
    const answers = await Promise.all(inFlight)
    expect(answers.map((r) => r.status)).toEqual([200, 200])
    expect(await servedBy(answers[0])).toBe('a')
    expect(await answers[1].text()).toContain('data: [DONE]')
    await until(() => target.inFlight('a') === 0, 'a to drain')
    expect(target.stats().replicas.map((r) => r.id)).toEqual(['b'])
  })

  it('a client that goes away aborts its upstream request', async () => {
    const target = await router()
    const held = await replica(target, 'a')
    held.hold()
    const abort = new AbortController()
    const pending = chat(target, LLAMA, { stream: true }, { signal: abort.signal })
    await until(() => held.counters.inFlight === 1, 'the request at the replica')
    abort.abort()
    await expect(pending).rejects.toThrow()
    await until(() => held.counters.closedEarly === 1, 'the replica to see the abort')
    await until(() => target.inFlight('a') === 0, 'the router to release it')
    // mid-stream too
    held.release()
    held.setBehaviour({ kind: 'answer', chunks: 50, chunkDelayMs: 20 })
    const streaming = new AbortController()
    const response = await chat(target, LLAMA, { stream: true }, { signal: streaming.signal })
    const reader = response.body!.getReader()
    await reader.read()
    streaming.abort()
    await until(() => held.counters.closedEarly === 2, 'the replica to see the mid-stream abort')
    await until(() => target.inFlight('a') === 0, 'the router to release it')
    // going away is not the service's error
    expect(target.stats().services[0]).toMatchObject({ requests: 2, errors: 0 })
  })
})

describe('the HTTP router: streaming', () => {
  it('passes a stream through as it comes, byte for byte', async () => {
    const target = await router()
    const streaming = await replica(target, 'a')
    streaming.setBehaviour({ kind: 'answer', chunks: 4, waitAt: 'first-chunk' })
    streaming.hold()
    const response = await chat(target, LLAMA, { stream: true })
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    const first = await reader.read()
    const firstText = decoder.decode(first.value, { stream: true })
    // the replica is still holding its answer: the first chunk crossed the router on its own
    expect(firstText).toContain('a-0 ')
    expect(streaming.counters.completed).toBe(0)
    expect(streaming.counters.inFlight).toBe(1)
    streaming.release()
    let rest = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      rest += decoder.decode(value, { stream: true })
    }
    const direct = await fetch(`${streaming.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: LLAMA, stream: true })
    })
    expect(firstText + rest).toBe(await direct.text())
    expect(rest.endsWith('data: [DONE]\n\n')).toBe(true)
  })
})

describe('the HTTP router: the edge', () => {
  it('requires the API key when one is set, compares it whole, and keeps it from replicas', async () => {
    const target = await router({ apiKey: 'sk-synkti-test' })
    const only = await replica(target, 'a')
    const noKey = await chat(target, LLAMA)
    expect(noKey.status).toBe(401)
    expect(noKey.headers.get('www-authenticate')).toBe('Bearer')
    expect(await noKey.json()).toMatchObject({
      error: { type: 'authentication_error', code: 'invalid_api_key' }
    })
    for (const header of ['Bearer sk-synkti-tes', 'Bearer sk-synkti-test2', 'sk-synkti-test'])
      expect((await chat(target, LLAMA, {}, { headers: { authorization: header } })).status).toBe(
        401
      )
    expect((await fetch(`${target.url}/v1/models`)).status).toBe(401)
    expect((await fetch(`${target.url}/metrics`)).status).toBe(401)
    expect((await fetch(`${target.url}/health`)).status).toBe(200)
    const authorized = { authorization: 'Bearer sk-synkti-test' }
    expect(await servedBy(await chat(target, LLAMA, {}, { headers: authorized }))).toBe('a')
    expect(only.counters.requests).toBe(1)
    expect(only.last?.headers.authorization).toBeUndefined()
    expect((await fetch(`${target.url}/v1/models`, { headers: authorized })).status).toBe(200)
    await expect(startHttpRouter({ port: 0, apiKey: '' })).rejects.toThrow(RangeError)
  })

  it("passes the client's Authorization on when the router has no key of its own", async () => {
    const target = await router()
    const only = await replica(target, 'a')
    await chat(target, LLAMA, {}, { headers: { authorization: 'Bearer replica-key' } })
    expect(only.last?.headers.authorization).toBe('Bearer replica-key')
  })

  it('refuses a body over the limit with 413, bad JSON and a missing model with 400', async () => {
    const target = await router({ maxBodyBytes: 1024 })
    const only = await replica(target, 'a')
    const post = (body: string | Uint8Array, path = '/v1/chat/completions') =>
      fetch(`${target.url}${path}`, { method: 'POST', body })
    const tooLarge = await post(JSON.stringify({ model: LLAMA, prompt: 'x'.repeat(2000) }))
    expect(tooLarge.status).toBe(413)
    expect(await tooLarge.json()).toMatchObject({ error: { code: 'too_large' } })
    // a body without a Content-Length (chunked) that grows past the limit
    const chunkedStatus = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${target.url}/v1/completions`, { method: 'POST' }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      for (let i = 0; i < 8; i++) req.write('y'.repeat(512))
      req.end()
    })
    expect(chunkedStatus).toBe(413)
    expect((await post('{"model": ')).status).toBe(400)
    const notObject = await post('[1,2]')
    expect(notObject.status).toBe(400)
    expect(await notObject.json()).toMatchObject({
      error: { message: 'the body must be a JSON object' }
    })
    const noModel = await post('{"prompt":"hi"}', '/v1/completions')
    expect(noModel.status).toBe(400)
    expect(await noModel.json()).toMatchObject({
      error: { type: 'invalid_request_error', message: 'the request body needs a "model" string' }
    })
    expect((await post(JSON.stringify({ model: '' }))).status).toBe(400)
    expect(only.counters.requests).toBe(0)
    // the connection survives a refused body: a good request afterwards is served
    expect(await servedBy(await chat(target, LLAMA))).toBe('a')
  })

  it('answers 404 for other paths and 405 for the wrong method', async () => {
    const target = await router()
    expect((await fetch(`${target.url}/v1/embeddings`, { method: 'POST' })).status).toBe(404)
    const wrongMethod = await fetch(`${target.url}/v1/chat/completions`)
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('POST')
    expect((await fetch(`${target.url}/v1/models`, { method: 'POST' })).status).toBe(405)
    const health = await fetch(`${target.url}/health`)
    expect(await health.json()).toEqual({ status: 'ok', ready: 0 })
  })

  it('validates what it is told to register', async () => {
    const target = await router()
    await expect(
      target.register({ id: 'a', service: 's', model: 'm', baseUrl: 'ftp://x' })
    ).rejects.toThrow('replica baseUrl: baseUrl must be an http:// URL')
    await expect(
      target.register({ id: '', service: 's', model: 'm', baseUrl: 'http://127.0.0.1:1' })
    ).rejects.toThrow(/^replica id:/)
    expect(target.replicas()).toEqual([])
  })

  it('listens on 127.0.0.1 by default', async () => {
    const target = await router()
    expect(target.url).toBe(`http://127.0.0.1:${target.port}`)
    expect(target.port).toBeGreaterThan(0)
  })

  it('close() lets requests in flight finish within the grace, then cuts them', async () => {
    const target = await startHttpRouter({ port: 0, closeGraceMs: 100 })
    const held = await replica(target, 'a')
    held.hold()
    const pending = chat(target, LLAMA).then(
      (response) => response.status,
      (error: unknown) => `failed: ${String(error)}`
    )
    await until(() => held.counters.inFlight === 1, 'the request at the replica')
    const closing = target.close()
    expect(await pending).toMatch(/^failed/)
    await closing
    await expect(fetch(`${target.url}/health`)).rejects.toThrow()
  })
})

describe('the HTTP router: stats and metrics', () => {
  it('reports per-replica and per-service figures in stats() and /metrics', async () => {
    const clock = manualClock(1_700_000_000_000)
    const target = await router({ clock, rateWindowSeconds: 10 })
    const a = await replica(target, 'a')
    const b = await replica(target, 'b')
    await replica(target, 'q', QWEN, 'qwen')
    for (let i = 0; i < 10; i++) await servedBy(await chat(target, LLAMA))
    b.setBehaviour({ kind: 'status', status: 500 })
    a.setBehaviour({ kind: 'status', status: 500 })
    // a fails, the retry on b fails too: one client error for the service, one per replica
    expect((await chat(target, LLAMA)).status).toBe(500)
    a.hold()
    a.setBehaviour({ kind: 'answer' })
    b.setBehaviour({ kind: 'answer' })
    const held = chat(target, LLAMA)
    await until(() => a.counters.inFlight === 1, 'a request held at a')
    await clock.advance(1000)

    const { replicas, services } = target.stats()
    expect(replicas.map((r) => [r.id, r.requests, r.errors, r.inFlight])).toEqual([
      ['a', 7, 1, 1],
      ['b', 6, 1, 0],
      ['q', 0, 0, 0]
    ])
    for (const r of replicas.slice(0, 2)) {
      expect(r.p50Ms).toBeGreaterThan(0)
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms!)
    }
    expect(replicas[2]).toMatchObject({ p50Ms: null, p99Ms: null, registered: true })
    const llama = services.find((s) => s.service === 'llama')!
    expect(llama).toMatchObject({ model: LLAMA, ready: 2, requests: 12, errors: 1 })
    expect(llama.requestsPerSecond).toBeCloseTo(12)
    expect(llama.p50Ms).toBeGreaterThan(0)
    expect(services.find((s) => s.service === 'qwen')).toMatchObject({
      ready: 1,
      requests: 0,
      requestsPerSecond: 0,
      p50Ms: null
    })

    const response = await fetch(`${target.url}/metrics`)
    expect(response.headers.get('content-type')).toContain('text/plain')
    const text = await response.text()
    const families = parsePrometheusTextFormat(text)
    const samples = (name: string) => families.find((f) => f.name === name)?.metrics ?? []
    const value = (name: string, labels: Record<string, string>) =>
      Number(
        samples(name).find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
          ?.value
      )
    expect(value('synkti_router_replica_requests_total', { replica: 'a', service: 'llama' })).toBe(
      7
    )
    expect(value('synkti_router_replica_requests_total', { replica: 'b' })).toBe(6)
    expect(value('synkti_router_replica_errors_total', { replica: 'a' })).toBe(1)
    expect(value('synkti_router_replica_in_flight', { replica: 'a' })).toBe(1)
    expect(value('synkti_router_replica_in_flight', { replica: 'q', service: 'qwen' })).toBe(0)
    expect(value('synkti_router_requests_total', { service: 'llama' })).toBe(12)
    expect(value('synkti_router_errors_total', { service: 'llama' })).toBe(1)
    expect(value('synkti_router_in_flight', { service: 'llama' })).toBe(1)
    expect(value('synkti_router_ready_replicas', { service: 'qwen', model: QWEN })).toBe(1)
    expect(value('synkti_router_retries_total', { service: 'llama' })).toBe(1)
    // histograms by line (the parser folds their labels)
    expect(text).toContain('synkti_router_request_duration_seconds_count{service="llama"} 10')
    expect(text).toContain(
      'synkti_router_replica_request_duration_seconds_count{service="llama",replica="a"} 5'
    )
    expect(text).toMatch(
      /synkti_router_replica_request_duration_seconds_bucket\{le="\+Inf",service="llama",replica="b"\} 5/
    )

    a.release()
    expect((await held).status).toBe(200)
    // a replica's series go when it is deregistered and idle
    await target.deregister('b')
    const after = await target.metricsText()
    expect(after).not.toContain('replica="b"')
    expect(after).toContain('replica="a"')
  })
})
