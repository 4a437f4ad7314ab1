import { describe, expect, it } from 'vitest'
import { manualClock } from '../../../test/support/manual-clock'
import { ReplicaTable, pickReplica, type Outcome, type ReplicaState } from './replica-table'

const endpoint = (id: string, model = 'm', service = 's') => ({
  id,
  service,
  model,
  baseUrl: `http://127.0.0.1:1/${id}`
})

function table(options: Partial<ConstructorParameters<typeof ReplicaTable>[0]> = {}) {
  let monotonic = 0
  const clock = manualClock(0)
  const replicas = new ReplicaTable({ clock, monotonicNow: () => monotonic, ...options })
  return { replicas, clock, setMonotonic: (ms: number) => (monotonic = ms) }
}

function pickAndStart(replicas: ReplicaTable, model = 'm'): ReplicaState {
  const route = replicas.route(model)
  if (route.kind !== 'replica') throw new Error(`no replica: ${route.kind}`)
  replicas.attemptStarted(route.replica)
  return route.replica
}

describe('pickReplica', () => {
  it('takes the fewest in flight, then the fewest requests, then the smallest id', () => {
    const state = (id: string, inFlight: number, requests: number): ReplicaState =>
      ({
        endpoint: endpoint(id),
        registered: true,
        inFlight,
        requests,
        errors: 0,
        ejectedUntil: 0
      }) as ReplicaState
    const none = new Set<string>()
    const pick = (...states: ReplicaState[]) => pickReplica(states, 'm', none, 0)?.endpoint.id
    expect(pick(state('b', 2, 0), state('a', 3, 0), state('c', 1, 9))).toBe('c')
    expect(pick(state('b', 1, 4), state('a', 1, 5))).toBe('b')
    expect(pick(state('b', 1, 4), state('a', 1, 4))).toBe('a')
    expect(pickReplica([state('a', 0, 0)], 'other', none, 0)).toBeUndefined()
    expect(pickReplica([state('a', 0, 0)], 'm', new Set(['a']), 0)).toBeUndefined()
  })

  it('uses an ejected replica only when every candidate is ejected', () => {
    const healthy = { endpoint: endpoint('b'), registered: true, inFlight: 5, requests: 50 }
    const ejected = { endpoint: endpoint('a'), registered: true, inFlight: 0, requests: 0 }
    const states = [
      { ...ejected, errors: 1, ejectedUntil: 100 },
      { ...healthy, errors: 0, ejectedUntil: 0 }
    ] as ReplicaState[]
    expect(pickReplica(states, 'm', new Set(), 50)?.endpoint.id).toBe('b')
    expect(pickReplica(states, 'm', new Set(['b']), 50)?.endpoint.id).toBe('a')
    expect(pickReplica(states, 'm', new Set(), 100)?.endpoint.id).toBe('a')
  })
})

