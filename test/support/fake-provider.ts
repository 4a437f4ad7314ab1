// In-memory CloudProvider for tests: follows the contract in providers/types.ts (zones tried in
// order, 'capacity' naming every zone tried, fleet-tag ownership, dry runs), with scripted
// capacity failures and instances that boot on the injected clock.
import type {
  CapacityMarket,
  InterruptionEvent,
  ManagedInstance,
  SpotPricePoint
} from '../../src/shared/fleet'
import type { Clock } from '../../src/main/clock'
import { ProviderError } from '../../src/main/providers/errors'
import {
  FLEET_TAG_KEY,
  MODEL_TAG_KEY,
  type CloudProvider,
  type InstanceTypeInfo,
  type LaunchRequest,
  type SpotPriceQuery
} from '../../src/main/providers/types'

export interface FakeInstanceType {
  gpus: number
  gpuMemoryGiB: number
  spotPricePerHour: number
  onDemandPricePerHour: number
}

export const FAKE_CATALOG: Record<string, FakeInstanceType> = {
  'g5.xlarge': { gpus: 1, gpuMemoryGiB: 24, spotPricePerHour: 0.45, onDemandPricePerHour: 1.01 },
  'g5.12xlarge': { gpus: 4, gpuMemoryGiB: 24, spotPricePerHour: 2.1, onDemandPricePerHour: 5.67 },
  'g6e.xlarge': { gpus: 1, gpuMemoryGiB: 48, spotPricePerHour: 0.9, onDemandPricePerHour: 1.86 }
}

/** Which launch attempts fail for lack of capacity; absent fields match anything. */
export interface CapacityFailure {
  market?: CapacityMarket
  zone?: string
  instanceType?: string
  /** how many attempts it fails before capacity comes back; default forever */
  times?: number
}

export interface FakeProviderOptions {
  clock: Clock
  region?: string
  zones?: string[]
  fleetTag?: string
  catalog?: Record<string, FakeInstanceType>
  /** a launched instance is 'pending' this long, then 'running'; default 60 s */
  bootMs?: number
}

export class FakeProvider implements CloudProvider {
  readonly name = 'sandbox' as const
  readonly fleetTag: string
  readonly region: string
  readonly zones: string[]
  /** every launch request, including failed ones, in order */
  readonly launchRequests: LaunchRequest[] = []
  /** every (zone, market) attempt the provider made, with what happened */
  readonly attempts: { zone: string; market: CapacityMarket; instanceType: string; ok: boolean }[] =
    []
  readonly terminated: string[] = []
  readonly notices: InterruptionEvent[] = []
  bootMs: number
  private readonly clock: Clock
  private readonly catalog: Record<string, FakeInstanceType>
  private readonly instances = new Map<string, ManagedInstance>()
  private readonly failures: CapacityFailure[] = []
  private readonly launchedIds: string[] = []
  private seq = 0

  constructor(o: FakeProviderOptions) {
    this.clock = o.clock
    this.region = o.region ?? 'us-east-1'
    this.zones = o.zones ?? ['us-east-1a', 'us-east-1b', 'us-east-1c']
    this.fleetTag = o.fleetTag ?? 'synkti-test'
    this.catalog = o.catalog ?? FAKE_CATALOG
    this.bootMs = o.bootMs ?? 60_000
  }

  /** Seed an instance (running, this fleet's, priced from the catalog unless overridden). */
  add(over: Partial<ManagedInstance> & { id: string }): ManagedInstance {
    const type = this.type(over.instanceType ?? 'g5.xlarge')
    const market = over.market ?? 'spot'
    const instance: ManagedInstance = {
      name: over.id,
      provider: 'sandbox',
      region: this.region,
      zone: this.zones[0],
      instanceType: 'g5.xlarge',
      market,
      state: 'running',
      gpus: type.gpus,
      gpuMemoryGiB: type.gpuMemoryGiB,
      pricePerHour: market === 'spot' ? type.spotPricePerHour : type.onDemandPricePerHour,
      onDemandPricePerHour: type.onDemandPricePerHour,
      launchedAt: this.clock.now(),
      ...over,
      tags: { [FLEET_TAG_KEY]: this.fleetTag, ...over.tags }
    }
    this.instances.set(instance.id, instance)
    return { ...instance }
  }

  failCapacity(f: CapacityFailure): void {
    this.failures.push({ ...f })
  }

  setState(id: string, state: ManagedInstance['state']): void {
    const i = this.mustGet(id)
    this.instances.set(id, { ...i, state })
  }

  get(id: string): ManagedInstance | undefined {
    const i = this.instances.get(id)
    return i && { ...this.boot(i), tags: { ...i.tags } }
  }

  /** launches the cloud accepted (not failed attempts) */
  get launched(): ManagedInstance[] {
    return this.launchedIds.map((id) => this.get(id) as ManagedInstance)
  }

  async listInstances(): Promise<ManagedInstance[]> {
    await Promise.resolve()
    return [...this.instances.values()]
      .filter((i) => i.state !== 'terminated' && i.tags[FLEET_TAG_KEY] === this.fleetTag)
      .map((i) => ({ ...this.boot(i), tags: { ...i.tags } }))
  }

