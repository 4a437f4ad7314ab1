// CloudProvider for one AWS region. Every call goes through mapAwsErrors, so callers only ever see
// ProviderError; every method returns only after AWS accepted the whole operation.

import {
  CreateTagsCommand,
  DescribeImagesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeInstanceTypes,
  paginateDescribeInstances,
  paginateDescribeSpotInstanceRequests,
  paginateDescribeSpotPriceHistory,
  type _InstanceType,
  type EC2Client,
  type Filter,
  type Instance,
  type SpotInstanceRequest
} from '@aws-sdk/client-ec2'
import type { InterruptionEvent, ManagedInstance, SpotPricePoint } from '../../../shared/fleet'
import { ProviderError, isProviderError } from '../errors'
import {
  FLEET_TAG_KEY,
  type CloudProvider,
  type InstanceTypeInfo,
  type LaunchRequest,
  type SpotPriceQuery
} from '../types'
import {
  defaultEc2ClientFactory,
  ec2ClientConfig,
  effectiveProfile,
  type AwsClientOptions,
  type Ec2ClientFactory
} from './client'
import {
  ZONE_RETRY_CODES,
  awsErrorCode,
  mapAwsErrors,
  toProviderError,
  type AwsErrorContext
} from './errors'
import {
  eventFromInstanceState,
  eventFromSpotRequest,
  uniqueByInstanceAndKind
} from './interruptions'
import { SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm'
import { createAmiResolver, type AmiResolver } from './ami'
import { buildRunInstancesInput, validateLaunch, type AwsLaunchSettings } from './launch'
import { toInstanceTypeInfo, toManagedInstance } from './mapping'
import { APPROX_ON_DEMAND_USD_PER_HOUR, listedOnDemandPrice } from './pricing'
import { errorText } from '../../../shared/errors'

export interface AwsProviderOptions extends AwsClientOptions {
  /** value of the synkti:fleet tag (default 'synkti') */
  fleetTag?: string
  /** build the EC2 client yourself (tests, proxies); receives the config Synkti would use */
  clientFactory?: Ec2ClientFactory
  launch?: AwsLaunchSettings
  /** $/h per instance type; default: APPROX_ON_DEMAND_USD_PER_HOUR (approximate, us-east-1) */
  onDemandPrices?: Readonly<Record<string, number>>
  /** the live on-demand price (the Price List price book); undefined falls back to onDemandPrices */
  onDemandPriceOf?: (region: string, instanceType: string) => number | undefined
  /** how long a current spot price is reused before asking again (default 5 min) */
  spotPriceCacheMs?: number
  now?: () => number
  /** resolves the AMI when launch has neither imageId nor launchTemplate (default: the Deep Learning AMI from SSM) */
  amiResolver?: AmiResolver
  /** the public SSM parameter naming that AMI (default DLAMI_PARAMETER) */
  amiParameter?: string
  /** lines worth telling the operator (which AMI launches boot) */
  log?: (line: string) => void
}

export interface AwsProvider extends CloudProvider {
  readonly region: string
  readonly client: EC2Client
}

/** live (not terminated) states; EC2 keeps terminated instances visible for about an hour */
const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped']
/** EC2 accepts at most 200 values per filter */
const FILTER_VALUES_MAX = 200
const PRODUCT = 'Linux/UNIX'

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

function instancesOf(pages: { Reservations?: { Instances?: Instance[] }[] }[]): Instance[] {
  return pages.flatMap((p) => (p.Reservations ?? []).flatMap((r) => r.Instances ?? []))
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const page of pages) out.push(page)
  return out
}

