// The cockpit's half of the agents on AWS: it uploads its own agent bundle to its S3 bucket
// (content-addressed by sha256), keeps a presigned URL of it fresh for the boot scripts, and runs the
// reports channel (agent-channel.ts) into the engine's agent intake. Everything here is found by the
// names `synkti aws setup` creates (reports queue, bucket, agent role); what is missing turns the
// part off with one line saying what to run, and launches then boot without the agent.
import { existsSync, readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam'
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { SQSClient } from '@aws-sdk/client-sqs'
import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts'
import { errorText } from '../../../shared/errors'
import type { Clock } from '../../clock'
import { ec2ClientConfig, type AwsClientOptions } from './client'
import {
  agentBucketName,
  agentBundleKey,
  agentRoleName,
  findReportsQueue,
  instanceRoleSender,
  ownedByListing,
  reportsQueueName,
  runAgentChannel,
  type ReportKind,
  type SenderCheck
} from './agent-channel'

/** What a launch's boot script needs to install the agent (see engine/user-data.ts). */
export interface AgentBootValues {
  bundleUrl: string
  sha256: string
  reportsQueueUrl: string
  /** the bucket the bundle is in, which also keeps jobs' checkpoints (resources.ts checkpointPrefix) */
  bucket?: string
}

export interface PublishedBundle {
  key: string
  sha256: string
  /** true when this call uploaded it (false: the same bytes were there already) */
  uploaded: boolean
}

/** Uploads the bundle unless the bucket already holds these bytes (the key names the sha256). */
export async function publishAgentBundle(o: {
  s3: Pick<S3Client, 'send'>
  bucket: string
  bundlePath: string
  version: string
  /** a runtime that stops mid-upload abandons it */
  signal?: AbortSignal
}): Promise<PublishedBundle> {
  const call = { abortSignal: o.signal }
  const bytes = readFileSync(o.bundlePath)
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  const key = agentBundleKey(o.version, sha256)
  try {
    await o.s3.send(new HeadObjectCommand({ Bucket: o.bucket, Key: key }), call)
    return { key, sha256, uploaded: false }
  } catch (error) {
    if ((error as { name?: string }).name !== 'NotFound') throw error
  }
  await o.s3.send(
    new PutObjectCommand({
      Bucket: o.bucket,
      Key: key,
      Body: bytes,
      ContentType: 'text/javascript',
      // S3 refuses the upload if the bytes it got are not these
      ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64')
    }),
    call
  )
  return { key, sha256, uploaded: true }
}

/** A GET URL for the bundle that needs no credential on the instance and expires. */
export function presignBundle(
  s3: S3Client,
  bucket: string,
  key: string,
  expiresSeconds: number
): Promise<string> {
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), {
    expiresIn: expiresSeconds
  })
}

export interface AgentBootOptions {
  client: AwsClientOptions
  fleetTag: string
  version: string
  /** the built bundle (out/agent/synkti-agent.mjs); absent or missing: launches get no agent */
  bundlePath?: string
  /** the engine's agent intake, the same sink as the HTTP routes */
  sink: (kind: ReportKind, body: unknown) => Promise<void>
  /** the fleet's instances (only these may report) */
  list: () => Promise<{ id: string }[]>
  clock: Clock
  log: (line: string) => void
  /** default: the real instance-role rule with the agents' role id from IAM */
  senderCheck?: SenderCheck
  waitSeconds?: number
  /** presigned URL lifetime (default 6 h; refreshed at half of it) */
  urlSeconds?: number
}

/**
 * Whether launches can boot the agent: `ready` with the boot script's values; `starting` while the
 * queue is looked up and the bundle published (seconds); `off` when either cannot be, and why.
 */
export type AgentBootStatus =
  | { kind: 'ready'; values: AgentBootValues }
  | { kind: 'starting' }
  | { kind: 'off'; reason: string }

export interface AgentBoot {
  /** what the next launch's boot script can install */
  status(): AgentBootStatus
  /** resolves once the setup attempt is over (the channel then runs in the background) */
  readonly ready: Promise<void>
  stop(): Promise<void>
}

