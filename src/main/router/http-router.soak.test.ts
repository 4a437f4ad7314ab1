// A bounded soak: a steady stream of requests through the router while one of two replicas leaves,
// announced (deregistered, drained, killed) or not (killed, deregistered when the loss is noticed).
import { afterEach, describe, expect, it } from 'vitest'
import { startReplicaStub, type ReplicaStub } from '../../../test/fixtures/openai-replica-stub'
import { startHttpRouter, type HttpRouter } from './http-router'

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct'
const REQUESTS = 500
const CONCURRENCY = 4

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

async function fleet(): Promise<{ router: HttpRouter; a: ReplicaStub; b: ReplicaStub }> {
  const router = await startHttpRouter({ port: 0 })
  cleanups.push(() => router.close())
  const stubs: ReplicaStub[] = []
  for (const name of ['a', 'b']) {
    const stub = await startReplicaStub({
      name,
      model: MODEL,
      behaviour: { kind: 'answer', delayMs: 2, chunks: 3, chunkDelayMs: 1 }
    })
    cleanups.push(() => stub.close())
    await router.register({ id: name, service: 'llama', model: MODEL, baseUrl: stub.url })
    stubs.push(stub)
  }
  return { router, a: stubs[0], b: stubs[1] }
}

/** one request, half of them streamed; true when the whole answer arrived */
async function ask(router: HttpRouter, n: number): Promise<boolean> {
  const stream = n % 2 === 0
  try {
    const response = await fetch(`${router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream, messages: [{ role: 'user', content: `${n}` }] })
    })
    const text = await response.text()
    if (response.status !== 200) return false
    return stream ? text.endsWith('data: [DONE]\n\n') : text.includes('"chat.completion"')
  } catch (_cut) {
    // a connection cut mid-answer: counted as a failure by the caller
    return false
  }
}

/** REQUESTS requests, CONCURRENCY at a time; `midway` runs once when half have been issued */
async function soak(router: HttpRouter, midway: () => Promise<void>): Promise<number> {
  let issued = 0
  let succeeded = 0
  let midwayDone: Promise<void> | undefined
  const worker = async (): Promise<void> => {
    while (issued < REQUESTS) {
      const n = issued++
      if (n === REQUESTS / 2) midwayDone = midway()
      if (await ask(router, n)) succeeded++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  await midwayDone
  return succeeded
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

describe('router soak', () => {
  it('a replica deregistered, drained and killed midway costs no request', async () => {
    const { router, a, b } = await fleet()
    let bRequestsAtDeregister = -1
    const succeeded = await soak(router, async () => {
      // requests the router had sent (or was sending) to b; deregister takes effect before any
      // other request can be routed (nothing runs between these two lines)
      bRequestsAtDeregister = router.stats().replicas.find((r) => r.id === 'b')!.requests
      const deregistered = router.deregister('b')
      expect(router.replicas().map((r) => r.id)).toEqual(['a'])
      await deregistered
      await until(() => router.inFlight('b') === 0, 'b to drain')
      await b.kill()
    })
    expect(succeeded / REQUESTS).toBeGreaterThanOrEqual(0.99)
    expect(succeeded).toBe(REQUESTS)
    // nothing reached b after its deregistration resolved
    expect(b.counters.requests).toBe(bRequestsAtDeregister)
    expect(b.counters.requests).toBeGreaterThan(REQUESTS / 4 - CONCURRENCY)
    expect(a.counters.requests + b.counters.requests).toBe(REQUESTS)
    const { services, replicas } = router.stats()
    expect(services[0]).toMatchObject({ requests: REQUESTS, errors: 0, ready: 1 })
    expect(replicas.map((r) => r.id)).toEqual(['a'])
  })

  it('a replica killed midway without notice costs at most the requests it was streaming', async () => {
    const { router, a, b } = await fleet()
    let inFlightOnBAtKill = -1
    const succeeded = await soak(router, async () => {
      inFlightOnBAtKill = router.inFlight('b')
      await b.kill()
      // the controller notices the loss a little later
      await new Promise((resolve) => setTimeout(resolve, 50))
      await router.deregister('b')
    })
    expect(succeeded / REQUESTS).toBeGreaterThanOrEqual(0.99)
    expect(REQUESTS - succeeded).toBeLessThanOrEqual(inFlightOnBAtKill)
    expect(a.counters.completed).toBeGreaterThan(REQUESTS / 2)
    expect(router.stats().services[0]).toMatchObject({ requests: REQUESTS })
  })
})
