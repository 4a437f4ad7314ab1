import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  startImdsServer,
  closeServer,
  listen,
  type ImdsFixture
} from '../../../test/fixtures/imds-server'
import { startVllmStub, type VllmStub } from '../../../test/fixtures/vllm-stub'
import { startCockpitStub, type CockpitStub } from '../../../test/fixtures/cockpit-stub'
import { runAgent, type AgentHandle, type AgentOptions } from './agent'
import { parseAgentTags } from './tags'

const TOKEN = 'fleet-token-123'
let imds: ImdsFixture | undefined
let vllm: VllmStub | undefined
let cockpit: CockpitStub | undefined
let router: Server | undefined
let agent: AgentHandle | undefined

afterEach(async () => {
  await agent?.stop()
  await Promise.all([imds?.close(), vllm?.close(), cockpit?.close(), router && closeServer(router)])
  agent = imds = vllm = cockpit = router = undefined
})

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** a port nothing listens on: bind, note it, close */
async function closedPortUrl(): Promise<string> {
  const server = createServer()
  await listen(server)
  const port = (server.address() as AddressInfo).port
  await closeServer(server)
  return `http://127.0.0.1:${port}`
}

async function startRouter(calls: string[]): Promise<string> {
  router = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      calls.push(`${req.method} ${req.url} ${body} metricsPolls=${vllm?.metricsRequests}`)
      res.writeHead(200).end()
    })
  })
  await listen(router)
  return `http://127.0.0.1:${(router.address() as AddressInfo).port}/deregister`
}

const fast = (extra: Partial<AgentOptions>): AgentOptions => ({
  cockpitUrl: cockpit!.url,
  token: TOKEN,
  metricsUrl: vllm!.metricsUrl,
  imdsEndpoint: imds!.url,
  pollMs: 30,
  heartbeatMs: 50,
  drainPollMs: 20,
  ...extra
})

