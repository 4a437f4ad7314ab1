// One daemon per history file, and a stop that records its last events before history closes.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openHistory } from '../../src/main/history'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'

const started: Runtime[] = []
let dir: string

const start = (log?: (line: string) => void): Promise<Runtime> =>
  startRuntime({
    dataDir: join(dir, 'data'),
    dbPath: join(dir, 'history.db'),
    mode: 'sandbox',
    routerPort: 0,
    // fast enough that notices and failovers are under way when a test stops the daemon
    sandboxSpeed: 5000,
    log
  }).then((r) => {
    started.push(r)
    return r
  })

afterEach(async () => {
  for (const r of started.splice(0)) await r.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('one daemon per history file', () => {
  it('refuses a second runtime on the same file, naming the first one pid and host', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-lock-'))
    await start()
    await expect(start()).rejects.toThrow(
      new RegExp(`another Synkti daemon \\(pid ${process.pid} on ${hostname()}\\)`)
    )
  })

  it('lets the next daemon start once the first has stopped', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-lock-'))
    const first = await start()
    await first.stop()
    started.splice(started.indexOf(first), 1)
    await expect(start()).resolves.toBeDefined()
  })

  it('takes over the lease of a dead daemon on this host', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-lock-'))
    const history = openHistory(join(dir, 'history.db'))
    // a pid that is not running: the exited child's
    const gone = spawnSync(process.execPath, ['-e', '0']).pid
    history.leases.acquire('daemon', `${gone}@${hostname()}#dead`, Date.now(), 60_000)
    history.close()
    await expect(start()).resolves.toBeDefined()
  })

  it('`synkti serve` on a file another daemon holds exits 2 with one line naming it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-lock-'))
    await start()
    // the CLI from its source (tsx), as `synkti serve` runs it built
    const child = spawnSync(
      join(__dirname, '../../node_modules/.bin/tsx'),
      [
        join(__dirname, '../../src/main/cli/index.ts'),
        'serve',
        '--db',
        join(dir, 'history.db'),
        '--data-dir',
        join(dir, 'data2'),
        '--port',
        '0',
        '--router-port',
        '0',
        '--exit-after',
        '5'
      ],
      { encoding: 'utf8', timeout: 60_000 }
    )
    expect(child.status).toBe(2)
    const lines = child.stderr.trim().split('\n')
    expect(lines.at(-1)).toMatch(
      new RegExp(`^synkti: another Synkti daemon \\(pid ${process.pid} on ${hostname()}\\)`)
    )
  }, 60_000)
})

describe('a graceful stop', () => {
  it('records its last events before history closes, and logs no write to a closed database', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-stop-'))
    const lines: string[] = []
    const runtime = await start((line) => lines.push(line))
    // the demo service launches its replicas; stop while they come up
    await new Promise((resolve) => setTimeout(resolve, 3000))
    started.splice(started.indexOf(runtime), 1)
    await runtime.stop()
    expect(lines.filter((l) => /not open|cannot write|not renewed|not released/.test(l))).toEqual(
      []
    )
    const history = openHistory(join(dir, 'history.db'))
    try {
      expect(history.stats().events).toBeGreaterThan(0)
    } finally {
      history.close()
    }
  }, 30_000)

  it('waits for a sync in flight, so none runs on a closed history', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-stop-'))
    const lines: string[] = []
    const runtime = await start((line) => lines.push(line))
    started.splice(started.indexOf(runtime), 1)
    // a sync running and the next one queued behind it when the stop comes
    const syncs = [runtime.engine.syncNow(), runtime.engine.syncNow()]
    await runtime.stop()
    await Promise.allSettled(syncs)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(lines.filter((l) => /not open|cannot write/.test(l))).toEqual([])
    for (const outcome of await Promise.allSettled(syncs))
      expect(outcome.status === 'rejected' ? String(outcome.reason) : '').not.toMatch(/not open/)
  })
})
