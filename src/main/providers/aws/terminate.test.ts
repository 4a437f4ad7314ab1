import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  TerminateInstancesCommand
} from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { ProviderError } from '../errors'
import { createAwsProvider } from './provider'
import { ec2Instance } from '../../../../test/support/ec2-objects'

const ec2 = mockClient(EC2Client)
const provider = () => createAwsProvider({ region: 'us-east-1', fleetTag: 'synkti' })

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(ProviderError)
  return err as ProviderError
}

function describes(...instances: ReturnType<typeof ec2Instance>[]) {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: instances }] })
}

beforeEach(() => {
  ec2.reset()
  ec2.on(TerminateInstancesCommand).resolves({})
  ec2.on(CreateTagsCommand).resolves({})
})

describe('terminate', () => {
  it('refuses an instance of another fleet and never sends TerminateInstances', async () => {
    describes(
      ec2Instance({
        InstanceId: 'i-0bbbbbbbbbbbbbbb1',
        Tags: [{ Key: 'synkti:fleet', Value: 'someone-else' }]
      })
    )
    const err = await rejection(provider().terminate('i-0bbbbbbbbbbbbbbb1'))
    expect(err.code).toBe('not-owned')
    expect(err.message).toBe(
      'Terminating i-0bbbbbbbbbbbbbbb1 in us-east-1 refused: instance i-0bbbbbbbbbbbbbbb1 is not tagged synkti:fleet=synkti; Synkti only changes its own instances'
    )
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0)
  })

  it('refuses an untagged instance and never sends TerminateInstances', async () => {
    describes(
      ec2Instance({ InstanceId: 'i-0bbbbbbbbbbbbbbb2', Tags: [{ Key: 'Name', Value: 'prod-db' }] })
    )
    expect((await rejection(provider().terminate('i-0bbbbbbbbbbbbbbb2'))).code).toBe('not-owned')
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0)
  })

  it("reports 'not-found' for an id EC2 does not know, without terminating anything", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] })
    expect((await rejection(provider().terminate('i-0bbbbbbbbbbbbbbb3'))).code).toBe('not-found')
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0)
  })

  it('checks ownership by instance-id filter, then terminates exactly that instance', async () => {
    describes(ec2Instance({ InstanceId: 'i-0bbbbbbbbbbbbbbb4' }))
    await provider().terminate('i-0bbbbbbbbbbbbbbb4')
    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'instance-id', Values: ['i-0bbbbbbbbbbbbbbb4'] }
    ])
    const calls = ec2.commandCalls(TerminateInstancesCommand)
    expect(calls).toHaveLength(1)
    expect(calls[0].args[0].input).toEqual({ InstanceIds: ['i-0bbbbbbbbbbbbbbb4'] })
  })

  it('is idempotent for an owned instance that is already terminated', async () => {
    describes(
      ec2Instance({ InstanceId: 'i-0bbbbbbbbbbbbbbb5', State: { Name: 'terminated', Code: 48 } })
    )
    await provider().terminate('i-0bbbbbbbbbbbbbbb5')
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0)
  })
})

describe('tagInstance', () => {
  it('tags an owned instance', async () => {
    describes(ec2Instance({ InstanceId: 'i-0bbbbbbbbbbbbbbb6' }))
    await provider().tagInstance('i-0bbbbbbbbbbbbbbb6', { 'synkti:model': 'qwen-14b' })
    expect(ec2.commandCalls(CreateTagsCommand)[0].args[0].input).toEqual({
      Resources: ['i-0bbbbbbbbbbbbbbb6'],
      Tags: [{ Key: 'synkti:model', Value: 'qwen-14b' }]
    })
  })

  it('refuses other fleets and any change to the fleet tag itself', async () => {
    describes(ec2Instance({ InstanceId: 'i-0bbbbbbbbbbbbbbb7', Tags: [] }))
    expect((await rejection(provider().tagInstance('i-0bbbbbbbbbbbbbbb7', { a: 'b' }))).code).toBe(
      'not-owned'
    )
    const adopt = await rejection(
      provider().tagInstance('i-0bbbbbbbbbbbbbbb7', { 'synkti:fleet': 'synkti' })
    )
    expect(adopt.code).toBe('invalid-parameter')
    expect(ec2.commandCalls(CreateTagsCommand)).toHaveLength(0)
  })
})
