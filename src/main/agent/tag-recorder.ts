// The real TagRecorder: EC2 CreateTags on the agent's own instance. Needs ec2:CreateTags on it in
// the instance profile. EC2 (unlike some other services) allows any characters in tag values, so
// the compact JSON from buildAgentTags is stored as is.
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2'
import type { TagRecorder } from './tags'

export interface Ec2TagRecorderOptions {
  /** a region, or how to find it (e.g. from IMDS placement/region); default: the SDK's chain */
  region?: string | (() => Promise<string>)
  /** for tests: anything with EC2Client's send */
  client?: Pick<EC2Client, 'send'>
}

export function createEc2TagRecorder(options: Ec2TagRecorderOptions = {}): TagRecorder {
  let client = options.client
  return async (instanceId, tags) => {
    client ??= new EC2Client({ region: await resolveRegion(options.region) })
    const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
    await client.send(new CreateTagsCommand({ Resources: [instanceId], Tags }))
  }
}

async function resolveRegion(region: Ec2TagRecorderOptions['region']): Promise<string | undefined> {
  if (typeof region === 'function') return region()
  return region
}