/** Starts the channel and the bundle publishing in the background; never throws. */
export function startAgentBoot(o: AgentBootOptions): AgentBoot {
  const stopping = new AbortController()
  const signal = stopping.signal
  const tasks: Promise<unknown>[] = []
  let queueUrl: string | undefined
  let bundle: { sha256: string; url: string; bucket: string } | undefined
  /** why the agent is off, each part's own reason (the channel's, the bundle's) */
  const offReasons: string[] = []
  const config = ec2ClientConfig(o.client)
  const urlSeconds = o.urlSeconds ?? 6 * 3600

  const startChannel = async (): Promise<void> => {
    const sqs = new SQSClient(config)
    queueUrl = await findReportsQueue(sqs, o.fleetTag, signal)
    if (!queueUrl) {
      const reason = `no SQS queue ${reportsQueueName(o.fleetTag)} in ${o.client.region} (run \`synkti aws setup\`)`
      offReasons.push(reason)
      o.log(`agent channel off: ${reason}`)
      return
    }
    const senderCheck = o.senderCheck ?? (await roleSenderCheck(config, o, signal))
    o.log(`agent channel: receiving reports from ${queueUrl}`)
    tasks.push(
      runAgentChannel({
        client: sqs,
        queueUrl,
        sink: o.sink,
        owned: ownedByListing(o.list, o.clock),
        senderCheck,
        signal,
        clock: o.clock,
        log: o.log,
        waitSeconds: o.waitSeconds
      })
    )
  }

  const startBundle = async (): Promise<void> => {
    if (!o.bundlePath || !existsSync(o.bundlePath)) {
      const reason = `the agent bundle is not built${o.bundlePath ? ` (no ${o.bundlePath})` : ''}: \`npm run build\` makes it`
      offReasons.push(reason)
      o.log(`agent bundle off: ${reason}`)
      return
    }
    const s3 = new S3Client(s3Config(config))
    const sts = new STSClient(config as STSClientConfig)
    const account = (await sts.send(new GetCallerIdentityCommand({}), { abortSignal: signal }))
      .Account
    if (!account) throw new Error('STS did not say which account these credentials belong to')
    const bucket = agentBucketName(account, o.client.region)
    const published = await publishAgentBundle({
      s3,
      bucket,
      bundlePath: o.bundlePath,
      version: o.version,
      signal
    }).catch((error: unknown) => {
      if ((error as { name?: string }).name !== 'NoSuchBucket') throw error
      throw new Error(`no S3 bucket ${bucket} (run \`synkti aws setup\`)`, { cause: error })
    })
    o.log(
      `agent bundle ${published.uploaded ? 'uploaded to' : 'already in'} s3://${bucket}/${published.key}`
    )
    const presign = async (): Promise<void> => {
      bundle = {
        bucket,
        sha256: published.sha256,
        url: await presignBundle(s3, bucket, published.key, urlSeconds)
      }
    }
    await presign()
    // bounded: one presign per half lifetime until the runtime stops; a failure keeps the last URL
    tasks.push(
      (async () => {
        for (;;) {
          await o.clock.sleep((urlSeconds * 1000) / 2, signal).catch(() => undefined)
          if (signal.aborted) return
          await presign().catch((error: unknown) =>
            o.log(`agent bundle: presigning failed: ${errorText(error)}`)
          )
        }
      })()
    )
  }

  const attempt = (what: string, step: () => Promise<void>): Promise<void> =>
    step().catch((error: unknown) => {
      if (signal.aborted) return
      offReasons.push(`${what}: ${errorText(error)}`)
      o.log(`${what} off: ${errorText(error)}`)
    })
  let settled = false
  const ready = Promise.all([
    attempt('agent channel', startChannel),
    attempt('agent bundle', startBundle)
  ]).then(() => void (settled = true))

  return {
    status: () => {
      if (queueUrl && bundle)
        return {
          kind: 'ready',
          values: {
            bundleUrl: bundle.url,
            sha256: bundle.sha256,
            reportsQueueUrl: queueUrl,
            bucket: bundle.bucket
          }
        }
      if (offReasons.length) return { kind: 'off', reason: offReasons.join('; ') }
      return settled ? { kind: 'off', reason: 'the agent is not set up' } : { kind: 'starting' }
    },
    ready,
    stop: async () => {
      stopping.abort()
      await ready
      await Promise.all(tasks)
    }
  }
}

/** the strict sender rule with the agents' role id; the AROA-pattern rule when IAM will not say */
async function roleSenderCheck(
  config: ReturnType<typeof ec2ClientConfig>,
  o: AgentBootOptions,
  signal: AbortSignal
): Promise<SenderCheck> {
  try {
    const iam = new IAMClient({ ...config, region: 'us-east-1' })
    const role = await iam.send(new GetRoleCommand({ RoleName: agentRoleName(o.fleetTag) }), {
      abortSignal: signal
    })
    if (role.Role?.RoleId) return instanceRoleSender(role.Role.RoleId)
  } catch (error) {
    o.log(
      `agent channel: the agents' role id is unknown (${errorText(error)}); accepting any instance role session named after the instance`
    )
  }
  return instanceRoleSender()
}

/** an emulator endpoint (AWS_ENDPOINT_URL*) serves buckets by path, not by host name */
function s3Config(config: ReturnType<typeof ec2ClientConfig>): S3ClientConfig {
  const emulated = !!(
    config.endpoint ||
    process.env.AWS_ENDPOINT_URL_S3 ||
    process.env.AWS_ENDPOINT_URL
  )
  return { ...config, ...(emulated ? { forcePathStyle: true } : {}) } as S3ClientConfig
}
