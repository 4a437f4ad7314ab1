// With no AMI configured, every launch boots the AWS Deep Learning AMI (NVIDIA driver, Docker and the
// NVIDIA container toolkit, what the boot script's `docker run --gpus all` needs), read from the public
// SSM parameter AWS keeps pointing at the newest release in each region. Cached per provider (one
// region) for a while, so a burst of launches reads it once, and a new release is picked up later.

import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm'
import { ProviderError } from '../errors'
import { awsErrorCode, mapAwsErrors, type AwsErrorContext } from './errors'

/** Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04), x86_64: G4dn, G5, G6, G6e, P3-P5 */
export const DLAMI_PARAMETER =
  '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id'

export const AMI_CACHE_TTL_MS = 6 * 3_600_000

const AMI_ID = /^ami-[0-9a-f]{8,17}$/

export interface ResolvedAmi {
  imageId: string
  /** where it came from, for the log and the CLI */
  source: string
}

export interface AmiResolverOptions {
  ssm: SSMClient
  region: string
  parameter?: string
  ttlMs?: number
  now?: () => number
  profile?: string
  /** told once per resolution (not per cached use) which AMI launches get */
  log?: (line: string) => void
}

export interface AmiResolver {
  resolve(): Promise<ResolvedAmi>
}

export function createAmiResolver(o: AmiResolverOptions): AmiResolver {
  const parameter = o.parameter ?? DLAMI_PARAMETER
  const ttl = o.ttlMs ?? AMI_CACHE_TTL_MS
  const now = o.now ?? Date.now
  let cached: { at: number; ami: ResolvedAmi } | undefined
  let pending: Promise<ResolvedAmi> | undefined

  async function read(): Promise<ResolvedAmi> {
    const what = `Resolving the Deep Learning AMI in ${o.region} (no AMI configured)`
    const ctx: AwsErrorContext = { what, action: 'ssm:GetParameter', profile: o.profile }
    const out = await mapAwsErrors(ctx, async () => {
      try {
        return await o.ssm.send(new GetParameterCommand({ Name: parameter }))
      } catch (err) {
        if (awsErrorCode(err) === 'ParameterNotFound')
          throw new ProviderError(
            'invalid-parameter',
            `${what} failed: no AMI configured, and ${o.region} has no SSM parameter ${parameter}: set --image-id (SYNKTI_IMAGE_ID, settings aws.imageId) or a launch template`,
            { cause: err }
          )
        throw err
      }
    })
    const value = out.Parameter?.Value ?? ''
    if (!AMI_ID.test(value))
      throw new ProviderError(
        'unknown',
        `${what} failed: SSM parameter ${parameter} holds "${value.slice(0, 40)}", not an AMI id`
      )
    const ami = { imageId: value, source: `SSM ${parameter}` }
    o.log?.(`aws ${o.region}: launches boot ${ami.imageId} (Deep Learning AMI, from ${ami.source})`)
    return ami
  }

  return {
    async resolve() {
      const t = now()
      if (cached && t - cached.at < ttl) return cached.ami
      // concurrent launches share one read
      pending ??= read().finally(() => (pending = undefined))
      const ami = await pending
      cached = { at: t, ami }
      return ami
    }
  }
}
