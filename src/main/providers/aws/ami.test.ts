import {
  DescribeImagesCommand,
  DescribeInstanceTypesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  RunInstancesCommand
} from '@aws-sdk/client-ec2'
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { ProviderError } from '../errors'
import { DLAMI_PARAMETER, createAmiResolver } from './ami'
import { createAwsProvider } from './provider'
import { G5_XLARGE, ec2Error, ec2Instance } from '../../../../test/support/ec2-objects'

const ssm = mockClient(SSMClient)
const ec2 = mockClient(EC2Client)

beforeEach(() => {
  ssm.reset()
  ec2.reset()
})

function resolver(now: () => number, log: string[] = []) {
  return createAmiResolver({
    ssm: new SSMClient({ region: 'eu-west-1' }),
    region: 'eu-west-1',
    now,
    log: (l) => log.push(l)
  })
}

describe('the Deep Learning AMI from SSM', () => {
  it('reads the public parameter once per TTL, says which AMI it chose, and re-reads after', async () => {
    ssm
      .on(GetParameterCommand, { Name: DLAMI_PARAMETER })
      .resolvesOnce({ Parameter: { Value: 'ami-0aaaaaaaaaaaaaaa1' } })
      .resolves({ Parameter: { Value: 'ami-0bbbbbbbbbbbbbbb2' } })
    let t = 0
    const log: string[] = []
    const r = resolver(() => t, log)
    const [a, b] = await Promise.all([r.resolve(), r.resolve()])
    expect(a).toEqual({ imageId: 'ami-0aaaaaaaaaaaaaaa1', source: `SSM ${DLAMI_PARAMETER}` })
    expect(b).toEqual(a)
    t = 5 * 3_600_000
    expect((await r.resolve()).imageId).toBe('ami-0aaaaaaaaaaaaaaa1')
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1)
    t = 7 * 3_600_000
    expect((await r.resolve()).imageId).toBe('ami-0bbbbbbbbbbbbbbb2')
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2)
    expect(log).toEqual([
      `aws eu-west-1: launches boot ami-0aaaaaaaaaaaaaaa1 (Deep Learning AMI, from SSM ${DLAMI_PARAMETER})`,
      `aws eu-west-1: launches boot ami-0bbbbbbbbbbbbbbb2 (Deep Learning AMI, from SSM ${DLAMI_PARAMETER})`
    ])
  })

  it('a region without the parameter is one line saying how to set an AMI', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }))
    const err = await resolver(() => 0)
      .resolve()
      .then(
        () => undefined,
        (e: unknown) => e
      )
    expect(err).toBeInstanceOf(ProviderError)
    expect((err as ProviderError).code).toBe('invalid-parameter')
    expect((err as ProviderError).message).toMatch(
      /^Resolving the Deep Learning AMI in eu-west-1 \(no AMI configured\) failed: no AMI configured, and eu-west-1 has no SSM parameter .*set --image-id/
    )
  })

  it('a value that is not an AMI id is refused, and a denied read names ssm:GetParameter', async () => {
    ssm.on(GetParameterCommand).resolvesOnce({ Parameter: { Value: 'nonsense' } })
    const bad = await resolver(() => 0)
      .resolve()
      .catch((e: unknown) => e)
    expect((bad as ProviderError).message).toContain('not an AMI id')
    ssm.on(GetParameterCommand).rejects(ec2Error('AccessDeniedException', 'denied'))
    const denied = await resolver(() => 0)
      .resolve()
      .catch((e: unknown) => e)
    expect((denied as ProviderError).code).toBe('unauthorized')
    expect((denied as ProviderError).message).toContain('ssm:GetParameter')
  })

  it('a launch without an AMI boots the resolved one; a configured AMI never asks SSM', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0ddddddddddddddd4' } })
    ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [G5_XLARGE] })
    ec2.on(DescribeImagesCommand).callsFake((input: { ImageIds?: string[] }) => ({
      Images: (input.ImageIds ?? []).map((ImageId) => ({ ImageId, RootDeviceName: '/dev/sda1' }))
    }))
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [] })
    ec2
      .on(RunInstancesCommand)
      .resolves({ Instances: [ec2Instance({ InstanceId: 'i-0aaaaaaaaaaaaaaa9' })] })
    const req = { instanceType: 'g5.xlarge', market: 'ondemand' as const, name: 'x' }
    await createAwsProvider({ region: 'us-east-1' }).launch(req)
    const input = ec2.commandCalls(RunInstancesCommand)[0].args[0].input
    expect(input.ImageId).toBe('ami-0ddddddddddddddd4')
    expect(input.BlockDeviceMappings?.[0].DeviceName).toBe('/dev/sda1')
    ssm.resetHistory()
    await createAwsProvider({
      region: 'us-east-1',
      launch: { imageId: 'ami-0eeeeeeeeeeeeeee5' }
    }).launch(req)
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0)
    expect(ec2.commandCalls(RunInstancesCommand)[1].args[0].input.ImageId).toBe(
      'ami-0eeeeeeeeeeeeeee5'
    )
  })
})
