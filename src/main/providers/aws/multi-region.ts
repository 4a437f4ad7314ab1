// One CloudProvider over several regions: reads fan out, writes go to the region that owns the
// instance (remembered from listInstances/launch, otherwise asked region by region).

import type { InterruptionEvent, ManagedInstance, SpotPricePoint } from '../../../shared/fleet'
import { ProviderError, isProviderError } from '../errors'
import type { CloudProvider, InstanceTypeInfo, LaunchRequest, SpotPriceQuery } from '../types'
import { createAwsProvider, type AwsProvider, type AwsProviderOptions } from './provider'

export interface MultiRegionProvider extends CloudProvider {
  readonly regions: readonly string[]
  readonly providers: ReadonlyMap<string, AwsProvider>
}

/** 'us-east-1a' -> 'us-east-1'; local zones ('us-west-2-lax-1a') too: the longest known prefix wins */
export function regionOfZone(zone: string, regions: readonly string[]): string | undefined {
  return regions
    .filter((r) => zone.startsWith(r) && zone.length > r.length)
    .sort((a, b) => b.length - a.length)[0]
}

function groupZones(zones: string[], regions: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const z of zones) {
    const r = regionOfZone(z, regions)
    if (!r)
      throw new ProviderError(
        'invalid-parameter',
        `Zone ${z} is in none of the configured regions (${regions.join(', ')})`
      )
    out.set(r, [...(out.get(r) ?? []), z])
  }
  return out
}

export function createMultiRegionProvider(
  regions: string[],
  opts: Omit<AwsProviderOptions, 'region'> = {}
): MultiRegionProvider {
  if (regions.length === 0)
    throw new ProviderError('invalid-parameter', 'AWS provider: at least one region is needed')
  const providers = new Map(
    regions.map((region) => [region, createAwsProvider({ ...opts, region })])
  )
  const home = new Map<string, string>() // instance id -> region
  const fleetTag = providers.get(regions[0])!.fleetTag
  const remember = (list: ManagedInstance[]): ManagedInstance[] => {
    for (const i of list) home.set(i.id, i.region)
    return list
  }

  async function listInstances(): Promise<ManagedInstance[]> {
    const all = await Promise.all([...providers.values()].map((p) => p.listInstances()))
    return remember(all.flat())
  }

  async function launch(req: LaunchRequest): Promise<ManagedInstance> {
    if (!req.zones?.length) return remember([await providers.get(regions[0])!.launch(req)])[0]
    const zonesTried: string[] = []
    // regions in the order their first zone appears in the caller's preference list
    for (const [region, zones] of groupZones(req.zones, regions)) {
      try {
        return remember([await providers.get(region)!.launch({ ...req, zones })])[0]
      } catch (err) {
        if (!isProviderError(err, 'capacity')) throw err
        zonesTried.push(...((err.details.zonesTried as string[] | undefined) ?? zones))
      }
    }
    throw new ProviderError(
      'capacity',
      `No ${req.market} capacity for ${req.instanceType} in ${zonesTried.join(', ')}: try other zones or instance types${req.market === 'spot' ? ', or on-demand' : ''}`,
      { details: { zonesTried } }
    )
  }

  /** run on the instance's region; unknown: try each region until one does not say not-found */
  async function onOwner<T>(instanceId: string, call: (p: AwsProvider) => Promise<T>): Promise<T> {
    const known = home.get(instanceId)
    if (known) return call(providers.get(known)!)
    let lastNotFound: unknown
    for (const p of providers.values()) {
      try {
        const out = await call(p)
        home.set(instanceId, p.region)
        return out
      } catch (err) {
        if (!isProviderError(err, 'not-found')) throw err
        lastNotFound = err
      }
    }
    throw lastNotFound
  }

  async function interruptionStatus(instanceIds: string[]): Promise<InterruptionEvent[]> {
    const byRegion = new Map<string, string[]>()
    const unknown = instanceIds.filter((id) => !home.has(id))
    for (const r of regions) {
      const ids = instanceIds.filter((id) => home.get(id) === r)
      byRegion.set(r, [...ids, ...unknown])
    }
    const results = await Promise.all(
      [...byRegion].map(([r, ids]) => providers.get(r)!.interruptionStatus(ids))
    )
    return results.flat()
  }

  async function spotPriceHistory(q: SpotPriceQuery): Promise<SpotPricePoint[]> {
    const targets = q.zones?.length
      ? [...groupZones(q.zones, regions)].map(([r, zones]) => ({ r, q: { ...q, zones } }))
      : regions.map((r) => ({ r, q }))
    const results = await Promise.all(targets.map((t) => providers.get(t.r)!.spotPriceHistory(t.q)))
    return results.flat().sort((a, b) => a.at - b.at)
  }

  return {
    name: 'aws',
    fleetTag,
    regions,
    providers,
    listInstances,
    launch,
    terminate: (id) => onOwner(id, (p) => p.terminate(id)),
    tagInstance: (id, tags) => onOwner(id, (p) => p.tagInstance(id, tags)),
    interruptionStatus,
    spotPriceHistory,
    // instance type specs are the same in every region that offers the type
    describeInstanceTypes: (types): Promise<InstanceTypeInfo[]> =>
      providers.get(regions[0])!.describeInstanceTypes(types)
  }
}
