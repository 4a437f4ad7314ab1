import type { DrainResult } from '../../shared/fleet'
import type { Clock } from '../clock'
import type { SandboxProvider } from '../providers/sandbox'
import { createRandom } from '../../shared/random'
import { findInstanceType } from '../simulator/catalog'
import { MODEL_TAG_KEY } from '../providers/types'
import { isProviderError } from '../providers/errors'
import type { FleetOperations, OperationsContext } from './operations'
import { handleAgentReport } from './agent-reports'

/**
 * Operations on the sandbox cloud. Instances there serve no real vLLM, so each carries a simulated
 * request queue (seeded): a drain stops routing and waits for that queue to empty, and fails closed
 * (timed-out) when the notice runs out first, exactly like the real drain.
 */
export function createSandboxOperations(
  sandbox: SandboxProvider,
  clock: Clock,
  seed = 1
): FleetOperations {
  const random = createRandom(seed).fork(7)
  const queues = new Map<string, number>()
  const models = new Map<string, Set<string>>()
  let unsubscribe: (() => void) | undefined
  let ctx: OperationsContext | undefined
  // one simulated request takes 20 s of sandbox time to finish
  const requestMs = Math.max(5, (20 * 1000) / sandbox.speed)

  const queueOf = (id: string): number => {
    if (!queues.has(id)) queues.set(id, Math.floor(random.next() * 12))
    return queues.get(id)!
  }

  return {
    start(context) {
      ctx = context
      unsubscribe = sandbox.onInterruption((event) => context.interruption(event))
      sandbox.start()
    },
    stop() {
      unsubscribe?.()
      sandbox.stop()
    },
    async drain(instance, deadline): Promise<DrainResult> {
      const startedAt = clock.now()
      let running = queueOf(instance.id)
      while (running > 0 && clock.now() + requestMs <= deadline) {
        await clock.sleep(requestMs)
        running = Math.max(0, running - 1 - Math.floor(random.next() * 2))
      }
      queues.set(instance.id, running)
      const endedAt = clock.now()
      if (running === 0)
        return {
          outcome: 'drained',
          startedAt,
          endedAt,
          deregisterMs: 0,
          lastRunning: 0,
          lastWaiting: 0
        }
      return {
        outcome: 'timed-out',
        startedAt,
        endedAt,
        deregisterMs: 0,
        lastRunning: running,
        lastWaiting: 0,
        reason: `${running} requests still running at the drain deadline`
      }
    },
    async startServing(instance, model) {
      const loaded = models.get(instance.id) ?? new Set<string>()
      loaded.add(model)
      models.set(instance.id, loaded)
      queues.set(instance.id, 0)
    },
    async healthCheck(instance) {
      const live = (await sandbox.listInstances()).find((i) => i.id === instance.id)
      return live?.state === 'running'
    },
    async route() {
      // the sandbox has no router: traffic follows the model, nothing to update
    },
    liveFacts(instance) {
      const loaded = new Set(models.get(instance.id) ?? [])
      if (instance.tags[MODEL_TAG_KEY]) loaded.add(instance.tags[MODEL_TAG_KEY])
      return {
        load: queueOf(instance.id),
        modelsLoaded: [...loaded],
        bandwidthGbps: findInstanceType(instance.instanceType)?.networkGbps ?? 10
      }
    },
    load: (instance) => queueOf(instance.id),
    // an instance of an earlier session's sandbox is billed at the price it was last listed at
    pricesInForce: (instance, fromMs, toMs) =>
      sandbox.pricesInForce(instance.id, fromMs, toMs) ?? [
        { at: fromMs, pricePerHour: instance.pricePerHour }
      ],
    endedAt: (instanceId) => sandbox.endedAt(instanceId),
    priceOf(instanceType, market) {
      const type = findInstanceType(instanceType)
      if (market === 'ondemand') return type?.onDemandPrice
      try {
        return Math.min(...sandbox.zones.map((zone) => sandbox.spotPriceNow(instanceType, zone)))
      } catch (error) {
        // a type the sandbox market does not offer: its catalogue mean, or unknown
        if (isProviderError(error)) return type?.meanSpotPrice
        throw error
      }
    },
    userData: () => undefined,
    agentReport: async (kind, body) => {
      await handleAgentReport(kind, body, ctx)
    },
    // the sandbox clock runs hundreds of times faster than real time: look often
    syncIntervalMs: () => 1000,
    drainMarginMs: (settings) => Math.max(50, (settings.drainMarginSeconds * 1000) / sandbox.speed),
    priceIntervalMs: 2000,
    billingRate: sandbox.speed,
    zones: [...sandbox.zones],
    launchPollMs: 100,
    readyTimeoutMs: 30_000,
    health: { retries: 20, intervalMs: 100 }
  }
}