describe('runAgent end to end', () => {
  it('IMDS notice -> deregister -> drain -> reports to the cockpit with the token', async () => {
    imds = await startImdsServer({ instanceId: 'i-agent1' })
    vllm = await startVllmStub({ kind: 'draining', running: 4, waiting: 2, polls: 3 })
    cockpit = await startCockpitStub(TOKEN)
    const routerCalls: string[] = []
    const lines: string[] = []
    const tagCalls: unknown[] = []
    agent = runAgent(
      fast({
        routerDeregisterUrl: await startRouter(routerCalls),
        checkpointStateGiB: 40,
        checkpointBandwidthGiBps: 1
      }),
      { logger: (l) => lines.push(l), tagRecorder: async (...args) => void tagCalls.push(args) }
    )
    expect(await agent.instanceId).toBe('i-agent1')
    await until(() => cockpit!.heartbeats.length >= 2)
    expect(cockpit.heartbeats[0]).toMatchObject({ instanceId: 'i-agent1', state: 'watching' })

    const noticeTime = new Date(Date.now() + 60_000)
    noticeTime.setMilliseconds(0)
    imds.scheduleNotice('terminate', noticeTime.toISOString().replace('.000Z', 'Z'))
    await until(() => cockpit!.events.length === 2)

    const [first, second] = cockpit.events
    expect(first).toEqual({
      instanceId: 'i-agent1',
      event: expect.objectContaining({
        kind: 'interruption-notice',
        action: 'terminate',
        deadline: noticeTime.getTime(),
        source: 'imds'
      })
    })
    expect(second.drain).toMatchObject({ outcome: 'drained', lastRunning: 0, lastWaiting: 0 })
    expect(second.checkpoint).toMatchObject({ decision: 'full', stateGiB: 40, bandwidthGiBps: 1 })
    expect(second.checkpoint!.secondsLeft).toBeGreaterThan(50)
    expect(routerCalls).toEqual(['POST /deregister {"instanceId":"i-agent1"} metricsPolls=0'])
    expect(vllm.metricsRequests).toBe(3)
    expect(cockpit.unauthorized).toBe(0)
    expect(tagCalls).toEqual([])
    expect(agent.state()).toBe('drained')

    const notice = lines.find((l) => l.includes(' agent notice '))
    expect(notice).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z agent notice action=terminate deadline=${noticeTime.toISOString()} instance=i-agent1$`
      )
    )
    expect(lines.some((l) => / agent drain-end outcome=drained /.test(l))).toBe(true)
    // the stub counts a report when it arrives; the agent logs it once the answer is back
    await until(() => lines.filter((l) => / agent reported /.test(l)).length === 2)

    await agent.stop()
    expect(lines.at(-1)).toMatch(/ agent stopped state=drained$/)
  })

  it('sends the local vLLM queue with heartbeats when asked', async () => {
    imds = await startImdsServer({ instanceId: 'i-load' })
    vllm = await startVllmStub({ kind: 'busy', running: 3, waiting: 2 })
    cockpit = await startCockpitStub(TOKEN)
    agent = runAgent(fast({ heartbeatLoad: true }), {
      logger: () => {},
      tagRecorder: async () => {}
    })
    await until(() => cockpit!.heartbeats.length >= 1)
    expect(cockpit.heartbeats[0]).toMatchObject({ instanceId: 'i-load', load: 5 })
  })

  it('reports a rebalance recommendation without draining', async () => {
    imds = await startImdsServer({ instanceId: 'i-rebal' })
    vllm = await startVllmStub({ kind: 'busy', running: 1, waiting: 0 })
    cockpit = await startCockpitStub(TOKEN)
    agent = runAgent(fast({}), { logger: () => {}, tagRecorder: async () => {} })
    await agent.instanceId
    imds.scheduleRebalance('2026-11-23T13:50:00Z')
    await until(() => cockpit!.events.length === 1)
    await new Promise((r) => setTimeout(r, 100))
    expect(cockpit.events[0].event).toMatchObject({
      kind: 'rebalance-recommendation',
      detail: 'noticeTime=2026-11-23T13:50:00Z'
    })
    expect(cockpit.events).toHaveLength(1)
    expect(vllm.metricsRequests).toBe(0)
    expect(agent.state()).toBe('watching')
  })

  it('with the cockpit down, records the event and then the drain result as instance tags', async () => {
    imds = await startImdsServer({ instanceId: 'i-down' })
    vllm = await startVllmStub({ kind: 'busy', running: 0, waiting: 0 })
    const calls: { instanceId: string; tags: Record<string, string> }[] = []
    const lines: string[] = []
    agent = runAgent(
      { ...fastWithoutCockpit(), cockpitUrl: await closedPortUrl() },
      {
        logger: (l) => lines.push(l),
        retry: { attempts: 3, baseMs: 10, maxMs: 20 },
        tagRecorder: async (instanceId, tags) => void calls.push({ instanceId, tags })
      }
    )
    await agent.instanceId
    const deadline = Math.floor(Date.now() / 1000) * 1000 + 60_000
    imds.scheduleNotice('stop', new Date(deadline).toISOString())
    await until(() => calls.length === 2)

    expect(calls[0].instanceId).toBe('i-down')
    expect(Object.keys(calls[0].tags)).toEqual(['synkti:event:interruption-notice'])
    const [before] = parseAgentTags(calls[0].tags, 'i-down')
    expect(before).toEqual({
      event: expect.objectContaining({
        instanceId: 'i-down',
        kind: 'interruption-notice',
        action: 'stop',
        deadline,
        source: 'instance-tags'
      })
    })
    const [after] = parseAgentTags(calls[1].tags, 'i-down')
    expect(after).toMatchObject({ event: { action: 'stop', deadline }, drainOutcome: 'drained' })
    for (const value of Object.values(calls[1].tags)) expect(value.length).toBeLessThanOrEqual(256)
    expect(
      lines.filter((l) => / agent cockpit-unreachable kind=interruption-notice /.test(l))[0]
    ).toMatch(/attempts=3 /)
    expect(lines.filter((l) => / agent tags-recorded /.test(l))).toHaveLength(2)
    // the drain did not wait for the retries to the unreachable cockpit
    const drainStart = lines.findIndex((l) => / agent drain-start /.test(l))
    const firstGiveUp = lines.findIndex((l) => / agent cockpit-unreachable /.test(l))
    expect(drainStart).toBeGreaterThanOrEqual(0)
    expect(drainStart).toBeLessThan(firstGiveUp)
  })

  it('does not retry a rejected token, and still records tags', async () => {
    imds = await startImdsServer({ instanceId: 'i-badtoken' })
    vllm = await startVllmStub({ kind: 'busy', running: 0, waiting: 0 })
    cockpit = await startCockpitStub(TOKEN)
    const tagged: string[] = []
    agent = runAgent(
      { ...fast({}), token: 'wrong', heartbeatMs: 10_000 },
      { logger: () => {}, tagRecorder: async (id, tags) => void tagged.push(...Object.keys(tags)) }
    )
    await agent.instanceId
    imds.scheduleRebalance('2026-11-23T13:50:00Z')
    await until(() => tagged.length === 1)
    expect(tagged).toEqual(['synkti:event:rebalance-recommendation'])
    expect(cockpit.unauthorized).toBe(2) // one heartbeat, one event: no retries on 401
  })

  it('stop() during a drain aborts it, flushes the report once and resolves', async () => {
    imds = await startImdsServer({ instanceId: 'i-stop' })
    vllm = await startVllmStub({ kind: 'busy', running: 5, waiting: 5 })
    cockpit = await startCockpitStub(TOKEN)
    agent = runAgent(fast({}), { logger: () => {}, tagRecorder: async () => {} })
    await agent.instanceId
    imds.scheduleNotice('terminate', new Date(Date.now() + 120_000).toISOString())
    await until(() => vllm!.metricsRequests >= 2)
    expect(agent.state()).toBe('draining')
    const started = Date.now()
    await agent.stop()
    expect(Date.now() - started).toBeLessThan(2000)
    expect(cockpit.events.at(-1)?.drain).toMatchObject({ outcome: 'failed', lastRunning: 5 })
  })
})

function fastWithoutCockpit(): AgentOptions {
  return {
    cockpitUrl: '',
    token: TOKEN,
    metricsUrl: vllm!.metricsUrl,
    imdsEndpoint: imds!.url,
    pollMs: 30,
    heartbeatMs: 10_000,
    drainPollMs: 20
  }
}

describe('the agent publishes its endpoint', () => {
  it('writes synkti:endpoint on its own instance only once vLLM answers /health and lists the tagged model', async () => {
    imds = await startImdsServer({ instanceId: 'i-agent9' })
    imds.setRaw('/latest/meta-data/tags/instance/synkti:model', 'org/model-7b')
    imds.setRaw('/latest/meta-data/public-ipv4', '203.0.113.7')
    imds.setRaw('/latest/meta-data/local-ipv4', '10.0.0.7')
    vllm = await startVllmStub({ kind: 'error', status: 503 }, { modelName: 'org/model-7b' })
    cockpit = await startCockpitStub(TOKEN)
    const port = Number(new URL(vllm.url).port)
    const tagCalls: [string, Record<string, string>][] = []
    const lines: string[] = []
    agent = runAgent(fast({ endpoint: { port, address: 'public', pollMs: 20 } }), {
      logger: (l) => lines.push(l),
      tagRecorder: async (id, tags) => void tagCalls.push([id, tags])
    })
    await until(() => lines.some((l) => l.includes('/health answered 503')))
    expect(tagCalls).toEqual([]) // not ready: no endpoint, so the cockpit never routes here
    await vllm.setMode({ kind: 'busy', running: 0, waiting: 0 })
    await until(() => tagCalls.length > 0)
    expect(tagCalls).toEqual([['i-agent9', { 'synkti:endpoint': `http://203.0.113.7:${port}` }]])
    await new Promise((r) => setTimeout(r, 100))
    expect(tagCalls).toHaveLength(1) // published once
  })

  it('waits while the model it serves is not the tagged one, and publishes the private address when told', async () => {
    imds = await startImdsServer({ instanceId: 'i-agent8' })
    imds.setRaw('/latest/meta-data/local-ipv4', '10.0.0.8')
    vllm = await startVllmStub({ kind: 'busy', running: 0, waiting: 0 }, { modelName: 'org/other' })
    cockpit = await startCockpitStub(TOKEN)
    const port = Number(new URL(vllm.url).port)
    const tagCalls: unknown[] = []
    const lines: string[] = []
    agent = runAgent(
      fast({ endpoint: { port, address: 'private', pollMs: 20, model: 'org/model-7b' } }),
      { logger: (l) => lines.push(l), tagRecorder: async (...a) => void tagCalls.push(a) }
    )
    await until(() => lines.some((l) => l.includes('org/model-7b not listed at /v1/models')))
    expect(tagCalls).toEqual([])
    await agent.stop()
    agent = undefined
    await vllm.close()
    vllm = await startVllmStub(
      { kind: 'busy', running: 0, waiting: 0 },
      { modelName: 'org/model-7b' }
    )
    agent = runAgent(
      fast({
        metricsUrl: vllm.metricsUrl,
        endpoint: {
          port: Number(new URL(vllm.url).port),
          address: 'private',
          pollMs: 20,
          model: 'org/model-7b'
        }
      }),
      { logger: (l) => lines.push(l), tagRecorder: async (...a) => void tagCalls.push(a) }
    )
    await until(() => tagCalls.length > 0)
    expect(tagCalls[0]).toEqual([
      'i-agent8',
      { 'synkti:endpoint': `http://10.0.0.8:${new URL(vllm.url).port}` }
    ])
  })
})

