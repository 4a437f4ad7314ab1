// Records every command any AWS SDK v3 client sends (every client class shares one smithy base
// Client), as the IAM action it needs, so a test can check a printed policy against what the code
// actually calls. Clients made by the test harness itself are left out with `exclude`.
import { EC2Client } from '@aws-sdk/client-ec2'

const PREFIX: Record<string, string> = {
  EC2: 'ec2',
  SQS: 'sqs',
  EventBridge: 'events',
  IAM: 'iam',
  S3: 's3',
  SSM: 'ssm',
  'Elastic Load Balancing v2': 'elasticloadbalancing',
  Pricing: 'pricing',
  STS: 'sts'
}

/** S3 operations whose IAM action has another name */
const S3_ACTIONS: Record<string, string> = {
  HeadBucket: 'ListBucket',
  ListObjectsV2: 'ListBucket',
  DeleteObjects: 'DeleteObject',
  HeadObject: 'GetObject',
  PutBucketEncryption: 'PutEncryptionConfiguration',
  GetBucketEncryption: 'GetEncryptionConfiguration',
  PutPublicAccessBlock: 'PutBucketPublicAccessBlock',
  GetPublicAccessBlock: 'GetBucketPublicAccessBlock'
}

/** calls that need no permission */
const FREE = new Set(['sts:GetCallerIdentity'])

export interface CallRecorder {
  /** IAM actions of every call so far, distinct, sorted */
  actions(): string[]
  exclude<T extends object>(client: T): T
  restore(): void
}

export function recordAwsCalls(): CallRecorder {
  const base = Object.getPrototypeOf(EC2Client.prototype) as {
    send: (
      this: { config?: { serviceId?: string } },
      command: unknown,
      ...rest: unknown[]
    ) => unknown
  }
  const original = base.send
  const seen = new Set<string>()
  const excluded = new WeakSet<object>()
  base.send = function (command, ...rest) {
    if (!excluded.has(this)) {
      const service = this.config?.serviceId ?? '?'
      const op = (command as object).constructor.name.replace(/Command$/, '')
      const prefix = PREFIX[service] ?? `?${service}`
      const action = `${prefix}:${prefix === 's3' ? (S3_ACTIONS[op] ?? op) : op}`
      if (!FREE.has(action)) seen.add(action)
    }
    return original.call(this, command, ...rest)
  }
  return {
    actions: () => [...seen].sort(),
    exclude: (client) => (excluded.add(client), client),
    restore: () => {
      base.send = original
    }
  }
}
