// RunInstances input for one launch attempt in one zone. Pure, so the exact request is testable.

import type { RunInstancesCommandInput, Tag } from '@aws-sdk/client-ec2'
import { ProviderError } from '../errors'
import { DEFAULT_ROOT_VOLUME_GIB, FLEET_TAG_KEY, MODEL_TAG_KEY, type LaunchRequest } from '../types'

export interface AwsLaunchSettings {
  /** AMI to boot (e.g. an AWS Deep Learning AMI); required unless launchTemplate is set */
  imageId?: string
  /** a launch template supplies the AMI, disks, network...; request fields still override it */
  launchTemplate?: { id?: string; name?: string; version?: string }
  /** zone -> subnet for custom VPCs; zones not listed are launched by Placement (default VPC) */
  subnetByZone?: Record<string, string>
  securityGroupIds?: string[]
  keyName?: string
  /** instance profile (IAM role) for the instances; the caller then needs iam:PassRole */
  instanceProfile?: { arn?: string; name?: string }
}

/** EC2's gp3 limits */
export const ROOT_VOLUME_MIN_GIB = 8
export const ROOT_VOLUME_MAX_GIB = 16_384

/**
 * IMDSv2 only (a session token is required, so an SSRF in the model server cannot read the role's
 * credentials with a plain GET); hop limit 2 so containers on the instance (vLLM in Docker) still reach it.
 */
export const METADATA_OPTIONS = {
  HttpTokens: 'required',
  HttpPutResponseHopLimit: 2,
  HttpEndpoint: 'enabled',
  // the agent reads its instance's tags (synkti:model...) from metadata: the cockpit -> agent channel
  InstanceMetadataTags: 'enabled'
} as const

/** EC2 limit on user data before base64 */
export const USER_DATA_MAX_BYTES = 16 * 1024

export function fleetTags(req: LaunchRequest, fleetTag: string): Tag[] {
  const tags: Tag[] = [
    { Key: FLEET_TAG_KEY, Value: fleetTag },
    { Key: 'Name', Value: req.name }
  ]
  if (req.model) tags.push({ Key: MODEL_TAG_KEY, Value: req.model })
  for (const [Key, Value] of Object.entries(req.tags ?? {})) {
    if (Key === FLEET_TAG_KEY || Key === 'Name' || Key === MODEL_TAG_KEY) continue
    tags.push({ Key, Value })
  }
  return tags
}

/** checks what can be checked before talking to AWS, so a bad request never half-starts */
export function validateLaunch(req: LaunchRequest, settings: AwsLaunchSettings): void {
  if (!settings.imageId && !settings.launchTemplate) {
    throw new ProviderError(
      'invalid-parameter',
      `Launching ${req.instanceType} failed: no AMI configured: set launch.imageId (or launch.launchTemplate) in the AWS provider settings`
    )
  }
  const size = req.rootVolumeGiB ?? DEFAULT_ROOT_VOLUME_GIB
  if (!Number.isInteger(size) || size < ROOT_VOLUME_MIN_GIB || size > ROOT_VOLUME_MAX_GIB) {
    throw new ProviderError(
      'invalid-parameter',
      `Launching ${req.instanceType} failed: root volume must be a whole number of GiB from ${ROOT_VOLUME_MIN_GIB} to ${ROOT_VOLUME_MAX_GIB}, got ${size}`
    )
  }
  const bytes = Buffer.byteLength(req.userData ?? '', 'utf8')
  if (bytes > USER_DATA_MAX_BYTES) {
    throw new ProviderError(
      'invalid-parameter',
      `Launching ${req.instanceType} failed: user data is ${bytes} bytes, EC2 allows ${USER_DATA_MAX_BYTES}: move the script to S3 and fetch it at boot`
    )
  }
}

function placement(
  zone: string | undefined,
  settings: AwsLaunchSettings
): Partial<RunInstancesCommandInput> {
  if (!zone) return {}
  const subnet = settings.subnetByZone?.[zone]
  // a subnet pins the zone by itself; Placement alone means the default VPC's subnet in that zone
  return subnet ? { SubnetId: subnet } : { Placement: { AvailabilityZone: zone } }
}

function marketOptions(req: LaunchRequest): Partial<RunInstancesCommandInput> {
  if (req.market !== 'spot') return {}
  // no MaxPrice: pay the current spot price, capped by EC2 at the on-demand price
  return {
    InstanceMarketOptions: {
      MarketType: 'spot',
      SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' }
    }
  }
}

function launchTemplateSpec(settings: AwsLaunchSettings): Partial<RunInstancesCommandInput> {
  const lt = settings.launchTemplate
  if (!lt) return {}
  return {
    LaunchTemplate: {
      ...(lt.id ? { LaunchTemplateId: lt.id } : {}),
      ...(lt.name ? { LaunchTemplateName: lt.name } : {}),
      Version: lt.version ?? '$Default'
    }
  }
}

function rootVolume(
  req: LaunchRequest,
  rootDeviceName: string | undefined
): Partial<RunInstancesCommandInput> {
  // without the AMI's root device name a mapping would add a second disk instead of sizing the root
  if (!rootDeviceName) return {}
  return {
    BlockDeviceMappings: [
      {
        DeviceName: rootDeviceName,
        Ebs: {
          VolumeSize: req.rootVolumeGiB ?? DEFAULT_ROOT_VOLUME_GIB,
          VolumeType: 'gp3',
          DeleteOnTermination: true
        }
      }
    ]
  }
}

/**
 * The one RunInstances builder every launch goes through (user, spare, replacement, job): the request's
 * own fields plus the AWS launch settings. `rootDeviceName` is the AMI's (DescribeImages); absent, the
 * AMI's or launch template's own root disk is kept.
 */
export function buildRunInstancesInput(
  req: LaunchRequest,
  settings: AwsLaunchSettings,
  fleetTag: string,
  zone: string | undefined,
  rootDeviceName?: string
): RunInstancesCommandInput {
  const tags = fleetTags(req, fleetTag)
  const profile = settings.instanceProfile
  return {
    MinCount: 1,
    MaxCount: 1,
    InstanceType: req.instanceType as RunInstancesCommandInput['InstanceType'],
    ...(settings.imageId ? { ImageId: settings.imageId } : {}),
    ...launchTemplateSpec(settings),
    ...placement(zone, settings),
    ...marketOptions(req),
    ...(settings.securityGroupIds?.length ? { SecurityGroupIds: settings.securityGroupIds } : {}),
    ...(settings.keyName ? { KeyName: settings.keyName } : {}),
    ...(profile?.arn || profile?.name
      ? { IamInstanceProfile: profile.arn ? { Arn: profile.arn } : { Name: profile.name } }
      : {}),
    // the SDK does not encode RunInstances user data; EC2 wants base64
    MetadataOptions: { ...METADATA_OPTIONS },
    ...rootVolume(req, rootDeviceName),
    ...(req.userData ? { UserData: Buffer.from(req.userData, 'utf8').toString('base64') } : {}),
    // tag at creation so an instance is never, even briefly, outside the fleet (and IAM can require it)
    TagSpecifications: [
      { ResourceType: 'instance', Tags: tags },
      { ResourceType: 'volume', Tags: tags }
    ],
    ...(req.dryRun ? { DryRun: true } : {})
  }
}
