// The contract between the engine and a cloud: AWS (providers/aws) and the sandbox implement it.
// Kept small on purpose: everything the engine decides (fallback to on-demand, retries across instance
// types, draining) lives above this line; a provider only does what it is asked, or raises ProviderError.

import type {
  CapacityMarket,
  InterruptionEvent,
  ManagedInstance,
  SpotPricePoint
} from '../../shared/fleet'
import { DEFAULT_DISK_GIB } from '../../shared/workload'

/** Tag every Synkti instance carries; its value is the provider's fleetTag. */
export const FLEET_TAG_KEY = 'synkti:fleet'
/** Tag holding the model an instance serves, when known. */
export const MODEL_TAG_KEY = 'synkti:model'

/** root disk of a launched instance: the vLLM image (~10 GiB) plus the weights of a mid-size model */
export const DEFAULT_ROOT_VOLUME_GIB = DEFAULT_DISK_GIB

export interface LaunchRequest {
  instanceType: string
  market: CapacityMarket
  /**
   * Preferred zones, tried in order: when one has no capacity the next is tried, and when all fail the
   * provider raises ProviderError 'capacity' naming them. Absent or empty: the cloud picks a zone.
   */
  zones?: string[]
  /** becomes the Name tag */
  name: string
  /** becomes the synkti:model tag */
  model?: string
  /** further tags set at launch (workload, role, ...); the fleet tag and Name cannot be overridden */
  tags?: Record<string, string>
  /** boot script (cloud-init / shell) as plain text; the provider encodes it as the cloud needs */
  userData?: string
  /** size of the root disk, GiB (default DEFAULT_ROOT_VOLUME_GIB: room for a model server image and weights) */
  rootVolumeGiB?: number
  /**
   * Only check that the launch would be allowed; nothing is launched. Success is reported by raising
   * ProviderError 'dry-run-ok', so a caller can never mistake a dry run for a real instance.
   */
  dryRun?: boolean
}

export interface SpotPriceQuery {
  instanceTypes: string[]
  /** restrict to these zones; absent: every zone of the provider's region(s) */
  zones?: string[]
  /** ms since the epoch */
  from: number
  to: number
}

export interface InstanceTypeInfo {
  instanceType: string
  /** number of GPUs, 0 for CPU-only types */
  gpus: number
  /** e.g. 'NVIDIA A10G'; absent for CPU-only types */
  gpuModel?: string
  /** memory of one GPU, GiB (same meaning as InstanceTypeSpec.gpuMemoryGiB) */
  gpuMemoryGiB: number
  /** memory of all GPUs together, GiB */
  totalGpuMemoryGiB: number
  vcpus: number
  memoryGiB: number
  /** the cloud's own wording, e.g. 'Up to 25 Gigabit' */
  network: string
}

export interface CloudProvider {
  readonly name: ManagedInstance['provider']
  /** value of the synkti:fleet tag; the provider only lists, tags and terminates instances carrying it */
  readonly fleetTag: string
  /** this fleet's instances that are not terminated */
  listInstances(): Promise<ManagedInstance[]>
  /** returns only once the cloud accepted the launch; the instance is usually still 'pending' */
  launch(req: LaunchRequest): Promise<ManagedInstance>
  /** refuses (ProviderError 'not-owned') any instance without this fleet's tag */
  terminate(instanceId: string): Promise<void>
  spotPriceHistory(q: SpotPriceQuery): Promise<SpotPricePoint[]>
  describeInstanceTypes(types: string[]): Promise<InstanceTypeInfo[]>
  /** pending notices and interruptions that already happened, for those of the ids in this fleet */
  interruptionStatus(instanceIds: string[]): Promise<InterruptionEvent[]>
  /** adds or overwrites tags on one of this fleet's instances; the fleet tag itself cannot be changed */
  tagInstance(instanceId: string, tags: Record<string, string>): Promise<void>
  /**
   * Optional: whether a spot launch of this type could get capacity now, in the zone given or in
   * any zone. A provider that cannot tell leaves it out; the caller then tries a launch and takes a
   * capacity failure as "no spot".
   */
  spotCapacityNow?(instanceType: string, zone?: string): boolean
}
