// Pure conversions from EC2 API shapes to Synkti's. No I/O here, so every rule is unit-testable.

import type { Instance, InstanceTypeInfo as Ec2InstanceTypeInfo, Tag } from '@aws-sdk/client-ec2'
import type { InstanceState, ManagedInstance } from '../../../shared/fleet'
import { MODEL_TAG_KEY, type InstanceTypeInfo } from '../types'

const MIB_PER_GIB = 1024

export function tagsToRecord(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? ''
  return out
}

export function recordToTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
}

/** EC2 has no 'draining' (that is the engine's); 'shutting-down' is on its way to terminated */
export function mapState(name: string | undefined): InstanceState {
  switch (name) {
    case 'pending':
    case 'running':
    case 'stopping':
    case 'stopped':
    case 'terminated':
      return name
    case 'shutting-down':
      return 'stopping'
    default:
      return 'pending'
  }
}

export function toInstanceTypeInfo(t: Ec2InstanceTypeInfo): InstanceTypeInfo {
  const devices = t.GpuInfo?.Gpus ?? []
  const gpus = devices.reduce((n, d) => n + (d.Count ?? 0), 0)
  const first = devices[0]
  const totalMiB =
    t.GpuInfo?.TotalGpuMemoryInMiB ??
    devices.reduce((n, d) => n + (d.Count ?? 0) * (d.MemoryInfo?.SizeInMiB ?? 0), 0)
  // MemoryInfo is per device; fall back to an even split of the total when it is missing
  const perGpuMiB = first?.MemoryInfo?.SizeInMiB ?? (gpus > 0 ? totalMiB / gpus : 0)
  return {
    instanceType: t.InstanceType ?? '',
    gpus,
    ...(first ? { gpuModel: [first.Manufacturer, first.Name].filter(Boolean).join(' ') } : {}),
    gpuMemoryGiB: perGpuMiB / MIB_PER_GIB,
    totalGpuMemoryGiB: totalMiB / MIB_PER_GIB,
    vcpus: t.VCpuInfo?.DefaultVCpus ?? 0,
    memoryGiB: (t.MemoryInfo?.SizeInMiB ?? 0) / MIB_PER_GIB,
    network: t.NetworkInfo?.NetworkPerformance ?? ''
  }
}

/** "User initiated (2024-05-01 10:00:00 GMT)" -> ms; EC2 only exposes the time in this text */
export function parseTransitionTime(reason: string | undefined): number | undefined {
  const m = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) GMT\)/.exec(reason ?? '')
  if (!m) return undefined
  const t = Date.parse(`${m[1]}T${m[2]}Z`)
  return Number.isFinite(t) ? t : undefined
}

export interface InstanceContext {
  region: string
  typeInfo?: InstanceTypeInfo
  /** spot price in force for (type, zone), when known */
  spotPrice?: number
  onDemandPrice: number
}

export function toManagedInstance(i: Instance, ctx: InstanceContext): ManagedInstance {
  const tags = tagsToRecord(i.Tags)
  const market = i.InstanceLifecycle === 'spot' ? 'spot' : 'ondemand'
  const state = mapState(i.State?.Name)
  const terminatedAt =
    state === 'terminated' ? parseTransitionTime(i.StateTransitionReason) : undefined
  return {
    id: i.InstanceId ?? '',
    name: tags.Name || (i.InstanceId ?? ''),
    provider: 'aws',
    region: ctx.region,
    zone: i.Placement?.AvailabilityZone ?? '',
    instanceType: i.InstanceType ?? '',
    market,
    state,
    gpus: ctx.typeInfo?.gpus ?? 0,
    gpuMemoryGiB: ctx.typeInfo?.gpuMemoryGiB ?? 0,
    // spot: the zone's current spot price (what EC2 bills); 0 when it could not be read
    pricePerHour: market === 'spot' ? (ctx.spotPrice ?? 0) : ctx.onDemandPrice,
    onDemandPricePerHour: ctx.onDemandPrice,
    launchedAt: i.LaunchTime ? i.LaunchTime.getTime() : 0,
    ...(terminatedAt !== undefined ? { terminatedAt } : {}),
    tags,
    ...(tags[MODEL_TAG_KEY] ? { model: tags[MODEL_TAG_KEY] } : {})
  }
}
