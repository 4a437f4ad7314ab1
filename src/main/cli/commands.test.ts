// The fleet, serve, agent and history commands: bad input exits 2 with one line; good input works.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openHistory } from '../history'
import { loadTrace } from '../simulator/traces'
import { runCli } from '../../../test/support/cli-run'

const run = runCli

function expectUsageError(r: { code: number; stderr: string }, mention: string): void {
  expect(r.code).toBe(2)
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
  expect(r.stderr).toContain(mention)
  expect(r.stderr).not.toMatch(/\n\s+at /)
}

const dir = mkdtempSync(join(tmpdir(), 'synkti-commands-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('synkti fleet', () => {
  it('rejects an unknown provider', async () =>
    expectUsageError(
      await run('fleet', 'list', '--provider', 'gcp'),
      '--provider must be sandbox or aws'
    ))
  it('needs a region for AWS', async () => {
    const saved = {
      AWS_REGION: process.env.AWS_REGION,
      AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION
    }
    delete process.env.AWS_REGION
    delete process.env.AWS_DEFAULT_REGION
    try {
      expectUsageError(await run('fleet', 'list', '--provider', 'aws'), '--region')
    } finally {
      Object.assign(
        process.env,
        Object.fromEntries(Object.entries(saved).filter(([, v]) => v !== undefined))
      )
    }
  })
  it('rejects a bad market', async () =>
    expectUsageError(
      await run('fleet', 'launch', '--type', 'g5.xlarge', '--market', 'cheap'),
      '--market must be spot or ondemand'
    ))
  it('reports an unknown instance type as the provider says it', async () =>
    expectUsageError(await run('fleet', 'launch', '--type', 'z9.huge'), 'z9.huge'))
  it('launches on the sandbox and prints JSON', async () => {
    const r = await run('fleet', 'launch', '--type', 'g5.xlarge', '--market', 'ondemand', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({
      instanceType: 'g5.xlarge',
      market: 'ondemand',
      tags: { 'synkti:fleet': 'synkti' }
    })
  })
  it("refuses to terminate an instance that is not the fleet's", async () =>
    expectUsageError(await run('fleet', 'terminate', 'i-0123456789abcdef0'), 'i-0123456789abcdef0'))
  it('lists sandbox spot prices', async () => {
    const r = await run('fleet', 'prices', '--type', 'g5.xlarge', '--hours', '1', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).length).toBeGreaterThan(0)
  })
})

describe('synkti serve', () => {
  it('rejects a bad port', async () =>
    expectUsageError(await run('serve', '--port', '70000'), '--port must be at most 65535'))
  it('rejects a short token', async () =>
    expectUsageError(
      await run('serve', '--token', 'abc'),
      '--token must be at least 16 characters'
    ))
  it('rejects an unknown provider', async () =>
    expectUsageError(
      await run('serve', '--provider', 'azure'),
      '--provider must be sandbox or aws'
    ))
})

describe('synkti agent', () => {
  it('needs the cockpit URL', async () => {
    const saved = process.env.SYNKTI_COCKPIT_URL
    delete process.env.SYNKTI_COCKPIT_URL
    try {
      expectUsageError(await run('agent', '--token', 'x'), '--cockpit-url')
    } finally {
      if (saved !== undefined) process.env.SYNKTI_COCKPIT_URL = saved
    }
  })
  it('rejects a URL that is not http(s)', async () =>
    expectUsageError(
      await run('agent', '--cockpit-url', 'ftp://x', '--token', 't'),
      '--cockpit-url must be an http(s) URL'
    ))
})

describe('synkti history export', () => {
  it('rejects a window that ends before it starts', async () =>
    expectUsageError(
      await run(
        'history',
        'export',
        '--from',
        '2026-11-02T00:00:00Z',
        '--to',
        '2026-11-01T00:00:00Z',
        '--out',
        dir
      ),
      '--to must be after --from'
    ))
  it('rejects a bad time', async () =>
    expectUsageError(
      await run(
        'history',
        'export',
        '--from',
        'last tuesday',
        '--to',
        '2026-11-01T00:00:00Z',
        '--out',
        dir
      ),
      '--from must be an ISO-8601 time'
    ))

  it('exports a window that synkti simulate --trace reads back', async () => {
    const db = join(dir, 'history.db')
    const history = openHistory(db)
    const t0 = Date.parse('2026-11-01T00:00:00Z')
    const instance = {
      id: 'i-0aaa',
      name: 'a',
      provider: 'sandbox' as const,
      region: 'sandbox-1',
      zone: 'sandbox-1a',
      instanceType: 'g5.xlarge',
      market: 'spot' as const,
      state: 'running' as const,
      gpus: 1,
      gpuMemoryGiB: 24,
      pricePerHour: 0.35,
      onDemandPricePerHour: 1.006,
      launchedAt: t0,
      tags: {}
    }
    history.recordEvents([
      { at: t0, kind: 'launch', instanceId: 'i-0aaa', data: { instance } },
      { at: t0 + 60_000, kind: 'running', instanceId: 'i-0aaa' },
      {
        at: t0 + 3_600_000,
        kind: 'notice',
        instanceId: 'i-0aaa',
        data: { deadline: t0 + 3_720_000 }
      },
      { at: t0 + 3_720_000, kind: 'terminate', instanceId: 'i-0aaa' }
    ])
    history.close()
    const out = join(dir, 'export')
    const r = await run(
      'history',
      'export',
      '--db',
      db,
      '--from',
      '2026-11-01T00:00:00Z',
      '--to',
      '2026-11-01T02:00:00Z',
      '--out',
      out
    )
    expect(r.code).toBe(0)
    expect(readdirSync(out)).toEqual(['sandbox-1a.json'])
    const trace = loadTrace(out)
    expect(trace.zones[0].zone).toBe('sandbox-1a')
    expect(Array.from(trace.zones[0].capacity.slice(0, 14))).toEqual([
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0
    ])
    const sim = await run('simulate', '--trace', out, '--duration', '1', '--tasks', '3', '--json')
    expect(sim.code).toBe(0)
    expect(JSON.parse(sim.stdout).config.market.kind).toBe('trace')
    expect(readFileSync(join(out, 'sandbox-1a.json'), 'utf8')).toContain('"gap_seconds":300')
  })
})

describe('daemon log', () => {
  it('prints a repeated line once per window and then how often it came', async () => {
    const { quietRepeats } = await import('./serve')
    const lines: string[] = []
    let t = 0
    const log = quietRepeats(
      (l) => lines.push(l),
      1000,
      () => t
    )
    log('sync failed: no credentials')
    log('poll failed: no credentials')
    log('sync failed: no credentials')
    log('sync failed: no credentials')
    t = 1500
    log('sync failed: no credentials')
    expect(lines).toEqual([
      'sync failed: no credentials',
      'poll failed: no credentials',
      'sync failed: no credentials (2 more times since it was last shown)'
    ])
  })
})
