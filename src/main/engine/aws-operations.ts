import type { Settings } from '../../shared/api'
import type { DrainResult, ManagedInstance } from '../../shared/fleet'
import type { Clock } from '../clock'
import type { History } from '../history'
import { createInterruptionDeduper } from '../monitors/dedupe'
import { runEc2StatusMonitor } from '../monitors/ec2-status'
import { runSqsEventConsumer } from '../monitors/sqs-events'
import { APPROX_ON_DEMAND_USD_PER_HOUR, onDemandPrice } from '../providers/aws'
import type { CloudProvider } from '../providers/types'
import { handleAgentReport } from './agent-reports'
import type { FleetOperations, OperationsContext } from './operations'
import type { AgentBootStatus } from '../providers/aws/agent-boot'
import { ProviderError } from '../providers/errors'
import { agentUserData } from './user-data'
import { checkpointPrefix } from '../providers/aws/resources'
import { errorText } from '../../shared/errors'

export interface AwsOperationsOptions {
  provider: CloudProvider
  clock: Clock
  settings: () => Settings
  history: History
  log?: (line: string) => void
  /**
   * the agent install for boot scripts (providers/aws/agent-boot.ts); with it, a launch waits for
   * the bundle and is refused when the agent is off, since a node without its agent never serves
   */
  agentBoot?: () => AgentBootStatus
}

/**
 * Operations on a real AWS fleet. Interruptions come from EC2 API polling, optionally from
 * EventBridge through SQS, and from the node agents' reports; the drain itself runs on the instance
 * (the agent drains its local vLLM) and the cockpit waits for the agent's report of it, failing
 * closed when none arrives before the deadline.
 */
