import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ProviderError } from '../errors'
import { classifyAwsCode, toProviderError } from './errors'
import { createAwsProvider } from './provider'
import { ec2Error } from '../../../../test/support/ec2-objects'

const ec2 = mockClient(EC2Client)

/** what the credential chain throws (class name from @smithy/core's property provider) */
function credentialsError(message: string): Error {
  return Object.assign(new Error(message), { name: 'CredentialsProviderError', tryNextLink: false })
}

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(ProviderError)
  return err as ProviderError
}

beforeEach(() => ec2.reset())
afterEach(() => vi.unstubAllEnvs())

describe('AWS error mapping through the provider', () => {
  it('credentials, named profile: tells the user to log in to that profile', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(
        credentialsError(
          'The SSO session token associated with profile=gpu-lab was not found or is invalid.'
        )
      )
    const err = await rejection(
      createAwsProvider({ region: 'eu-west-1', profile: 'gpu-lab' }).listInstances()
    )
    expect(err.code).toBe('credentials')
    expect(err.message).toBe(
      "Listing synkti instances in eu-west-1 failed: AWS credentials not found for profile 'gpu-lab': run `aws sso login --profile gpu-lab` or set AWS_PROFILE"
    )
    expect(err.cause).toBeInstanceOf(Error)
  })

  it('credentials, default chain: uses AWS_PROFILE when set, generic advice otherwise', async () => {
    vi.stubEnv('AWS_PROFILE', 'team')
    ec2
      .on(DescribeInstancesCommand)
      .rejects(ec2Error('ExpiredToken', 'The security token included in the request is expired'))
    expect(
      (await rejection(createAwsProvider({ region: 'us-east-1' }).listInstances())).message
    ).toBe(
      "Listing synkti instances in us-east-1 failed: AWS credentials for profile 'team' have expired (ExpiredToken): run `aws sso login --profile team` or refresh them"
    )
    vi.stubEnv('AWS_PROFILE', '')
    ec2
      .on(DescribeInstancesCommand)
      .rejects(
        ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials')
      )
    const err = await rejection(createAwsProvider({ region: 'us-east-1' }).listInstances())
    expect(err.code).toBe('credentials')
    expect(err.message).toBe(
      'Listing synkti instances in us-east-1 failed: AWS rejected the credentials (default credential chain) (AuthFailure): the access key is wrong, deleted or for another partition; check `aws sts get-caller-identity`'
    )
    ec2
      .on(DescribeInstancesCommand)
      .rejects(credentialsError('Could not load credentials from any providers'))
    expect(
      (await rejection(createAwsProvider({ region: 'us-east-1' }).listInstances())).message
    ).toBe(
      'Listing synkti instances in us-east-1 failed: AWS credentials not found (default credential chain): run `aws configure` or `aws sso login`, or set AWS_PROFILE'
    )
  })

  it('unauthorized: names the IAM action and how to decode the message', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(
        ec2Error(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation. Encoded authorization failure message: AbC-123_xyz'
        )
      )
    const err = await rejection(
      createAwsProvider({ region: 'us-east-1' }).terminate('i-0123456789abcdef0')
    )
    expect(err.code).toBe('unauthorized')
    expect(err.message).toBe(
      'Terminating i-0123456789abcdef0 in us-east-1 failed: not authorized to perform ec2:DescribeInstances (UnauthorizedOperation): add it to the IAM policy (see FLEET_IAM_POLICY); see why with `aws sts decode-authorization-message --encoded-message <details.encodedMessage>`'
    )
    expect(err.details).toMatchObject({
      awsCode: 'UnauthorizedOperation',
      action: 'ec2:DescribeInstances',
      encodedMessage: 'AbC-123_xyz'
    })
  })

  it('throttled: RequestLimitExceeded that survived the SDK retries', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 6))
    const err = await rejection(createAwsProvider({ region: 'us-east-1' }).listInstances())
    expect(err.code).toBe('throttled')
    expect(err.message).toBe(
      'Listing synkti instances in us-east-1 failed: AWS throttled ec2:DescribeInstances (RequestLimitExceeded) after 6 attempts: wait a minute, or poll less often'
    )
  })
})

describe('classifyAwsCode', () => {
  it.each([
    ['InvalidParameterValue', 'invalid-parameter'],
    ['InvalidParameterCombination', 'invalid-parameter'],
    ['InvalidAMIID.Malformed', 'invalid-parameter'],
    ['InvalidAMIID.NotFound', 'invalid-parameter'],
    ['InvalidInstanceID.NotFound', 'not-found'],
    ['InsufficientInstanceCapacity', 'capacity'],
    ['VcpuLimitExceeded', 'capacity'],
    ['DryRunOperation', 'dry-run-ok'],
    ['TokenProviderError', 'credentials'],
    ['Throttling', 'throttled'],
    ['Unsupported', 'invalid-parameter'],
    ['InternalError', 'unknown']
  ])('%s -> %s', (code, expected) => {
    expect(classifyAwsCode(code)).toBe(expected)
  })

  it('keeps messages on one line and passes ProviderErrors through', () => {
    const mapped = toProviderError(ec2Error('InternalError', 'line one\n  line two'), {
      what: 'Doing X',
      action: 'ec2:X'
    })
    expect(mapped.message).toBe('Doing X failed: InternalError: line one line two')
    expect(toProviderError(mapped, { what: 'Other', action: 'ec2:Y' })).toBe(mapped)
  })

  it('says when AWS could not be reached at all', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), {
      code: 'ECONNREFUSED'
    })
    const mapped = toProviderError(refused, { what: 'Listing', action: 'ec2:DescribeInstances' })
    expect(mapped.code).toBe('unknown')
    expect(mapped.message).toContain('cannot reach the AWS endpoint (ECONNREFUSED')
  })
})
