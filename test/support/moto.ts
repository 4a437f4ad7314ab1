// The moto AWS emulator for integration tests: whether it is available (SYNKTI_MOTO_DIR names a
// checkout with start.sh; `.ci/run` sets it to ../shared/moto), the one line a test file prints when
// it is not, and starting it on a free loopback port.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { CreateQueueCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs'
import { reportsQueueName } from '../../src/main/providers/aws/agent-channel'
import { startRuntime, type Runtime } from '../../src/main/runtime/runtime'

const MOTO_DIR = process.env.SYNKTI_MOTO_DIR

export const haveMoto = !!MOTO_DIR && existsSync(join(MOTO_DIR, 'start.sh'))

/** prints, once per test file, why its moto tests are skipped */
export function sayWhenMotoIsMissing(file: string): void {
  if (!haveMoto)
    console.log(
      `${file}: skipped; set SYNKTI_MOTO_DIR to a moto checkout with start.sh (e.g. ../shared/moto) to run it`
    )
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** starts moto on a free loopback port; kill `pid` when done */
export async function startMoto(): Promise<{ pid: number; endpoint: string }> {
  if (!MOTO_DIR) throw new Error('SYNKTI_MOTO_DIR is not set')
  const port = await freePort()
  const pid = Number(
    execFileSync(join(MOTO_DIR, 'start.sh'), [String(port)], { timeout: 120_000 })
      .toString()
      .trim()
  )
  return { pid, endpoint: `http://127.0.0.1:${port}` }
}

/**
 * moto stamps every SQS message with this one IAM user id and (with Debian's botocore 1.29 models)
 * returns no SenderId to SDK v3 at all; real SQS gives `<role id>:<instance id>`, checked by
 * instanceRoleSender (unit-tested in agent-channel.test.ts). Tests accept exactly moto's.
 */
export const MOTO_SENDER = 'AIDAIT2UOQQY3AUEKVGXU'
export const motoSenderCheck = (sender: string | undefined): boolean =>
  sender === undefined || sender === MOTO_SENDER

/** the AWS runtime (the daemon's and the desktop app's) against moto: AWS_* point at it already */
export function startMotoRuntime(o: {
  dataDir: string
  bundlePath: string
  token: string
  log: (line: string) => void
}): Promise<Runtime> {
  return startRuntime({
    dataDir: o.dataDir,
    mode: 'aws',
    region: 'us-east-1',
    token: o.token,
    routerPort: 0,
    demo: false,
    agentBundlePath: o.bundlePath,
    agentSenderCheck: motoSenderCheck,
    agentWaitSeconds: 1,
    log: o.log
  })
}

/**
 * What `synkti aws setup` creates for the agents, made directly (the tests that are not about setup):
 * the fleet's FIFO reports queue and the account's bucket. Returns the queue URL.
 */
export async function createAgentResources(
  client: {
    region: string
    endpoint: string
    credentials: { accessKeyId: string; secretAccessKey: string }
  },
  fleetTag: string,
  bucket: string
): Promise<string> {
  const sqs = new SQSClient({ ...client } as SQSClientConfig)
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: reportsQueueName(fleetTag),
      Attributes: { FifoQueue: 'true' }
    })
  )
  await new S3Client({ ...client, forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: bucket })
  )
  return queue.QueueUrl!
}

/** a data folder whose settings run the AWS runtime on that fleet and AMI, syncing every 5 s */
export function awsDataDir(dataDir: string, fleetTag: string, imageId: string): string {
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(
    join(dataDir, 'settings.json'),
    JSON.stringify({
      mode: 'aws',
      aws: { regions: ['us-east-1'], fleetTag, imageId },
      pollIntervalSeconds: 5
    })
  )
  return dataDir
}