  async launch(req: LaunchRequest): Promise<ManagedInstance> {
    await Promise.resolve()
    this.launchRequests.push({ ...req, zones: req.zones && [...req.zones] })
    const type = this.catalog[req.instanceType]
    if (!type)
      throw new ProviderError(
        'invalid-parameter',
        `Launching ${req.instanceType} failed: unknown instance type`
      )
    const zones = req.zones?.length ? req.zones : this.zones
    const tried: string[] = []
    for (const zone of zones) {
      const ok = !this.consumeFailure(req, zone)
      if (!req.dryRun)
        this.attempts.push({ zone, market: req.market, instanceType: req.instanceType, ok })
      if (!ok) {
        tried.push(zone)
        continue
      }
      if (req.dryRun)
        throw new ProviderError(
          'dry-run-ok',
          `Dry run: launching ${req.instanceType} in ${zone} would have succeeded`
        )
      return this.create(req, type, zone)
    }
    throw new ProviderError(
      'capacity',
      `No ${req.market} capacity for ${req.instanceType} in ${tried.join(', ')}: try other zones or instance types${req.market === 'spot' ? ', or on-demand' : ''}`,
      { details: { zonesTried: tried } }
    )
  }

  async terminate(instanceId: string): Promise<void> {
    await Promise.resolve()
    const i = this.owned(instanceId, 'Terminating')
    if (i.state === 'terminated') return
    this.instances.set(instanceId, { ...i, state: 'terminated', terminatedAt: this.clock.now() })
    this.terminated.push(instanceId)
  }

  async spotPriceHistory(q: SpotPriceQuery): Promise<SpotPricePoint[]> {
    const zones = q.zones ?? this.zones
    return q.instanceTypes.flatMap((t) =>
      zones.map((zone) => ({
        at: q.from,
        region: this.region,
        zone,
        instanceType: t,
        price: this.type(t).spotPricePerHour
      }))
    )
  }

  async describeInstanceTypes(types: string[]): Promise<InstanceTypeInfo[]> {
    return types.map((t) => {
      const x = this.type(t)
      return {
        instanceType: t,
        gpus: x.gpus,
        gpuModel: 'NVIDIA A10G',
        gpuMemoryGiB: x.gpuMemoryGiB,
        totalGpuMemoryGiB: x.gpus * x.gpuMemoryGiB,
        vcpus: 4 * x.gpus,
        memoryGiB: 16 * x.gpus,
        network: 'Up to 25 Gigabit'
      }
    })
  }

  async interruptionStatus(instanceIds: string[]): Promise<InterruptionEvent[]> {
    return this.notices.filter((n) => instanceIds.includes(n.instanceId))
  }

  async tagInstance(instanceId: string, tags: Record<string, string>): Promise<void> {
    await Promise.resolve()
    if (FLEET_TAG_KEY in tags)
      throw new ProviderError('invalid-parameter', `the ${FLEET_TAG_KEY} tag cannot be changed`)
    const i = this.owned(instanceId, 'Tagging')
    this.instances.set(instanceId, { ...i, tags: { ...i.tags, ...tags } })
  }

  private create(req: LaunchRequest, type: FakeInstanceType, zone: string): ManagedInstance {
    const id = `i-fake${String(++this.seq).padStart(4, '0')}`
    const tags: Record<string, string> = {
      ...req.tags,
      [FLEET_TAG_KEY]: this.fleetTag,
      Name: req.name
    }
    if (req.model) tags[MODEL_TAG_KEY] = req.model
    const instance: ManagedInstance = {
      id,
      name: req.name,
      provider: 'sandbox',
      region: this.region,
      zone,
      instanceType: req.instanceType,
      market: req.market,
      state: 'pending',
      gpus: type.gpus,
      gpuMemoryGiB: type.gpuMemoryGiB,
      pricePerHour: req.market === 'spot' ? type.spotPricePerHour : type.onDemandPricePerHour,
      onDemandPricePerHour: type.onDemandPricePerHour,
      launchedAt: this.clock.now(),
      tags,
      ...(req.model ? { model: req.model } : {})
    }
    this.instances.set(id, instance)
    this.launchedIds.push(id)
    return { ...instance, tags: { ...tags } }
  }

  /** pending -> running once bootMs has passed on the clock */
  private boot(i: ManagedInstance): ManagedInstance {
    if (i.state !== 'pending' || this.clock.now() < i.launchedAt + this.bootMs) return i
    const running = { ...i, state: 'running' as const }
    this.instances.set(i.id, running)
    return running
  }

  private consumeFailure(req: LaunchRequest, zone: string): boolean {
    const f = this.failures.find(
      (x) =>
        (x.market === undefined || x.market === req.market) &&
        (x.zone === undefined || x.zone === zone) &&
        (x.instanceType === undefined || x.instanceType === req.instanceType) &&
        (x.times === undefined || x.times > 0)
    )
    if (!f) return false
    if (f.times !== undefined && !req.dryRun) f.times--
    return true
  }

  private type(name: string): FakeInstanceType {
    const t = this.catalog[name]
    if (!t) throw new ProviderError('invalid-parameter', `unknown instance type ${name}`)
    return t
  }

  private mustGet(id: string): ManagedInstance {
    const i = this.instances.get(id)
    if (!i) throw new ProviderError('not-found', `instance ${id} not found`)
    return i
  }

  private owned(id: string, what: string): ManagedInstance {
    const i = this.mustGet(id)
    if (i.tags[FLEET_TAG_KEY] !== this.fleetTag) {
      throw new ProviderError(
        'not-owned',
        `${what} ${id} refused: not tagged ${FLEET_TAG_KEY}=${this.fleetTag}`
      )
    }
    return i
  }
}

export function createFakeProvider(options: FakeProviderOptions): FakeProvider {
  return new FakeProvider(options)
}