describe('ReplicaTable', () => {
  it('spreads sequential requests evenly and concurrent ones by in-flight count', () => {
    const { replicas } = table()
    for (const id of ['r2', 'r1', 'r3']) replicas.register(endpoint(id))
    const first = [pickAndStart(replicas), pickAndStart(replicas), pickAndStart(replicas)]
    expect(first.map((r) => r.endpoint.id)).toEqual(['r1', 'r2', 'r3'])
    replicas.attemptEnded(first[1], 'ok', 10)
    // r2 now has nothing in flight: it takes the next one
    expect(pickAndStart(replicas).endpoint.id).toBe('r2')
  })

  it('deregister stops new picks; the replica is forgotten when its last request ends', () => {
    const { replicas } = table()
    replicas.register(endpoint('a'))
    replicas.register(endpoint('b'))
    const onA = pickAndStart(replicas)
    expect(onA.endpoint.id).toBe('a')
    replicas.deregister('a')
    expect(replicas.replicas().map((r) => r.id)).toEqual(['b'])
    expect(replicas.inFlight('a')).toBe(1)
    for (let i = 0; i < 3; i++) expect(pickAndStart(replicas).endpoint.id).toBe('b')
    expect(replicas.stats().replicas.find((r) => r.id === 'a')).toMatchObject({
      registered: false,
      inFlight: 1
    })
    replicas.attemptEnded(onA, 'ok', 5)
    expect(replicas.inFlight('a')).toBe(0)
    expect(replicas.stats().replicas.map((r) => r.id)).toEqual(['b'])
    replicas.deregister('a') // idempotent
    replicas.deregister('never-registered')
  })

  it('register is idempotent and updates the endpoint', () => {
    const { replicas } = table()
    replicas.register(endpoint('a', 'm1'))
    replicas.register(endpoint('a', 'm1'))
    expect(replicas.replicas()).toHaveLength(1)
    replicas.register({ ...endpoint('a', 'm2'), baseUrl: 'http://127.0.0.1:2' })
    expect(replicas.replicas()).toEqual([{ ...endpoint('a', 'm2'), baseUrl: 'http://127.0.0.1:2' }])
    expect(replicas.route('m1').kind).not.toBe('replica')
    expect(replicas.route('m2').kind).toBe('replica')
  })

  it('a model whose replicas all left is "none ready" until forgotten, then unknown', async () => {
    const { replicas, clock } = table({ forgetAfterMs: 60_000 })
    expect(replicas.route('m').kind).toBe('unknown-model')
    replicas.register(endpoint('a'))
    replicas.deregister('a')
    expect(replicas.route('m').kind).toBe('none-ready')
    await clock.advance(59_999)
    expect(replicas.route('m').kind).toBe('none-ready')
    await clock.advance(1)
    expect(replicas.route('m').kind).toBe('unknown-model')
    expect(replicas.stats().services).toEqual([])
  })

  it('a declared service is known before its first replica and never forgotten', async () => {
    let declared = [{ service: 'llama', model: 'meta-llama/Llama-3.1-8B-Instruct' }]
    const { replicas, clock } = table({ forgetAfterMs: 1000, declaredServices: () => declared })
    const route = replicas.route('meta-llama/Llama-3.1-8B-Instruct')
    expect(route.kind).toBe('none-ready')
    await clock.advance(10_000)
    expect(replicas.stats().services).toMatchObject([{ service: 'llama', ready: 0, requests: 0 }])
    declared = []
    expect(replicas.stats().services).toEqual([])
  })

  it('counts service requests, errors, latency quantiles and the rate', async () => {
    const { replicas, clock } = table()
    replicas.register(endpoint('a'))
    const route = replicas.route('m')
    if (route.kind !== 'replica') throw new Error('expected a replica')
    const request = (outcome: Outcome, ms: number) => {
      replicas.requestStarted(route.service)
      replicas.requestEnded(route.service, outcome, ms)
    }
    for (let ms = 1; ms <= 100; ms++) request('ok', ms)
    request('error', 5000)
    request('client-error', 1)
    request('aborted', 1)
    await clock.advance(1000)
    expect(replicas.stats().services).toEqual([
      {
        service: 's',
        model: 'm',
        ready: 1,
        requests: 103,
        errors: 1,
        requestsPerSecond: 103,
        p50Ms: 50,
        p99Ms: 99
      }
    ])
  })

  it('an ejected replica is reported and skipped until the ejection ends', () => {
    const { replicas, setMonotonic } = table()
    replicas.register(endpoint('a'))
    replicas.register(endpoint('b'))
    const a = replicas.route('m')
    if (a.kind !== 'replica') throw new Error('expected a replica')
    replicas.eject(a.replica, 1000)
    expect(replicas.stats().replicas.map((r) => [r.id, r.ejected])).toEqual([
      ['a', true],
      ['b', false]
    ])
    for (let i = 0; i < 3; i++) expect(pickAndStart(replicas).endpoint.id).toBe('b')
    setMonotonic(1000)
    expect(pickAndStart(replicas).endpoint.id).toBe('a')
  })
})
