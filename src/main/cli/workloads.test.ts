// `synkti apply | status | cancel | logs | costs`, against a history file and against a real
// loopback daemon (token from SYNKTI_TOKEN, never argv).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../api/http-server'
import { openHistory } from '../history'
import { startRuntime, type Runtime } from '../runtime/runtime'
import { runCli } from '../../../test/support/cli-run'

const run = runCli

const dir = mkdtempSync(join(tmpdir(), 'synkti-workloads-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SERVICE = `kind: service
name: llama
model: meta-llama/Llama-3.1-8B-Instruct
replicas: 2
standby: 1
instanceTypes: [g5.xlarge]
`
const file = (name: string, text: string): string => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

describe('workload commands on a history file', () => {
  const db = join(dir, 'local.db')

  it('applies a file, says what changed, and is idempotent', async () => {
    const f = file('llama.yaml', SERVICE)
    const dry = await run('apply', '-f', f, '--db', db, '--dry-run')
    expect(dry).toMatchObject({
      code: 0,
      stdout: 'service llama: would be created (generation 1)\n'
    })
    expect(openHistory(db).workloads.list()).toEqual([])
    expect((await run('apply', '-f', f, '--db', db)).stdout).toBe(
      'service llama: created (generation 1)\n'
    )
    expect((await run('apply', '-f', f, '--db', db)).stdout).toBe(
      'service llama: unchanged (generation 1)\n'
    )
    const bigger = file('llama3.yaml', SERVICE.replace('replicas: 2', 'replicas: 3'))
    expect((await run('apply', '-f', bigger, '--db', db)).stdout).toBe(
      'service llama: updated (generation 2)\n'
    )
  })

  it('refuses a bad file with one line per problem naming the file, the line and the field', async () => {
    const f = file('bad.yaml', SERVICE.replace('replicas: 2', 'replicas: 2.5\nreplica: 1'))
    const r = await run('apply', '-f', f, '--db', db)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${f}:4: replicas: expected a whole number from 0 to 64, got 2.5`)
    expect(r.stderr).toContain(`${f}:5: unknown field "replica"`)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect((await run('apply', '-f', join(dir, 'missing.yaml'), '--db', db)).code).toBe(2)
  })

  it('shows status, events and costs, and cancels', async () => {
    const status = await run('status', '--db', db)
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(/^NAME\s+KIND\s+READY/)
    expect(status.stdout).toMatch(/llama\s+service\s+\?\/3\s+0\/1/)
    expect(status.stdout).toContain('pass --url for live status')
    const json = JSON.parse((await run('status', 'llama', '--db', db, '--json')).stdout)
    expect(json[0]).toMatchObject({
      name: 'llama',
      generation: 2,
      desired: { replicas: 3, standby: 1 }
    })
    expect((await run('status', 'nope', '--db', db)).code).toBe(2)
    expect((await run('logs', 'llama', '--db', db)).stdout).toBe('llama: no events yet\n')
    const costs = await run('costs', '--db', db, '--last', '7d')
    expect(costs.stdout).toMatch(/^total\s+\$0\.00/m)
    expect((await run('costs', '--db', db, '--last', 'soon')).code).toBe(2)
    expect((await run('cancel', 'llama', '--db', db)).stdout).toBe(
      'llama: cancelled; its instances are drained and terminated\n'
    )
    expect((await run('cancel', 'llama', '--db', db)).code).toBe(2)
  })

  it('needs the token from the environment or a file to talk to a daemon', async () => {
    const saved = process.env.SYNKTI_TOKEN
    delete process.env.SYNKTI_TOKEN
    try {
      const r = await run('status', '--url', 'http://127.0.0.1:9')
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('SYNKTI_TOKEN')
    } finally {
      if (saved !== undefined) process.env.SYNKTI_TOKEN = saved
    }
  })
})

describe('workload commands against a running daemon', () => {
  const TOKEN = 'cli-test-token-0123456789'
  let runtime: Runtime
  let server: ApiServer
  beforeAll(async () => {
    runtime = await startRuntime({
      dataDir: join(dir, 'daemon'),
      mode: 'sandbox',
      demo: false,
      routerPort: 0,
      token: TOKEN,
      log: () => undefined
    })
    server = await startApiServer({
      handlers: runtime.handlers,
      stream: runtime.hub,
      token: TOKEN,
      agentSink: (kind, body) => runtime.engine.agentReport(kind, body),
      host: '127.0.0.1',
      port: 0
    })
  })
  afterAll(async () => {
    await server.close()
    await runtime.stop()
  })

  it('applies through the API, and the controller starts the service', async () => {
    process.env.SYNKTI_TOKEN = TOKEN
    try {
      const f = file('daemon.yaml', SERVICE)
      expect((await run('apply', '-f', f, '--url', server.url)).stdout).toBe(
        'service llama: created (generation 1)\n'
      )
      const bad = await run(
        'apply',
        '-f',
        file('bad2.yaml', 'kind: service\n'),
        '--url',
        server.url
      )
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain('bad2.yaml')
      // the controller launches the replicas and the spare on the next pass
      const until = Date.now() + 15_000
      let view: { serving: number; standby: number } = { serving: 0, standby: 0 }
      while (Date.now() < until && (view.serving < 2 || view.standby < 1)) {
        await new Promise((r) => setTimeout(r, 200))
        view = JSON.parse((await run('status', 'llama', '--url', server.url, '--json')).stdout)[0]
      }
      expect(view).toMatchObject({ serving: 2, standby: 1 })
      const logs = await run('logs', 'llama', '--url', server.url)
      expect(logs.stdout).toMatch(/launch/)
      expect((await run('cancel', 'llama', '--url', server.url)).code).toBe(0)
    } finally {
      delete process.env.SYNKTI_TOKEN
    }
  }, 30_000)
})