export function createAwsOperations(o: AwsOperationsOptions): FleetOperations {
  const log = o.log ?? (() => {})
  const heartbeats = new Map<string, { at: number; state: string; load?: number }>()
  const drainReports = new Map<string, DrainResult>()
  const drainWaiters = new Map<string, (result: DrainResult) => void>()
  let stopLoops: AbortController | undefined
  let ctx: OperationsContext | undefined

  /**
   * The agent's drain report as history keeps it: one that reached a daemon before its restart
   * still ends this drain (an instance drains once: its id names the drain).
   */
  const storedDrainReport = (instance: ManagedInstance): DrainResult | undefined => {
    const stored = o.history
      .eventsBetween(instance.launchedAt, o.clock.now() + 1, {
        kinds: ['drain-end'],
        instanceId: instance.id
      })
      .find((e) => e.data?.source === 'agent')
    if (!stored) return undefined
    const { source: _source, ...result } = stored.data as unknown as DrainResult & {
      source: string
    }
    return result
  }

  return {
    start(context) {
      ctx = context
      stopLoops = new AbortController()
      const s = o.settings()
      const deduper = createInterruptionDeduper({ now: o.clock.now })
      void runEc2StatusMonitor({
        provider: o.provider,
        signal: stopLoops.signal,
        intervalMs: s.pollIntervalSeconds * 1000,
        onEvent: (e) => context.interruption(e),
        onError: (e) => log(`EC2 status poll failed: ${errorText(e)}`),
        deduper,
        clock: o.clock
      })
      if (s.aws.sqsQueueUrl) {
        void runSqsEventConsumer({
          queueUrl: s.aws.sqsQueueUrl,
          clientOptions: { region: s.aws.regions[0], profile: s.aws.profile || undefined },
          signal: stopLoops.signal,
          onEvent: (e) => context.interruption(e),
          onError: (e) => log(`SQS: ${errorText(e)}`),
          log: { warn: (m) => log(`SQS: ${m}`) },
          deduper,
          clock: o.clock
        })
      }
    },
    stop() {
      stopLoops?.abort()
    },
    drain(instance, deadline): Promise<DrainResult> {
      const startedAt = o.clock.now()
      const reported = drainReports.get(instance.id) ?? storedDrainReport(instance)
      if (reported) return Promise.resolve(reported)
      return new Promise((resolve) => {
        const timeout = setTimeout(
          () => {
            drainWaiters.delete(instance.id)
            resolve({
              outcome: 'timed-out',
              startedAt,
              endedAt: o.clock.now(),
              deregisterMs: 0,
              lastRunning: null,
              lastWaiting: null,
              reason: `no drain report from the node agent on ${instance.id} before the deadline (is \`synkti agent\` running there and able to reach this cockpit?)`
            })
          },
          Math.max(0, deadline - startedAt)
        )
        drainWaiters.set(instance.id, (result) => {
          clearTimeout(timeout)
          resolve(result)
        })
      })
    },
    load: (instance) => heartbeats.get(instance.id)?.load,
    // EC2 reports the spot price in force with the listing; the engine bills at it until it changes
    pricesInForce: (instance, fromMs) => [{ at: fromMs, pricePerHour: instance.pricePerHour }],
    // a terminated instance leaves the listing; the sync that notices it dates the end
    endedAt: () => undefined,
    priceOf(instanceType, market) {
      // unknown stays undefined (the budget then blocks under a cap): never $0
      const onDemand = onDemandPrice(instanceType, APPROX_ON_DEMAND_USD_PER_HOUR)
      if (market === 'ondemand') return onDemand
      const now = o.clock.now()
      const recent = o.history.spotPrices(now - 86_400_000, now + 1, { instanceType })
      // before any price is recorded, a spot launch is budgeted at the on-demand price (the worst case)
      return recent.length ? Math.min(...recent.slice(-50).map((p) => p.price)) : onDemand
    },
    userData(model, server) {
      const s = o.settings()
      const status = o.agentBoot?.()
      const agent = status?.kind === 'ready' ? status.values : undefined
      if (status?.kind === 'starting')
        throw new ProviderError(
          'not-ready',
          'not launching yet: the node agent bundle is still being published to S3 (seconds); the next pass launches'
        )
      if (status?.kind === 'off' && !s.fleet.cockpitUrl)
        throw new ProviderError(
          'not-ready',
          `not launching: a node needs its agent to serve, and the agent is off: ${status.reason}`
        )
      if (!s.fleet.cockpitUrl && !agent) return undefined
      // the cockpit's API token stays on the cockpit: agents report with their instance's own role
      return agentUserData({
        cockpitUrl: s.fleet.cockpitUrl || undefined,
        agent,
        model: model || undefined,
        vllmImage: server?.image,
        port: server?.port,
        vllmArgs: server?.args,
        env: server?.env,
        hfTokenParameter: server?.hfTokenParameter
      })
    },
    jobUserData(workload, job) {
      // a job needs the agent: it reports the exit status and turns a notice into the final save
      // (undefined while it is starting or off: the job controller waits, launching nothing)
      const status = o.agentBoot?.()
      if (status?.kind !== 'ready') return undefined
      const { bucket, ...install } = status.values
      if (job.checkpoint && !bucket) return undefined
      return agentUserData({
        agent: install,
        job: {
          command: job.command,
          image: job.image,
          env: job.env,
          hfTokenParameter: job.hfTokenParameter,
          checkpoint: job.checkpoint && {
            dir: job.checkpoint.dir,
            everyMinutes: job.checkpoint.everyMinutes,
            s3Uri: `s3://${bucket}/${checkpointPrefix(o.settings().aws.fleetTag, workload)}`
          }
        }
      })
    },
    async agentReport(kind, body) {
      const report = await handleAgentReport(kind, body, ctx)
      if (report.kind === 'heartbeat')
        heartbeats.set(report.instanceId, {
          at: o.clock.now(),
          state: report.state,
          load: report.load
        })
      else if (report.kind === 'events' && report.drain) {
        drainReports.set(report.instanceId, report.drain)
        drainWaiters.get(report.instanceId)?.(report.drain)
        drainWaiters.delete(report.instanceId)
      }
    },
    syncIntervalMs: (settings) => Math.max(5000, settings.pollIntervalSeconds * 1000),
    drainMarginMs: (settings) => settings.drainMarginSeconds * 1000,
    priceIntervalMs: 300_000,
    billingRate: 1
  }
}