describe('runAgent on a deadline job', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })
  const stateDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'synkti-job-state-'))
    dirs.push(d)
    return d
  }
  const jobAgent = async (dir: string, lines: string[] = []): Promise<AgentHandle> =>
    runAgent(
      {
        cockpitUrl: cockpit!.url,
        token: TOKEN,
        imdsEndpoint: imds!.url,
        metricsUrl: `${await closedPortUrl()}/metrics`,
        pollMs: 20,
        heartbeatMs: 40,
        jobStateDir: dir
      },
      {
        logger: (l) => lines.push(l),
        tagRecorder: async () => {},
        retry: { attempts: 2, baseMs: 5, maxMs: 10 }
      }
    )

  it('reports the exit status the runner wrote, once, matched to its instance', async () => {
    imds = await startImdsServer({ instanceId: 'i-job1' })
    cockpit = await startCockpitStub(TOKEN)
    const dir = stateDir()
    const lines: string[] = []
    agent = await jobAgent(dir, lines)
    await until(() => cockpit!.heartbeats.length >= 1)
    expect(cockpit.jobs).toEqual([])
    writeFileSync(join(dir, 'job-exit'), '3\nrun\n')
    await until(() => cockpit!.jobs.length === 1)
    expect(cockpit.jobs[0]).toEqual({
      instanceId: 'i-job1',
      at: expect.any(Number),
      exitCode: 3,
      phase: 'run'
    })
    await until(() => cockpit!.heartbeats.length >= 4)
    expect(cockpit.jobs).toHaveLength(1)
    expect(lines.some((l) => / agent job-exit-reported code=3 phase=run /.test(l))).toBe(true)
  })

  it('keeps the status until the cockpit takes it', async () => {
    imds = await startImdsServer({ instanceId: 'i-job2' })
    cockpit = await startCockpitStub(TOKEN)
    cockpit.failWith = 503
    const dir = stateDir()
    writeFileSync(join(dir, 'job-exit'), '0\nrun\n')
    const lines: string[] = []
    agent = await jobAgent(dir, lines)
    await until(() => lines.some((l) => / agent job-exit-unsent code=0 /.test(l)))
    cockpit.failWith = undefined
    await until(() => cockpit!.jobs.length === 1)
    expect(cockpit.jobs[0]).toMatchObject({ instanceId: 'i-job2', exitCode: 0, phase: 'run' })
  })

  it('at a notice writes the notice file for the host, drains no model server, and reports no exit after it', async () => {
    imds = await startImdsServer({ instanceId: 'i-job3' })
    cockpit = await startCockpitStub(TOKEN)
    const dir = stateDir()
    const lines: string[] = []
    agent = await jobAgent(dir, lines)
    await agent.instanceId
    const noticeTime = new Date(Date.now() + 60_000)
    noticeTime.setMilliseconds(0)
    imds.scheduleNotice('terminate', noticeTime.toISOString().replace('.000Z', 'Z'))
    await until(() => existsSync(join(dir, 'notice')))
    expect(readFileSync(join(dir, 'notice'), 'utf8')).toBe(`${noticeTime.toISOString()}\n`)
    await until(() => cockpit!.events.length === 1)
    expect(cockpit.events[0]).toEqual({
      instanceId: 'i-job3',
      event: expect.objectContaining({ kind: 'interruption-notice', source: 'imds' })
    })
    // the host stopped the job for the notice: that status is not the command's outcome
    writeFileSync(join(dir, 'job-exit'), '143\nrun\n')
    await until(() => cockpit!.heartbeats.some((h) => h.state === 'drained'))
    await new Promise((r) => setTimeout(r, 100))
    expect(cockpit.jobs).toEqual([])
    expect(cockpit.events).toHaveLength(1)
    expect(lines.some((l) => / agent drain/.test(l))).toBe(false)
  })

  it('refuses a malformed status file with one line, and reads a good one after', async () => {
    imds = await startImdsServer({ instanceId: 'i-job4' })
    cockpit = await startCockpitStub(TOKEN)
    const dir = stateDir()
    writeFileSync(join(dir, 'job-exit'), '$(id)\nrun\n')
    const lines: string[] = []
    agent = await jobAgent(dir, lines)
    await until(() => lines.some((l) => / agent job-exit-unreadable /.test(l)))
    expect(lines.filter((l) => / agent job-exit-unreadable /.test(l))).toHaveLength(1)
    writeFileSync(join(dir, 'job-exit'), '0\nsave\n')
    await until(() => cockpit!.jobs.length === 1)
    expect(cockpit.jobs[0]).toMatchObject({ exitCode: 0, phase: 'save' })
  })
})
