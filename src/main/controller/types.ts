// The controller reads workload specs in their validated shape (defaults applied).
export type { ServiceWorkload as ServiceSpec } from '../../shared/workload'
export type { JobWorkload as JobSpec } from '../../shared/workload'
