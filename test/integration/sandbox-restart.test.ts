// Restarting on the same data folder: the previous session's sandbox instances are closed in history,
// the new session's instances get new ids, and nothing is billed twice.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'

describe('restarting the engine on the same history', () => {
  let dir: string
  let runtime: Runtime | undefined
  afterEach(async () => {
    await runtime?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('closes the old session, starts fresh ids and bills nothing twice', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-restart-'))
    const lines: string[] = []
    const log = (line: string): void => void lines.push(line)
    runtime = await startRuntime({ dataDir: dir, mode: 'sandbox', demo: true, routerPort: 0, log })
    await new Promise((r) => setTimeout(r, 1500))
    await runtime.engine.syncNow()
    const first = runtime.engine.instances().map((i) => i.id)
    expect(first.length).toBeGreaterThanOrEqual(2)
    await runtime.stop()

    runtime = await startRuntime({ dataDir: dir, mode: 'sandbox', demo: true, routerPort: 0, log })
    await new Promise((r) => setTimeout(r, 1500))
    await runtime.engine.syncNow()
    const second = runtime.engine.instances().map((i) => i.id)
    expect(second.some((id) => first.includes(id))).toBe(false)
    const terminated = runtime.history
      .eventsBetween(0, Date.now() + 1, { kinds: ['terminate'] })
      .map((e) => e.instanceId)
    for (const id of first) expect(terminated).toContain(id)
    expect(lines.filter((l) => /bill twice|billing of/.test(l))).toEqual([])
    expect(runtime.history.savings(0, Date.now() + 1).cost).toBeGreaterThan(0)
  }, 30_000)
})
