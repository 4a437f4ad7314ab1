// The whole SDK stack (no client mock) against a local HTTP server speaking the EC2 Query/XML protocol:
// proves endpoint configuration, adaptive retries and error decoding as they really happen.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ProviderError } from '../errors'
import { createAwsProvider } from './provider'

const NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"'
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }

const DESCRIBE_INSTANCES = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse ${NS}><requestId>req-1</requestId><reservationSet><item>
  <reservationId>r-0123</reservationId><ownerId>123456789012</ownerId><instancesSet><item>
    <instanceId>i-0123456789abcdef0</instanceId><instanceType>g5.xlarge</instanceType>
    <instanceState><code>16</code><name>running</name></instanceState>
    <placement><availabilityZone>us-east-1c</availabilityZone></placement>
    <launchTime>2025-03-01T10:00:00.000Z</launchTime>
    <tagSet><item><key>synkti:fleet</key><value>synkti</value></item><item><key>Name</key><value>w1</value></item></tagSet>
  </item></instancesSet>
</item></reservationSet></DescribeInstancesResponse>`

const DESCRIBE_TYPES = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstanceTypesResponse ${NS}><requestId>req-2</requestId><instanceTypeSet><item>
  <instanceType>g5.xlarge</instanceType><vCpuInfo><defaultVCpus>4</defaultVCpus></vCpuInfo>
  <memoryInfo><sizeInMiB>16384</sizeInMiB></memoryInfo>
  <networkInfo><networkPerformance>Up to 10 Gigabit</networkPerformance></networkInfo>
  <gpuInfo><gpus><item><name>A10G</name><manufacturer>NVIDIA</manufacturer><count>1</count>
    <memoryInfo><sizeInMiB>24576</sizeInMiB></memoryInfo></item></gpus>
    <totalGpuMemoryInMiB>24576</totalGpuMemoryInMiB></gpuInfo>
</item></instanceTypeSet></DescribeInstanceTypesResponse>`

const errorXml = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-e</RequestID></Response>`

const DESCRIBE_IMAGES = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeImagesResponse ${NS}><requestId>req-3</requestId><imagesSet><item>
<imageId>ami-1</imageId><rootDeviceName>/dev/sda1</rootDeviceName></item></imagesSet></DescribeImagesResponse>`

type Reply = { status: number; body: string }
let reply: (action: string) => Reply = () => ({ status: 500, body: '' })
const seen: { server: string; body: URLSearchParams }[] = []

function startServer(name: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const params = new URLSearchParams(body)
      seen.push({ server: name, body: params })
      const r = reply(params.get('Action') ?? '')
      res.writeHead(r.status, { 'content-type': 'text/xml' })
      res.end(r.body)
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
    )
  )
}

let envServer: { server: Server; url: string }
let explicitServer: { server: Server; url: string }

beforeAll(async () => {
  envServer = await startServer('env')
  explicitServer = await startServer('explicit')
})
afterAll(() => {
  envServer.server.close()
  explicitServer.server.close()
})
afterEach(() => {
  vi.unstubAllEnvs()
  seen.length = 0
})

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(ProviderError)
  return err as ProviderError
}

describe('AWS SDK configuration, end to end over HTTP', () => {
  it('honours AWS_ENDPOINT_URL_EC2 and decodes a real DescribeInstances/DescribeInstanceTypes answer', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_EC2', envServer.url)
    reply = (action) => ({
      status: 200,
      body: action === 'DescribeInstances' ? DESCRIBE_INSTANCES : DESCRIBE_TYPES
    })
    const list = await createAwsProvider({ region: 'us-east-1', credentials }).listInstances()
    expect(seen.map((s) => [s.server, s.body.get('Action')])).toEqual([
      ['env', 'DescribeInstances'],
      ['env', 'DescribeInstanceTypes']
    ])
    expect(seen[0].body.get('Filter.1.Name')).toBe('tag:synkti:fleet')
    expect(seen[0].body.get('Filter.1.Value.1')).toBe('synkti')
    expect(list).toEqual([
      expect.objectContaining({
        id: 'i-0123456789abcdef0',
        name: 'w1',
        zone: 'us-east-1c',
        gpus: 1,
        gpuMemoryGiB: 24,
        market: 'ondemand'
      })
    ])
  })

  it('an explicit endpoint option wins over the environment', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_EC2', envServer.url)
    reply = () => ({
      status: 200,
      body: `<DescribeInstancesResponse ${NS}><requestId>x</requestId><reservationSet/></DescribeInstancesResponse>`
    })
    await createAwsProvider({
      region: 'us-east-1',
      credentials,
      endpoint: explicitServer.url
    }).listInstances()
    expect(seen.map((s) => s.server)).toEqual(['explicit'])
  })

  it("retries RequestLimitExceeded (adaptive mode) up to maxAttempts, then reports 'throttled'", async () => {
    reply = () => ({
      status: 503,
      body: errorXml('RequestLimitExceeded', 'Request limit exceeded.')
    })
    const p = createAwsProvider({
      region: 'us-east-1',
      credentials,
      endpoint: envServer.url,
      maxAttempts: 2
    })
    const err = await rejection(p.listInstances())
    expect(seen).toHaveLength(2)
    expect(err.code).toBe('throttled')
    expect(err.message).toContain('after 2 attempts')
  })

  it("decodes DryRunOperation as 'dry-run-ok' and sends DryRun=true with base64 user data", async () => {
    reply = (action) =>
      action === 'RunInstances'
        ? {
            status: 412,
            body: errorXml(
              'DryRunOperation',
              'Request would have succeeded, but DryRun flag is set.'
            )
          }
        : action === 'DescribeImages'
          ? { status: 200, body: DESCRIBE_IMAGES }
          : { status: 200, body: DESCRIBE_TYPES }
    const p = createAwsProvider({
      region: 'us-east-1',
      credentials,
      endpoint: envServer.url,
      launch: { imageId: 'ami-1' }
    })
    const err = await rejection(
      p.launch({
        instanceType: 'g5.xlarge',
        market: 'spot',
        zones: ['us-east-1a'],
        name: 'n',
        userData: 'echo hi',
        dryRun: true
      })
    )
    expect(err.code).toBe('dry-run-ok')
    const run = seen.find((s) => s.body.get('Action') === 'RunInstances')!.body
    expect(run.get('DryRun')).toBe('true')
    expect(run.get('UserData')).toBe(Buffer.from('echo hi').toString('base64'))
    expect(run.get('InstanceMarketOptions.MarketType')).toBe('spot')
    expect(run.get('TagSpecification.1.ResourceType')).toBe('instance')
    expect(run.get('TagSpecification.2.ResourceType')).toBe('volume')
    expect(run.get('MetadataOptions.HttpTokens')).toBe('required')
    expect(run.get('MetadataOptions.HttpPutResponseHopLimit')).toBe('2')
    expect(run.get('BlockDeviceMapping.1.DeviceName')).toBe('/dev/sda1')
    expect(run.get('BlockDeviceMapping.1.Ebs.VolumeSize')).toBe('200')
  })

  it("decodes UnauthorizedOperation with its encoded message as 'unauthorized'", async () => {
    reply = () => ({
      status: 403,
      body: errorXml(
        'UnauthorizedOperation',
        'You are not authorized to perform this operation. Encoded authorization failure message: ENC123'
      )
    })
    const p = createAwsProvider({ region: 'us-east-1', credentials, endpoint: envServer.url })
    const err = await rejection(p.listInstances())
    expect(err.code).toBe('unauthorized')
    expect(err.details.encodedMessage).toBe('ENC123')
  })
})
