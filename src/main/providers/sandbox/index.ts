// The sandbox cloud: the default provider when no AWS is configured (see provider.ts).
export {
  createSandboxProvider,
  type AdoptedInstance,
  type SandboxBillingRow,
  type SandboxProvider
} from './provider'
export {
  DEFAULT_BOOT_SECONDS,
  DEFAULT_GRACE_SECONDS,
  DEFAULT_MIN_REAL_GRACE_MS,
  DEFAULT_PREEMPTION_RATE_PER_HOUR,
  DEFAULT_SPEED,
  type SandboxMarketOption,
  type SandboxOptions
} from './options'
export { INSTANCE_ID_PATTERN } from './ids'
export {
  startSandboxReplica,
  type ReplicaState,
  type SandboxReplica,
  type SandboxReplicaOptions,
  type ServiceTime
} from './replica-server'
