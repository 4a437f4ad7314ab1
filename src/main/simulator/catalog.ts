import type { InstanceTypeSpec, SyntheticMarketConfig } from '../../shared/simulation'

/**
 * Default instance types. On-demand prices: AWS EC2 On-Demand pricing, us-east-1, Linux (p3 also in
 * the SkyNomad trace README: $3.06/h). GPU memory and network: AWS accelerated-computing instance
 * specs (g5/g6e bandwidth is "up to" that figure). Mean spot prices are about 30-35% of on-demand;
 * p3.2xlarge's $0.918 is the spot floor the AWS V100 traces sit at in most zones.
 */
export const DEFAULT_INSTANCE_TYPES: readonly InstanceTypeSpec[] = [
  {
    name: 'g5.xlarge',
    gpus: 1,
    gpuMemoryGiB: 24,
    networkGbps: 10,
    onDemandPrice: 1.006,
    meanSpotPrice: 0.352
  },
  {
    name: 'g6e.xlarge',
    gpus: 1,
    gpuMemoryGiB: 48,
    networkGbps: 20,
    onDemandPrice: 1.861,
    meanSpotPrice: 0.651
  },
  {
    name: 'p3.2xlarge',
    gpus: 1,
    gpuMemoryGiB: 16,
    networkGbps: 10,
    onDemandPrice: 3.06,
    meanSpotPrice: 0.918
  },
  {
    name: 'p3.8xlarge',
    gpus: 4,
    gpuMemoryGiB: 16,
    networkGbps: 10,
    onDemandPrice: 12.24,
    meanSpotPrice: 3.672
  }
]

export function findInstanceType(name: string): InstanceTypeSpec | undefined {
  return DEFAULT_INSTANCE_TYPES.find((t) => t.name === name)
}

/**
 * The types `synkti simulate --instance-types` can name: the defaults plus g5.12xlarge (4 x A10G
 * 24 GiB, 40 Gbit/s, $5.672/h on demand in us-east-1: $1.418 a GPU, dearer a GPU than g5.xlarge;
 * spot at 35% of it, like g5.xlarge). Kept apart from the defaults, which seed the sandbox cloud's
 * market: a new type there would move every price it draws.
 */
export const SIMULATOR_INSTANCE_TYPES: readonly InstanceTypeSpec[] = [
  ...DEFAULT_INSTANCE_TYPES,
  {
    name: 'g5.12xlarge',
    gpus: 4,
    gpuMemoryGiB: 24,
    networkGbps: 40,
    onDemandPrice: 5.672,
    meanSpotPrice: 1.985
  }
]

export function findSimulatorInstanceType(name: string): InstanceTypeSpec | undefined {
  return SIMULATOR_INSTANCE_TYPES.find((t) => t.name === name)
}

/**
 * Default synthetic market: three zones of one region, 5-minute price ticks, deviations that halve in
 * about 1.4 h (theta 0.5/h) with a stationary spread of about 15% (sigma / sqrt(2 theta)), a 5% daily
 * cycle, zone means within +/-10%, one reclaim per 20 instance-hours, 30-minute outages after a reclaim.
 */
export const DEFAULT_SYNTHETIC_MARKET: SyntheticMarketConfig = {
  kind: 'synthetic',
  zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  tickSeconds: 300,
  reversionPerHour: 0.5,
  volatility: 0.15,
  dailyAmplitude: 0.05,
  zoneSpread: 0.1,
  hazard: { kind: 'fixed', perHour: 0.05 },
  outageMeanSeconds: 1800
}
