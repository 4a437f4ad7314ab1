// EventBridge delivers every instance's events in the account to the fleet's queue: the engine
// records those about its own instances and drops the rest (a foreign instance is never touched,
// not even in history).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'

describe('account-wide EventBridge events', () => {
  let dir = ''
  let runtime: Runtime | undefined
  afterEach(async () => {
    await runtime?.stop()
    runtime = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  it('records a notice for its own instance and ignores one for a foreign instance', async () => {
    dir = mkdtempSync(join(tmpdir(), 'synkti-foreign-'))
    runtime = await startRuntime({ dataDir: dir, mode: 'sandbox', demo: false, routerPort: 0 })
    const own = await runtime.handlers.launchInstance({ instanceType: 'g5.xlarge', market: 'spot' })
    const now = Date.now()
    const notice = (instanceId: string) => ({
      instanceId,
      kind: 'interruption-notice' as const,
      action: 'terminate' as const,
      deadline: now + 120_000,
      source: 'eventbridge' as const,
      observedAt: now
    })
    runtime.engine.interruption(notice('i-0f0e0d0c0b0a09080'))
    runtime.engine.interruption(notice(own.id))
    const notices = runtime.history
      .eventsBetween(now - 1, now + 1, { kinds: ['notice'] })
      .map((e) => e.instanceId)
    expect(notices).toEqual([own.id])
    expect(runtime.history.getInstance('i-0f0e0d0c0b0a09080')).toBeUndefined()
  })
})
