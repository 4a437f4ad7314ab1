import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../shared/api'
import { UsageError } from './errors'
import { awsLaunchSettingsFrom } from './fleet'

const file = DEFAULT_SETTINGS.aws
const AMI = 'ami-0123456789abcdef0'

describe('awsLaunchSettingsFrom', () => {
  it('takes each field from its flag, else SYNKTI_* variable, else the settings file', () => {
    expect(
      awsLaunchSettingsFrom(
        {
          imageId: AMI,
          launchTemplate: 'gpu-node:3',
          subnet: ['us-east-1a=subnet-0aaaaaaaaaaaaaaa1', 'us-east-1b=subnet-0aaaaaaaaaaaaaaa2'],
          securityGroup: ['sg-0aaaaaaaaaaaaaaa1', 'sg-0aaaaaaaaaaaaaaa2'],
          keyName: 'ops',
          instanceProfile: 'synkti-agent'
        },
        { SYNKTI_IMAGE_ID: 'ami-0fffffffffffffff0' },
        { ...file, keyName: 'from-file' }
      )
    ).toEqual({
      imageId: AMI,
      launchTemplate: { name: 'gpu-node', version: '3' },
      subnetByZone: {
        'us-east-1a': 'subnet-0aaaaaaaaaaaaaaa1',
        'us-east-1b': 'subnet-0aaaaaaaaaaaaaaa2'
      },
      securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1', 'sg-0aaaaaaaaaaaaaaa2'],
      keyName: 'ops',
      instanceProfile: { name: 'synkti-agent' }
    })
    expect(
      awsLaunchSettingsFrom(
        {},
        {
          SYNKTI_IMAGE_ID: AMI,
          SYNKTI_SECURITY_GROUPS: 'sg-0aaaaaaaaaaaaaaa1, sg-0aaaaaaaaaaaaaaa2',
          SYNKTI_LAUNCH_TEMPLATE: 'lt-0123456789abcdef0',
          SYNKTI_INSTANCE_PROFILE: 'arn:aws:iam::123456789012:instance-profile/synkti'
        },
        { ...file, keyName: 'from-file' }
      )
    ).toEqual({
      imageId: AMI,
      launchTemplate: { id: 'lt-0123456789abcdef0' },
      securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1', 'sg-0aaaaaaaaaaaaaaa2'],
      keyName: 'from-file',
      instanceProfile: { arn: 'arn:aws:iam::123456789012:instance-profile/synkti' }
    })
    expect(awsLaunchSettingsFrom({}, {}, { ...file, imageId: AMI })).toEqual({ imageId: AMI })
  })

  it('a bad value is one usage line naming the flag', () => {
    const bad = (flags: Parameters<typeof awsLaunchSettingsFrom>[0], msg: string) => {
      expect(() => awsLaunchSettingsFrom(flags, {}, file)).toThrow(UsageError)
      expect(() => awsLaunchSettingsFrom(flags, {}, file)).toThrow(msg)
    }
    bad({ imageId: 'ami-$(id)' }, '--image-id: expected an AMI id')
    bad({ subnet: ['subnet-0aaaaaaaaaaaaaaa1'] }, '--subnet: expected zone=subnet-id')
    bad({ securityGroup: ['default'] }, '--security-group: expected a security group id')
    bad({ instanceProfile: 'a b' }, '--instance-profile: expected an instance profile name')
    bad({ launchTemplate: 'x;y' }, '--launch-template: expected lt-<hex>')
  })
})