export function createAwsProvider(opts: AwsProviderOptions): AwsProvider {
  const region = opts.region
  const fleetTag = opts.fleetTag ?? 'synkti'
  if (!fleetTag.trim())
    throw new ProviderError('invalid-parameter', 'AWS provider: fleetTag must not be empty')
  const client = (opts.clientFactory ?? defaultEc2ClientFactory)(ec2ClientConfig(opts))
  const now = opts.now ?? Date.now
  const table = opts.onDemandPrices ?? APPROX_ON_DEMAND_USD_PER_HOUR
  /** 0 when unknown: listings need a number, and the cockpit shows 0 as "n/a" */
  const listedPrice = (type: string): number =>
    opts.onDemandPriceOf?.(region, type) ?? listedOnDemandPrice(type, table)
  const spotCacheMs = opts.spotPriceCacheMs ?? 5 * 60_000
  const profile = effectiveProfile(opts.profile)
  const typeCache = new Map<string, InstanceTypeInfo>()
  const ami =
    opts.amiResolver ??
    createAmiResolver({
      // the same region, credentials and endpoint as EC2 (an emulator serves both)
      ssm: new SSMClient(ec2ClientConfig(opts) as SSMClientConfig),
      region,
      parameter: opts.amiParameter,
      profile,
      now,
      log: opts.log
    })
  const spotCache = new Map<string, { at: number; byZone: Map<string, number> }>()

  const ctx = (what: string, action: string): AwsErrorContext => ({ what, action, profile })
  const fleetFilter: Filter = { Name: `tag:${FLEET_TAG_KEY}`, Values: [fleetTag] }

  async function describeInstances(filters: Filter[], what: string): Promise<Instance[]> {
    return mapAwsErrors(ctx(what, 'ec2:DescribeInstances'), async () =>
      instancesOf(await collect(paginateDescribeInstances({ client }, { Filters: filters })))
    )
  }

  async function describeInstanceTypes(types: string[]): Promise<InstanceTypeInfo[]> {
    const wanted = [...new Set(types)]
    const missing = wanted.filter((t) => !typeCache.has(t))
    for (const batch of chunks(missing, 100)) {
      const what = `Describing instance types ${batch.join(', ')} in ${region}`
      await mapAwsErrors(ctx(what, 'ec2:DescribeInstanceTypes'), async () => {
        const input = { InstanceTypes: batch as _InstanceType[] }
        for await (const page of paginateDescribeInstanceTypes({ client }, input)) {
          for (const t of page.InstanceTypes ?? []) {
            const info = toInstanceTypeInfo(t)
            typeCache.set(info.instanceType, info)
          }
        }
      })
    }
    // types AWS does not know are simply absent, as with the API itself
    return wanted.flatMap((t) => (typeCache.has(t) ? [typeCache.get(t)!] : []))
  }

  async function spotPriceHistory(q: SpotPriceQuery): Promise<SpotPricePoint[]> {
    if (q.instanceTypes.length === 0) return []
    const what = `Reading spot prices for ${q.instanceTypes.join(', ')} in ${region}`
    return mapAwsErrors(ctx(what, 'ec2:DescribeSpotPriceHistory'), async () => {
      const pages = paginateDescribeSpotPriceHistory(
        { client },
        {
          InstanceTypes: q.instanceTypes as _InstanceType[],
          ProductDescriptions: [PRODUCT],
          StartTime: new Date(q.from),
          EndTime: new Date(q.to),
          ...(q.zones?.length ? { Filters: [{ Name: 'availability-zone', Values: q.zones }] } : {})
        }
      )
      const points: SpotPricePoint[] = []
      for await (const page of pages) {
        for (const p of page.SpotPriceHistory ?? []) {
          const price = Number(p.SpotPrice)
          if (!p.Timestamp || !Number.isFinite(price)) continue
          points.push({
            at: p.Timestamp.getTime(),
            region,
            zone: p.AvailabilityZone ?? '',
            instanceType: p.InstanceType ?? '',
            price
          })
        }
      }
      // the API returns newest first; charts and the simulator want time order
      return points.sort((a, b) => a.at - b.at || a.zone.localeCompare(b.zone))
    })
  }

  /** spot price in force now for each zone of each type, cached for spotCacheMs */
  async function currentSpotPrices(types: string[]): Promise<Map<string, Map<string, number>>> {
    const t = now()
    const stale = [...new Set(types)].filter((ty) => {
      const hit = spotCache.get(ty)
      return !hit || t - hit.at > spotCacheMs
    })
    if (stale.length > 0) {
      // a window ending now returns, per zone, the price in force at its start
      const points = await spotPriceHistory({ instanceTypes: stale, from: t, to: t })
      for (const ty of stale) spotCache.set(ty, { at: t, byZone: new Map() })
      for (const p of points) spotCache.get(p.instanceType)?.byZone.set(p.zone, p.price) // ascending: last wins
    }
    return new Map(types.map((ty) => [ty, spotCache.get(ty)?.byZone ?? new Map()]))
  }

  async function toManaged(list: Instance[], pricesBestEffort = false): Promise<ManagedInstance[]> {
    const types = [...new Set(list.map((i) => i.InstanceType ?? '').filter(Boolean))]
    const infos = new Map((await describeInstanceTypes(types)).map((i) => [i.instanceType, i]))
    const spotTypes = [
      ...new Set(
        list.filter((i) => i.InstanceLifecycle === 'spot').map((i) => i.InstanceType ?? '')
      )
    ]
    let spot = new Map<string, Map<string, number>>()
    try {
      if (spotTypes.length) spot = await currentSpotPrices(spotTypes)
    } catch (err) {
      // after a launch the instance exists: a missing price must not turn success into failure
      if (!pricesBestEffort) throw err
    }
    return list.map((i) =>
      toManagedInstance(i, {
        region,
        typeInfo: infos.get(i.InstanceType ?? ''),
        spotPrice: spot.get(i.InstanceType ?? '')?.get(i.Placement?.AvailabilityZone ?? ''),
        onDemandPrice: listedPrice(i.InstanceType ?? '')
      })
    )
  }

  async function listInstances(): Promise<ManagedInstance[]> {
    const list = await describeInstances(
      [fleetFilter, { Name: 'instance-state-name', Values: LIVE_STATES }],
      `Listing ${fleetTag} instances in ${region}`
    )
    return toManaged(list)
  }

  const rootDevices = new Map<string, string | undefined>()
  /** the AMI's root device name, so the volume size applies to the root disk rather than adding one */
  async function rootDeviceOf(imageId: string | undefined): Promise<string | undefined> {
    if (!imageId) return undefined
    if (!rootDevices.has(imageId)) {
      const what = `Reading the root device of AMI ${imageId} in ${region}`
      const out = await mapAwsErrors(ctx(what, 'ec2:DescribeImages'), () =>
        client.send(new DescribeImagesCommand({ ImageIds: [imageId] }))
      )
      const image = out.Images?.find((i) => i.ImageId === imageId)
      if (!image)
        throw new ProviderError('invalid-parameter', `${what} failed: AMI ${imageId} not found`)
      rootDevices.set(imageId, image.RootDeviceName)
    }
    return rootDevices.get(imageId)
  }

  /** the launch settings, with the Deep Learning AMI filled in when neither an AMI nor a template is set */
  async function launchSettings(): Promise<AwsLaunchSettings> {
    const settings = opts.launch ?? {}
    if (settings.imageId || settings.launchTemplate) return settings
    return { ...settings, imageId: (await ami.resolve()).imageId }
  }

  async function runOnce(
    req: LaunchRequest,
    settings: AwsLaunchSettings,
    zone: string | undefined,
    rootDevice: string | undefined
  ): Promise<Instance> {
    const input = buildRunInstancesInput(req, settings, fleetTag, zone, rootDevice)
    const out = await client.send(new RunInstancesCommand(input))
    const instance = out.Instances?.[0]
    if (!instance?.InstanceId) {
      throw new ProviderError(
        'unknown',
        `Launching ${req.instanceType} in ${zone ?? region} failed: RunInstances returned no instance`
      )
    }
    return instance
  }

  function dryRunOk(req: LaunchRequest, zone: string | undefined, cause: unknown): ProviderError {
    return new ProviderError(
      'dry-run-ok',
      `Dry run: launching ${req.instanceType} (${req.market}) in ${zone ?? region} would have succeeded; nothing was launched`,
      { cause, details: { zone } }
    )
  }

  async function launch(req: LaunchRequest): Promise<ManagedInstance> {
    const settings = await launchSettings()
    validateLaunch(req, settings)
    // resolve GPU info before launching: an unknown type fails here, not after money is spent
    const known = await describeInstanceTypes([req.instanceType]).catch((err: unknown) => {
      // EC2 names an unknown type either way: an empty answer, or InvalidInstanceType
      if (isProviderError(err) && err.details.awsCode === 'InvalidInstanceType') return []
      throw err
    })
    if (known.length === 0) {
      throw new ProviderError(
        'invalid-parameter',
        `Launching ${req.instanceType} failed: ${region} has no instance type ${req.instanceType}`
      )
    }
    const rootDevice = await rootDeviceOf(settings.imageId)
    const zones: (string | undefined)[] = req.zones?.length ? req.zones : [undefined]
    const misses: { zone: string; awsCode: string }[] = []
    for (const zone of zones) {
      let instance: Instance
      try {
        instance = await runOnce(req, settings, zone, rootDevice)
      } catch (err) {
        const awsCode = awsErrorCode(err) ?? ''
        if (awsCode === 'DryRunOperation') throw dryRunOk(req, zone, err)
        if (!ZONE_RETRY_CODES.has(awsCode)) {
          throw toProviderError(
            err,
            ctx(
              `Launching ${req.instanceType} (${req.market}) in ${zone ?? region}`,
              'ec2:RunInstances'
            )
          )
        }
        misses.push({ zone: zone ?? `${region} (any zone)`, awsCode })
        continue
      }
      // outside the try: once EC2 accepted, nothing may send us on to launch a second instance
      return describeLaunched(instance)
    }
    throw capacityError(req, misses)
  }

  /** the launched instance as a ManagedInstance; enrichment failures only cost precision, never the result */
  async function describeLaunched(instance: Instance): Promise<ManagedInstance> {
    try {
      return (await toManaged([instance], true))[0]
    } catch (error) {
      console.error(
        `aws: launched ${instance.InstanceId}, but describing it failed: ${errorText(error)}`
      )
      const type = instance.InstanceType ?? ''
      return toManagedInstance(instance, {
        region,
        typeInfo: typeCache.get(type),
        onDemandPrice: listedPrice(type)
      })
    }
  }

  function capacityError(
    req: LaunchRequest,
    misses: { zone: string; awsCode: string }[]
  ): ProviderError {
    const tried = misses.map((m) => `${m.zone} (${m.awsCode})`).join(', ')
    return new ProviderError(
      'capacity',
      `No ${req.market} capacity for ${req.instanceType} in ${tried}: try other zones or instance types${req.market === 'spot' ? ', or on-demand' : ''}`,
      { details: { zonesTried: misses.map((m) => m.zone), misses } }
    )
  }

  /** the instance, if it exists and carries this fleet's tag; otherwise a ProviderError */
  async function ownedInstance(instanceId: string, what: string): Promise<Instance> {
    const found = await describeInstances([{ Name: 'instance-id', Values: [instanceId] }], what)
    const instance = found.find((i) => i.InstanceId === instanceId)
    if (!instance) {
      throw new ProviderError(
        'not-found',
        `${what} failed: instance ${instanceId} not found in ${region}`
      )
    }
    const tag = instance.Tags?.find((t) => t.Key === FLEET_TAG_KEY)?.Value
    if (tag !== fleetTag) {
      throw new ProviderError(
        'not-owned',
        `${what} refused: instance ${instanceId} is not tagged ${FLEET_TAG_KEY}=${fleetTag}; Synkti only changes its own instances`,
        { details: { instanceId, fleetTagFound: tag ?? null } }
      )
    }
    return instance
  }

  async function terminate(instanceId: string): Promise<void> {
    const what = `Terminating ${instanceId} in ${region}`
    const instance = await ownedInstance(instanceId, what)
    if (instance.State?.Name === 'terminated') return // already gone: terminate is idempotent
    await mapAwsErrors(ctx(what, 'ec2:TerminateInstances'), () =>
      client.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }))
    )
  }

  async function tagInstance(instanceId: string, tags: Record<string, string>): Promise<void> {
    const what = `Tagging ${instanceId} in ${region}`
    if (FLEET_TAG_KEY in tags) {
      throw new ProviderError(
        'invalid-parameter',
        `${what} refused: the ${FLEET_TAG_KEY} tag marks ownership and cannot be changed`
      )
    }
    if (Object.keys(tags).length === 0) return
    await ownedInstance(instanceId, what)
    await mapAwsErrors(ctx(what, 'ec2:CreateTags'), () =>
      client.send(
        new CreateTagsCommand({
          Resources: [instanceId],
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
        })
      )
    )
  }

  async function spotRequests(ids: string[], what: string): Promise<SpotInstanceRequest[]> {
    return mapAwsErrors(ctx(what, 'ec2:DescribeSpotInstanceRequests'), async () => {
      const out: SpotInstanceRequest[] = []
      for (const batch of chunks(ids, FILTER_VALUES_MAX)) {
        // a filter (unlike SpotInstanceRequestIds) does not fail when a request has been purged
        const filters = [{ Name: 'spot-instance-request-id', Values: batch }]
        for await (const page of paginateDescribeSpotInstanceRequests(
          { client },
          { Filters: filters }
        )) {
          out.push(...(page.SpotInstanceRequests ?? []))
        }
      }
      return out
    })
  }

  async function interruptionStatus(instanceIds: string[]): Promise<InterruptionEvent[]> {
    if (instanceIds.length === 0) return []
    const what = `Checking interruption status in ${region}`
    const instances: Instance[] = []
    for (const batch of chunks([...new Set(instanceIds)], FILTER_VALUES_MAX)) {
      // only this fleet's; a filter (unlike InstanceIds) tolerates ids EC2 has forgotten
      instances.push(
        ...(await describeInstances([fleetFilter, { Name: 'instance-id', Values: batch }], what))
      )
    }
    const requestIds = instances.flatMap((i) =>
      i.SpotInstanceRequestId ? [i.SpotInstanceRequestId] : []
    )
    const requests = requestIds.length ? await spotRequests(requestIds, what) : []
    const observedAt = now()
    const events = [
      ...instances.map((i) => eventFromInstanceState(i, observedAt)),
      ...requests.map((r) => eventFromSpotRequest(r, observedAt))
    ].filter((e): e is InterruptionEvent => e !== null)
    return uniqueByInstanceAndKind(events)
  }

  return {
    name: 'aws',
    fleetTag,
    region,
    client,
    listInstances,
    launch,
    terminate,
    spotPriceHistory,
    describeInstanceTypes,
    interruptionStatus,
    tagInstance
  }
}
