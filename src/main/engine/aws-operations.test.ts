import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../shared/api'
import { createBudget } from '../failover/budget'
import { launchWithinBudget } from '../failover/launcher'
import { openHistory, type History } from '../history'
import { createFakeProvider } from '../../../test/support/fake-provider'
import { tempDir } from '../../../test/support/history-fixtures'
import { manualClock } from '../../../test/support/manual-clock'
import type { AgentBootStatus } from '../providers/aws/agent-boot'
import { isProviderError } from '../providers/errors'
import { createAwsOperations } from './aws-operations'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function setup(
  agentBoot?: () => AgentBootStatus,
  cockpitUrl = 'http://c:7777'
): { history: History; ops: ReturnType<typeof createAwsOperations> } {
  const { dir, cleanup } = tempDir()
  const history = openHistory(join(dir, 'history.db'))
  cleanups.push(cleanup, () => history.close())
  const clock = manualClock(Date.UTC(2026, 0, 1))
  const provider = createFakeProvider({ clock })
  const settings = () => ({
    ...DEFAULT_SETTINGS,
    fleet: { ...DEFAULT_SETTINGS.fleet, cockpitUrl }
  })
  return { history, ops: createAwsOperations({ provider, clock, settings, history, agentBoot }) }
}

describe('AWS operations: prices fail closed', () => {
  it('a type missing from the offline table has no price on either market, never $0', () => {
    const { ops } = setup()
    expect(ops.priceOf('p4d.24xlarge', 'ondemand')).toBeUndefined()
    expect(ops.priceOf('p4d.24xlarge', 'spot')).toBeUndefined()
    // known type, no spot price recorded yet: budgeted at the on-demand price (the worst case)
    expect(ops.priceOf('g5.xlarge', 'spot')).toBe(1.006)
  })

  it('so a p4d.24xlarge is blocked under a $2/h cap with the reason, and nothing launches', async () => {
    const { ops } = setup()
    const clock = manualClock(0)
    const provider = createFakeProvider({ clock })
    const events: unknown[] = []
    const result = await launchWithinBudget(
      {
        provider,
        clock,
        record: (e) => events.push(e),
        budget: createBudget(2),
        spendPerHour: () => 0
      },
      { instanceType: 'p4d.24xlarge', market: 'ondemand', name: 'big' },
      ops.priceOf('p4d.24xlarge', 'ondemand') ?? Number.NaN
    )
    expect(result).toEqual({
      ok: false,
      code: 'budget',
      reason:
        'launch of p4d.24xlarge blocked: its price is unknown, so it cannot be checked against the budget cap $2.00/h'
    })
    expect(await provider.listInstances()).toEqual([])
  })

  it('renders user data without the API token, with the workload image and port', () => {
    const { ops } = setup()
    const script = ops.userData('org/m', { image: 'vllm/vllm-openai:v0.11.0', port: 9000 })!
    expect(script).toContain(
      "'vllm/vllm-openai:v0.11.0' --model 'org/m' --host 0.0.0.0 --port '9000'"
    )
    expect(script).not.toMatch(/token/i)
  })

  it('a launch waits for the agent bundle and is refused while the agent is off: a node without it never serves', () => {
    let status: AgentBootStatus = { kind: 'starting' }
    const { ops } = setup(() => status, '')
    const refusal = (): string => {
      try {
        ops.userData('org/m')
      } catch (error) {
        if (isProviderError(error, 'not-ready')) return error.message
        throw error
      }
      return 'no refusal'
    }
    expect(refusal()).toMatch(/still being published/)
    status = { kind: 'off', reason: 'no SQS queue synkti-lab-reports.fifo in us-east-1' }
    expect(refusal()).toBe(
      'not launching: a node needs its agent to serve, and the agent is off: no SQS queue synkti-lab-reports.fifo in us-east-1'
    )
    status = {
      kind: 'ready',
      values: {
        bundleUrl: 'https://synkti-1-us-east-1.s3.amazonaws.com/agent/a.mjs?X-Amz-Signature=x',
        sha256: 'a'.repeat(64),
        reportsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/synkti-lab-reports.fifo'
      }
    }
    expect(ops.userData('org/m')).toContain(`sha256sum -c`)
  })

  it("an agent's drain report that reached the daemon before a restart still ends the drain after it", async () => {
    const { dir, cleanup } = tempDir()
    const history = openHistory(join(dir, 'history.db'))
    cleanups.push(cleanup, () => history.close())
    const clock = manualClock(Date.UTC(2026, 0, 1))
    const provider = createFakeProvider({ clock })
    const instance = await provider.launch({
      instanceType: 'g5.xlarge',
      market: 'spot',
      name: 'chat-replica'
    })
    const settings = () => DEFAULT_SETTINGS
    const context = (ops: ReturnType<typeof createAwsOperations>) =>
      ops.start({
        interruption: () => undefined,
        record: (e) => void history.recordEvent(e),
        recordStored: (e) => void history.recordEvent(e),
        known: () => []
      })
    const before = createAwsOperations({ provider, clock, settings, history })
    context(before)
    clock.advance(5000)
    const drain = {
      outcome: 'drained' as const,
      startedAt: clock.now() - 3000,
      endedAt: clock.now(),
      deregisterMs: 12,
      lastRunning: 0,
      lastWaiting: 0
    }
    await before.agentReport('events', {
      instanceId: instance.id,
      event: {
        instanceId: instance.id,
        kind: 'interruption-notice',
        action: 'terminate',
        deadline: clock.now() + 117_000,
        source: 'imds',
        observedAt: clock.now() - 3000
      },
      drain
    })
    before.stop()
    // the daemon restarts: a new operations over the same history, and the controller drains again
    const after = createAwsOperations({ provider, clock, settings, history })
    context(after)
    await expect(after.drain(instance, clock.now() + 100_000)).resolves.toEqual(drain)
    after.stop()
  })
})
