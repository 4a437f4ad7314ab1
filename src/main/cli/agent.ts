import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { AGENT_CONFIG_FILES, runAgent } from '../agent'
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
  reportsQueueUrl?: string
  region?: string
  servePort?: string
  endpointAddress?: string
  model?: string
  configDir?: string
  jobStateDir?: string
}

function readConfig(dir: string | undefined, name: string): string | undefined {
  if (!dir) return undefined
  try {
    return readFileSync(join(dir, name), 'utf8').trim() || undefined
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new UsageError(`--config-dir: cannot read ${join(dir, name)}: ${String(error)}`)
  }
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
    .option(
      '--metrics-url <url>',
      'vLLM Prometheus metrics (default http://127.0.0.1:<port>/metrics)'
    )
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
    .option(
      '--reports-queue-url <url>',
      "the fleet's SQS reports queue: report with the instance's own role, no token (env SYNKTI_REPORTS_QUEUE_URL)"
    )
    .option('--region <region>', 'AWS region (default AWS_REGION, then instance metadata)')
    .option(
      '--serve-port <port>',
      'publish http://<address>:<port> as the synkti:endpoint tag once vLLM there is ready'
    )
    .option('--endpoint-address <which>', 'public (default) or private address to publish')
    .option('--model <id>', "the model vLLM must list (default: the instance's synkti:model tag)")
    .option(
      '--job-state-dir <dir>',
      'a deadline job runs here: report its exit status from <dir>/job-exit, and at a notice write <dir>/notice (the host then stops the job and saves its checkpoint)'
    )
    .option(
      '--config-dir <dir>',
      'read unset values from files the boot script wrote there (reports-queue-url, model-port, endpoint-address, cockpit-url, job-state-dir)'
    )
    .action(async (flags: AgentFlags) => {
      const file = (key: keyof typeof AGENT_CONFIG_FILES): string | undefined =>
        readConfig(flags.configDir, AGENT_CONFIG_FILES[key])
      const reportsQueueUrl =
        flags.reportsQueueUrl ?? process.env.SYNKTI_REPORTS_QUEUE_URL ?? file('reportsQueueUrl')
      const cockpitUrl = flags.cockpitUrl ?? process.env.SYNKTI_COCKPIT_URL ?? file('cockpitUrl')
      const token = flags.token ?? process.env.SYNKTI_TOKEN
      if (!reportsQueueUrl) {
        if (!cockpitUrl)
          throw new UsageError(
            '--reports-queue-url (or SYNKTI_REPORTS_QUEUE_URL), or --cockpit-url with --token, is required'
          )
        if (!token) throw new UsageError('--token (or SYNKTI_TOKEN) is required with --cockpit-url')
      }
      const servePortRaw = flags.servePort ?? file('servePort')
      const servePort =
        servePortRaw === undefined
          ? undefined
          : parseNumberFlag('--serve-port', servePortRaw, 'integer>=1')
      if (servePort !== undefined && servePort > 65535)
        throw new UsageError(`--serve-port must be at most 65535, got "${servePortRaw}"`)
      const address = flags.endpointAddress ?? file('endpointAddress') ?? 'public'
      if (address !== 'public' && address !== 'private')
        throw new UsageError(`--endpoint-address must be public or private, got "${address}"`)
      if ((flags.stateGib === undefined) !== (flags.bandwidthGibps === undefined))
        throw new UsageError('--state-gib and --bandwidth-gibps go together')
      const handle = runAgent({
        reportsQueueUrl: reportsQueueUrl
          ? checkUrl('--reports-queue-url', reportsQueueUrl)
          : undefined,
        cockpitUrl: cockpitUrl ? checkUrl('--cockpit-url', cockpitUrl) : undefined,
        token,
        region: flags.region,
        endpoint:
          servePort === undefined ? undefined : { port: servePort, address, model: flags.model },
        instanceId: flags.instanceId,
        metricsUrl: checkUrl(
          '--metrics-url',
          flags.metricsUrl ?? `http://127.0.0.1:${servePort ?? 8000}/metrics`
        ),
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
        heartbeatLoad: flags.reportLoad,
        jobStateDir: flags.jobStateDir ?? file('jobStateDir')
      })
      const stop = (): void => void handle.stop()
      process.once('SIGTERM', stop)
      process.once('SIGINT', stop)
      await handle.done
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
    })
}
