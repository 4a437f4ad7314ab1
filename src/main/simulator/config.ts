import type { InstanceTypeSpec, SimulationConfig } from '../../shared/simulation'
import { DEFAULT_SYNTHETIC_MARKET } from './catalog'

/** p3.2xlarge (1 x V100 16 GiB, up to 10 Gbit/s): the type the bundled AWS traces were measured on; $3.06/h on-demand in us-east-1. */
export const DEFAULT_INSTANCE_TYPE: InstanceTypeSpec = {
  name: 'p3.2xlarge',
  gpus: 1,
  gpuMemoryGiB: 16,
  networkGbps: 10,
  onDemandPrice: 3.06,
  // The bundled 2023 AWS spot archive for this type averages $0.92-1.65/h across zones.
  meanSpotPrice: 0.92
}

/** The defaults `synkti simulate` runs with; every field is documented in the README. */
export function defaultSimulationConfig(): SimulationConfig {
  return {
    seed: 1,
    runs: 1,
    durationHours: 48,
    policies: ['greedy', 'fallback', 'ondemand'],
    migration: 'optimal',
    graceSeconds: 120,
    changeoverSeconds: 300,
    idleReleaseSeconds: 600,
    fallbackAfterPreemptions: 2,
    checkpoint: { fullThreshold: 0.8, partialThreshold: 0.3 },
    instanceTypes: [{ ...DEFAULT_INSTANCE_TYPE }],
    market: structuredClone(DEFAULT_SYNTHETIC_MARKET),
    workload: {
      kind: 'batch',
      tasks: 100,
      arrivalWindowHours: 24,
      meanTaskHours: 2,
      taskHoursCv: 0.5,
      gpuMemoryChoicesGiB: [8, 12, 16],
      stateGiBMin: 5,
      stateGiBMax: 600,
      checkpointIntervalSeconds: 1800,
      models: 4,
      coldStartSeconds: 120
    }
  }
}
