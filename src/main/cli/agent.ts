import type { Command } from 'commander'
import { runAgent } from '../agent'
import { parseNumberFlag, UsageError } from './errors'

interface AgentFlags {
  cockpitUrl?: string
  token?: string
  instanceId?: string
  metricsUrl?: string
  routerDeregisterUrl?: string
  poll?: string
  heartbeat?: string
  drainMargin?: string
  imdsEndpoint?: string
  stateGib?: string
  bandwidthGibps?: string
  reportLoad: boolean
}

function checkUrl(flag: string, value: string): string {
  try {
    const url = new URL(value)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error()
    return value
  } catch {
    throw new UsageError(`${flag} must be an http(s) URL, got "${value}"`)
  }
}

/** `synkti agent`: the node agent, run on each GPU instance (the launch user-data starts it). */
export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description(
      'run the node agent on a GPU instance: watch IMDS, drain vLLM on a notice, report to the cockpit'
    )
    .option(
      '--cockpit-url <url>',
      'the cockpit or daemon the agent reports to (env SYNKTI_COCKPIT_URL)'
    )
    .option('--token <token>', 'shared token of the cockpit (env SYNKTI_TOKEN)')
    .option('--instance-id <id>', 'default: read from the instance metadata service')
    .option('--metrics-url <url>', 'vLLM Prometheus metrics', 'http://127.0.0.1:8000/metrics')
    .option(
      '--router-deregister-url <url>',
      'POSTed {instanceId} to stop routing here before draining'
    )
    .option('--poll <ms>', 'IMDS poll interval, ms', '2000')
    .option('--heartbeat <ms>', 'heartbeat interval, ms', '15000')
    .option('--drain-margin <ms>', 'drain ends this long before the notice time, ms', '5000')
    .option(
      '--imds-endpoint <url>',
      'metadata endpoint (default AWS_EC2_METADATA_SERVICE_ENDPOINT, then 169.254.169.254)'
    )
    .option(
      '--state-gib <n>',
      'checkpointable state of the batch job, GiB (enables the checkpoint planner)'
    )
    .option('--bandwidth-gibps <n>', 'measured upload bandwidth for checkpoints, GiB/s')
    .option('--no-report-load', 'do not send the local vLLM queue with heartbeats')
    .action(async (flags: AgentFlags) => {
      const cockpitUrl = flags.cockpitUrl ?? process.env.SYNKTI_COCKPIT_URL
      const token = flags.token ?? process.env.SYNKTI_TOKEN
      if (!cockpitUrl) throw new UsageError('--cockpit-url (or SYNKTI_COCKPIT_URL) is required')
      if (!token) throw new UsageError('--token (or SYNKTI_TOKEN) is required')
      if ((flags.stateGib === undefined) !== (flags.bandwidthGibps === undefined))
        throw new UsageError('--state-gib and --bandwidth-gibps go together')
      const handle = runAgent({
        cockpitUrl: checkUrl('--cockpit-url', cockpitUrl),
        token,
        instanceId: flags.instanceId,
        metricsUrl: checkUrl('--metrics-url', flags.metricsUrl!),
        routerDeregisterUrl: flags.routerDeregisterUrl
          ? checkUrl('--router-deregister-url', flags.routerDeregisterUrl)
          : undefined,
        pollMs: parseNumberFlag('--poll', flags.poll!, 'integer>=1'),
        heartbeatMs: parseNumberFlag('--heartbeat', flags.heartbeat!, 'integer>=1'),
        drainMarginMs: parseNumberFlag('--drain-margin', flags.drainMargin!, 'integer>=0'),
        imdsEndpoint: flags.imdsEndpoint
          ? checkUrl('--imds-endpoint', flags.imdsEndpoint)
          : undefined,
        checkpointStateGiB:
          flags.stateGib !== undefined
            ? parseNumberFlag('--state-gib', flags.stateGib, 'positive')
            : undefined,
        checkpointBandwidthGiBps:
          flags.bandwidthGibps !== undefined
            ? parseNumberFlag('--bandwidth-gibps', flags.bandwidthGibps, 'positive')
            : undefined,
        heartbeatLoad: flags.reportLoad
      })
      const stop = (): void => void handle.stop()
      process.once('SIGTERM', stop)
      process.once('SIGINT', stop)
      await handle.done
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
    })
}
